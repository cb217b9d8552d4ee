package dev.cir.eval.synth;

import java.util.Locale;

/** Two sizes, far enough apart to tell at 48 pixels. */
public enum ObjectSize {
  SMALL,
  LARGE;

  public String word() {
    return name().toLowerCase(Locale.ROOT);
  }

  public ObjectSize other() {
    return this == SMALL ? LARGE : SMALL;
  }
}
