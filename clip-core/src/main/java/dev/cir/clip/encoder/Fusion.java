package dev.cir.clip.encoder;

/**
 * The arithmetic of the query modes that need no learned block: CLIP4Cir's sum baseline {@code
 * F.normalize(image + text)}, and either feature alone, normalized. The Combiner's fusion is a
 * block ({@link dev.cir.clip.model.Combiner}) and runs on its own tower.
 */
public final class Fusion {
  private Fusion() {}

  /** In place: v / max(‖v‖₂, 1e-12), as {@code F.normalize}. */
  public static float[] normalize(float[] v) {
    double ss = 0;
    for (float x : v) {
      ss += (double) x * x;
    }
    float norm = (float) Math.max(Math.sqrt(ss), 1e-12);
    for (int i = 0; i < v.length; i++) {
      v[i] /= norm;
    }
    return v;
  }

  /** {@code F.normalize(image + text)}, a new array. */
  public static float[] sum(float[] image, float[] text) {
    float[] s = new float[image.length];
    for (int k = 0; k < s.length; k++) {
      s[k] = image[k] + text[k];
    }
    return normalize(s);
  }

  /** A normalized copy of {@code v}. */
  public static float[] normalized(float[] v) {
    return normalize(v.clone());
  }
}
