package dev.cir.clip.encoder;

import java.util.Locale;

/** How a reference image's and a modification text's features become one query vector. */
public enum CombineMode {
  /** CLIP4Cir's learned Combiner (the bundle must have one). */
  COMBINER,
  /** normalize(image + text): CLIP4Cir's element-wise-sum baseline and stage-1 query. */
  SUM,
  /** normalize(image): the image-only baseline. */
  IMAGE,
  /** normalize(text): the text-only baseline. */
  TEXT,
  /**
   * Zero-shot (Pic2Word): normalize(text features of the bundle's prompt template with the
   * reference's pseudo-word φ(image) at its placeholder); the bundle must have φ.
   */
  INVERSION;

  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static CombineMode parse(String s) {
    try {
      return valueOf(s.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unknown combine mode '" + s + "'; use combiner, sum, image, text or inversion", e);
    }
  }
}
