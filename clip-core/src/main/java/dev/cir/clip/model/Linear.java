package dev.cir.clip.model;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;

/** {@code torch.nn.Linear}: y = x·Wᵀ + b, with W of shape [out, in]. */
public final class Linear extends ClipBlock {
  private final Parameter weight;
  private final Parameter bias;

  public Linear(Weights w, String prefix, long in, long out, boolean withBias, Init weightInit) {
    super(prefix);
    this.weight = weight(w, "weight", weightInit, out, in);
    this.bias = withBias ? bias(w, "bias", Init.torchDefault(in), out) : null;
  }

  /** A Linear with PyTorch's default initialisation. */
  public Linear(Weights w, String prefix, long in, long out) {
    this(w, prefix, in, out, true, Init.torchDefault(in));
  }

  @Override
  public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
    NDArray wv = value(ps, weight, x, training);
    NDArray bv = bias == null ? null : value(ps, bias, x, training);
    return ai.djl.nn.core.Linear.linear(x, wv, bv).singletonOrThrow();
  }
}
