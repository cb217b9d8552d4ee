package dev.cir.clip.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Arithmetic with a constant that is safe inside a training graph.
 *
 * <p>DJL's {@code NDArray.mul(Number)} and {@code div(Number)} wrap the number in a tensor that
 * points into a Java direct buffer and close it as soon as the operation returns; on the CPU the
 * buffer is then free to be reclaimed. Autograd keeps that tensor for the backward pass (the
 * derivative of {@code x · c} is {@code c}), so a backward pass after a garbage collection reads
 * freed memory: gradients that are wrong, or NaN, now and then. These methods build the constant
 * with the engine ({@code torch::full}), whose memory lives as long as any graph holds it. The
 * values are those of {@code mul(Number)} / {@code div(Number)}: the same float32 constant.
 */
public final class Scalars {
  private Scalars() {}

  /** {@code x · c}. */
  public static NDArray mul(NDArray x, float c) {
    try (NDArray k = constant(x, c)) {
      return x.mul(k);
    }
  }

  /** {@code x / c}. */
  public static NDArray div(NDArray x, float c) {
    try (NDArray k = constant(x, c)) {
      return x.div(k);
    }
  }

  private static NDArray constant(NDArray like, float c) {
    return like.getManager().full(new Shape(), c, like.getDataType());
  }
}
