package dev.cir.clip.model;

/**
 * How a parameter is drawn when a model starts from random weights, following OpenAI's
 * {@code CLIP.initialize_parameters} and PyTorch's module defaults ({@code clip/model.py}).
 */
public sealed interface Init {
  /** All zeros (biases, BatchNorm means, {@code bn3.weight} in OpenAI's ResNet). */
  record Zeros() implements Init {}

  /** All equal to {@code value} (LayerNorm and BatchNorm scales, variances, the logit scale). */
  record Constant(float value) implements Init {}

  /** Normal with mean 0 and standard deviation {@code std}. */
  record Normal(double std) implements Init {}

  /** Uniform on [-bound, bound]; PyTorch's default for Linear and Conv is bound = 1/sqrt(fan_in). */
  record Uniform(double bound) implements Init {}

  static Init zeros() {
    return new Zeros();
  }

  static Init ones() {
    return new Constant(1f);
  }

  static Init constant(float v) {
    return new Constant(v);
  }

  static Init normal(double std) {
    return new Normal(std);
  }

  /** PyTorch's {@code kaiming_uniform_(a=sqrt(5))}, the default of nn.Linear and nn.Conv2d. */
  static Init torchDefault(long fanIn) {
    return new Uniform(1.0 / Math.sqrt(fanIn));
  }
}
