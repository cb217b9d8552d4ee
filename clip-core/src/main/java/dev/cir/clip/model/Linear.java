package dev.cir.clip.model;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import java.util.List;

/** {@code torch.nn.Linear}: y = x·Wᵀ + b, with W of shape [out, in]. */
public final class Linear extends ClipBlock {
  private final Parameter weight;
  private final Parameter bias;
  /** Set by {@link #usePacked}: the kernels and oneDNN's copy of the weight. */
  private volatile InferenceKernels packedKernels;
  private volatile NDArray packedWeight;

  public Linear(Weights w, String prefix, long in, long out, boolean withBias, Init weightInit) {
    super(prefix);
    this.weight = weight(w, "weight", weightInit, out, in);
    this.bias = withBias ? bias(w, "bias", Init.torchDefault(in), out) : null;
  }

  /** A Linear with PyTorch's default initialisation. */
  public Linear(Weights w, String prefix, long in, long out) {
    this(w, prefix, in, out, true, Init.torchDefault(in));
  }

  NDArray weightArray() {
    return weight.getArray();
  }

  /** null without a bias. */
  NDArray biasArray() {
    return bias == null ? null : bias.getArray();
  }

  /**
   * Makes inference ({@code training} false) run this layer through {@code kernels} on a copy of
   * the weight that oneDNN has laid out for its kernels (float32; inference only: the copy does not
   * follow later changes of the weight). In bf16 on the emulated kernels ({@link
   * Bf16Kernels#emulated()}; call after {@link #useBf16}) the copy is of the rounded weight and the
   * products keep bf16's rounding. A layer without a bias, or on native bf16 kernels, stays as it is.
   */
  public synchronized void usePacked(InferenceKernels kernels) {
    Bf16Kernels k = bf16();
    if (bias == null || (k != null && !k.emulated()) || packedKernels == kernels) {
      return;
    }
    packedWeight = kernels.pack(k == null ? weight.getArray() : bf16Copy(weight));
    packedKernels = kernels;
  }

  @Override
  protected long inferenceCopyBytes() {
    return packedWeight == null ? 0 : weight.getArray().size() * Float.BYTES;
  }

  @Override
  protected List<Parameter> bf16Parameters() {
    return java.util.Arrays.asList(weight, bias);
  }

  @Override
  public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
    Bf16Kernels k = bf16();
    InferenceKernels packed = packedKernels;
    if (k != null) {
      return packed != null
          ? packed.linearRounded(x, bf16Copy(weight), packedWeight, bf16Copy(bias))
          : k.linear(x, bf16Copy(weight), bf16Copy(bias));
    }
    if (packed != null && !training) {
      return packed.linear(x, weight.getArray(), packedWeight, bias.getArray());
    }
    NDArray wv = value(ps, weight, x, training);
    NDArray bv = bias == null ? null : value(ps, bias, x, training);
    return ai.djl.nn.core.Linear.linear(x, wv, bv).singletonOrThrow();
  }
}
