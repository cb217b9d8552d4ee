package dev.cir.clip.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;

/**
 * CLIP's {@code LayerNorm} over the last dimension, eps 1e-5. (OpenAI's subclass casts fp16 input
 * to fp32 around the norm; everything here is fp32 already.)
 */
public final class LayerNorm extends ClipBlock {
  private final Parameter weight;
  private final Parameter bias;
  private final Shape normalized;

  public LayerNorm(Weights w, String prefix, long width) {
    super(prefix);
    this.weight = weight(w, "weight", Init.ones(), width);
    this.bias = bias(w, "bias", Init.zeros(), width);
    this.normalized = new Shape(width);
  }

  NDArray weightArray() {
    return weight.getArray();
  }

  NDArray biasArray() {
    return bias.getArray();
  }

  @Override
  public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
    return ai.djl.nn.norm.LayerNorm.layerNorm(
            x, normalized, value(ps, weight, x, training), value(ps, bias, x, training), 1e-5f)
        .singletonOrThrow();
  }
}
