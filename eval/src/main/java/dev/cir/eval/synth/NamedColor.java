package dev.cir.eval.synth;

import java.awt.Color;
import java.util.Locale;

/**
 * The palette: eight hues far apart in RGB, all distinct from the dark background, each named by
 * one common word.
 */
public enum NamedColor {
  RED(220, 40, 40),
  ORANGE(245, 140, 20),
  YELLOW(245, 225, 40),
  GREEN(40, 175, 60),
  CYAN(40, 210, 225),
  BLUE(45, 80, 230),
  PURPLE(150, 60, 200),
  WHITE(245, 245, 245);

  private final int rgb;

  NamedColor(int r, int g, int b) {
    this.rgb = (r << 16) | (g << 8) | b;
  }

  public String word() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The sRGB value, {@code 0xRRGGBB}. */
  public int rgb() {
    return rgb;
  }

  Color awt() {
    return new Color(rgb);
  }
}
