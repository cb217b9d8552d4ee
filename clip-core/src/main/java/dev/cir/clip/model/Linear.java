package dev.cir.clip.model;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import java.util.List;

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
  protected List<Parameter> bf16Parameters() {
    return java.util.Arrays.asList(weight, bias);
  }

  @Override
  public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
    Bf16Kernels k = bf16();
    if (k != null) {
      return k.linear(x, bf16Copy(weight), bf16Copy(bias));
    }
    NDArray wv = value(ps, weight, x, training);
    NDArray bv = bias == null ? null : value(ps, bias, x, training);
    return ai.djl.nn.core.Linear.linear(x, wv, bv).singletonOrThrow();
  }
}
