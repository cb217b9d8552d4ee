package dev.cir.clip.encoder;

/**
 * Fused query vectors and, for the Combiner, λ: the weight of the text features in the residual
 * mix λ·text + (1 − λ)·image (NaN for the other modes).
 */
public record Combination(float[][] vectors, float[] lambda, CombineMode mode) {
  public float[] vector(int i) {
    return vectors[i];
  }

  public float lambda(int i) {
    return lambda[i];
  }

  public int size() {
    return vectors.length;
  }
}
