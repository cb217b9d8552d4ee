package dev.cir.clip.image;

/**
 * How a decoded image stores its pixels, named after the PIL mode it stands for. Every sample is 8
 * bits; samples of a pixel are interleaved in the order of the mode's name.
 */
public enum PixelMode {
  /** PIL {@code "1"}: bilevel, one sample per pixel, 0 or 255. */
  BILEVEL("1", 1),
  /** PIL {@code "L"}: grayscale. */
  L("L", 1),
  /** PIL {@code "LA"}: grayscale and alpha. */
  LA("LA", 2),
  /** PIL {@code "P"}: one palette index per pixel; the colors are in the image's palette. */
  P("P", 1),
  /** PIL {@code "RGB"}. */
  RGB("RGB", 3),
  /** PIL {@code "RGBA"}: straight (not premultiplied) alpha. */
  RGBA("RGBA", 4);

  private final String pilName;
  private final int bands;

  PixelMode(String pilName, int bands) {
    this.pilName = pilName;
    this.bands = bands;
  }

  /** The PIL mode string, e.g. {@code "RGBA"}. */
  public String pilName() {
    return pilName;
  }

  /** Samples per pixel. */
  public int bands() {
    return bands;
  }

  /** Whether the last sample of a pixel is alpha. */
  public boolean hasAlpha() {
    return this == LA || this == RGBA;
  }

  /** Whether PIL resizes this mode with NEAREST whatever filter is asked for (Image.resize). */
  boolean resizesNearest() {
    return this == P || this == BILEVEL;
  }
}
