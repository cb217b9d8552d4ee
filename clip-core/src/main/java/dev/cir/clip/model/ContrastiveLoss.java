package dev.cir.clip.model;

import ai.djl.ndarray.NDArray;

/**
 * CLIP4Cir's batch-contrastive objective: logits = scale · query · normalize(target)ᵀ over the
 * batch, cross-entropy against the diagonal (each query's own target is the positive, the other
 * targets of the batch are the negatives).
 */
public final class ContrastiveLoss {
  private ContrastiveLoss() {}

  /**
   * @param queries normalised query features [b, d]
   * @param targets raw target features [b, d]; normalised here
   * @return logits [b, b]
   */
  public static NDArray logits(NDArray queries, NDArray targets, float scale) {
    // (scale · q) @ tᵀ, in CLIP4Cir's order of operations
    return Scalars.mul(queries, scale).matMul(Combiner.normalize(targets).transpose());
  }

  /**
   * Mean cross-entropy of {@code logits} [b, c] (c ≥ b) against the targets 0..b-1 (the diagonal);
   * columns past b are candidates that are no query's target (extra negatives).
   */
  public static NDArray crossEntropyOnDiagonal(NDArray logits) {
    long b = logits.getShape().get(0);
    NDArray logProbs = logits.logSoftmax(1);
    if (logits.getShape().get(1) > b) {
      logProbs = logProbs.get(":, :" + b);
    }
    NDArray eye = logits.getManager().eye((int) b).toType(logProbs.getDataType(), false);
    return Scalars.div(logProbs.mul(eye).sum(), -b);
  }
}
