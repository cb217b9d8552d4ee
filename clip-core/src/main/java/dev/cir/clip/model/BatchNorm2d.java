package dev.cir.clip.model;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;

/**
 * {@code torch.nn.BatchNorm2d} (eps 1e-5) that always normalises with its running statistics:
 * CLIP4Cir keeps the encoders in eval mode while fine-tuning, so the statistics stay frozen.
 */
public final class BatchNorm2d extends ClipBlock {
  private final Parameter weight;
  private final Parameter bias;
  private final Parameter runningMean;
  private final Parameter runningVar;

  public BatchNorm2d(Weights w, String prefix, long channels) {
    this(w, prefix, channels, Init.ones());
  }

  /** Overrides the scale initialisation (OpenAI zeroes {@code bn3.weight} of each Bottleneck). */
  BatchNorm2d(Weights w, String prefix, long channels, Init weightInit) {
    super(prefix);
    this.weight = weight(w, "weight", weightInit, channels);
    this.bias = bias(w, "bias", Init.zeros(), channels);
    this.runningMean = buffer(w, "running_mean", Init.zeros(), Parameter.Type.RUNNING_MEAN, channels);
    this.runningVar = buffer(w, "running_var", Init.ones(), Parameter.Type.RUNNING_VAR, channels);
  }

  @Override
  public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
    return ai.djl.nn.norm.BatchNorm.batchNorm(
            x,
            value(ps, runningMean, x, training),
            value(ps, runningVar, x, training),
            value(ps, weight, x, training),
            value(ps, bias, x, training),
            1,
            0.1f,
            1e-5f,
            false)
        .singletonOrThrow();
  }
}
