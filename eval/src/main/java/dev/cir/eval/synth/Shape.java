package dev.cir.eval.synth;

import java.util.Locale;

/** The shapes a synthetic scene draws; each word is one token a caption uses. */
public enum Shape {
  CIRCLE,
  SQUARE,
  TRIANGLE,
  STAR,
  CROSS,
  DIAMOND;

  public String word() {
    return name().toLowerCase(Locale.ROOT);
  }
}
