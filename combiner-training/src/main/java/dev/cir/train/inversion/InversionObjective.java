package dev.cir.train.inversion;

import java.util.Locale;

/** What φ learns from: a catalogue's images (Pic2Word) or its texts (LinCIR); never triplets. */
public enum InversionObjective {
  /**
   * Pic2Word (Saito et al. 2023): the prompt "a photo of $" with φ(image) at $ must retrieve that
   * image among the batch's, and the image its prompt (symmetric contrastive loss at CLIP's scale).
   */
  IMAGES,
  /**
   * LinCIR (Gu et al. 2024), in its prompt form: φ of a text's own features, with Gaussian noise of
   * a random strength, through the prompt must reproduce those features (mean squared distance of
   * the normalized features).
   */
  TEXTS;

  public static InversionObjective parse(String s) {
    try {
      return valueOf(s.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unknown --objective '" + s + "'; use images or texts", e);
    }
  }

  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }
}
