package dev.cir.clip.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import java.util.List;

/** {@code torch.nn.Conv2d} without bias, as every convolution in CLIP is. */
public final class Conv2d extends ClipBlock {
  private final Parameter weight;
  private final Shape stride;
  private final Shape padding;

  public Conv2d(Weights w, String prefix, long in, long out, int kernel, int stride, int padding) {
    super(prefix);
    this.weight = weight(w, "weight", Init.torchDefault(in * kernel * kernel), out, in, kernel, kernel);
    this.stride = new Shape(stride, stride);
    this.padding = new Shape(padding, padding);
  }

  @Override
  protected List<Parameter> bf16Parameters() {
    return List.of(weight);
  }

  @Override
  public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
    Bf16Kernels k = bf16();
    if (k != null) {
      return k.conv2d(x, bf16Copy(weight), stride.get(0), padding.get(0));
    }
    return ai.djl.nn.convolutional.Conv2d.conv2d(
            x, value(ps, weight, x, training), null, stride, padding, new Shape(1, 1), 1)
        .singletonOrThrow();
  }
}
