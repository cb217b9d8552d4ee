package dev.cir.clip.image;

import java.util.Arrays;
import java.util.Objects;

/**
 * A decoded image as PIL holds it after {@code Image.open}: a {@link PixelMode}, 8-bit samples
 * interleaved row by row, and for {@link PixelMode#P} a 256-entry RGB palette. It also carries the
 * name of the file or source it came from, so that every later error can name it.
 *
 * <p>Instances are immutable; the factories copy the arrays they are given.
 */
public final class DecodedImage {
  /** Entries of a palette; Pillow's core palette always has 256 (ImagingPaletteInstance). */
  static final int PALETTE_ENTRIES = 256;

  private final PixelMode mode;
  private final int width;
  private final int height;
  private final byte[] samples;
  private final byte[] palette;
  private final String source;

  private DecodedImage(
      PixelMode mode, int width, int height, byte[] samples, byte[] palette, String source) {
    this.mode = mode;
    this.width = width;
    this.height = height;
    this.samples = samples;
    this.palette = palette;
    this.source = source;
  }

  /**
   * An image of any mode but {@link PixelMode#P}.
   *
   * @param samples {@code width * height * mode.bands()} samples, interleaved, row by row
   * @throws IllegalArgumentException if the mode is P or the sizes disagree
   */
  public static DecodedImage of(
      PixelMode mode, int width, int height, byte[] samples, String source) {
    Objects.requireNonNull(mode, "mode");
    if (mode == PixelMode.P) {
      throw new IllegalArgumentException("a P image needs a palette: use withPalette");
    }
    checkSamples(mode, width, height, samples);
    return new DecodedImage(
        mode, width, height, samples.clone(), null, Objects.requireNonNull(source, "source"));
  }

  /**
   * A palette image ({@link PixelMode#P}).
   *
   * @param indices {@code width * height} palette indices, row by row
   * @param paletteRgb up to 256 RGB triples; entries past its end are black, as in Pillow
   * @throws IllegalArgumentException if the sizes disagree or the palette is not RGB triples
   */
  public static DecodedImage withPalette(
      int width, int height, byte[] indices, byte[] paletteRgb, String source) {
    checkSamples(PixelMode.P, width, height, indices);
    Objects.requireNonNull(paletteRgb, "paletteRgb");
    if (paletteRgb.length % 3 != 0 || paletteRgb.length > 3 * PALETTE_ENTRIES) {
      throw new IllegalArgumentException(
          "a palette holds at most 256 RGB triples, got " + paletteRgb.length + " bytes");
    }
    return new DecodedImage(
        PixelMode.P,
        width,
        height,
        indices.clone(),
        fullPalette(paletteRgb),
        Objects.requireNonNull(source, "source"));
  }

  /**
   * A copy of {@code paletteRgb} filled up with black to 256 entries, as Pillow's core holds it.
   */
  static byte[] fullPalette(byte[] paletteRgb) {
    return Arrays.copyOf(paletteRgb, 3 * PALETTE_ENTRIES);
  }

  /** Wraps arrays this package built and will not change again. */
  static DecodedImage wrap(
      PixelMode mode, int width, int height, byte[] samples, byte[] palette, String source) {
    return new DecodedImage(mode, width, height, samples, palette, source);
  }

  private static void checkSamples(PixelMode mode, int width, int height, byte[] samples) {
    Objects.requireNonNull(samples, "samples");
    if (width < 1 || height < 1) {
      throw new IllegalArgumentException(
          "image size must be at least 1x1, got " + width + "x" + height);
    }
    long expected = (long) width * height * mode.bands();
    if (samples.length != expected) {
      throw new IllegalArgumentException(
          mode.pilName()
              + " "
              + width
              + "x"
              + height
              + " needs "
              + expected
              + " samples, got "
              + samples.length);
    }
  }

  public PixelMode mode() {
    return mode;
  }

  public int width() {
    return width;
  }

  public int height() {
    return height;
  }

  /** The file or source name the image was decoded from. */
  public String source() {
    return source;
  }

  /** Sample {@code band} (0-based, in the order of the mode's name) of pixel (x, y), 0 to 255. */
  public int sample(int x, int y, int band) {
    Objects.checkIndex(x, width);
    Objects.checkIndex(y, height);
    Objects.checkIndex(band, mode.bands());
    return samples[((y * width) + x) * mode.bands() + band] & 0xFF;
  }

  /**
   * The color of palette entry {@code index} as {@code 0xRRGGBB}.
   *
   * @throws IllegalStateException if this is not a P image
   */
  public int paletteColor(int index) {
    if (palette == null) {
      throw new IllegalStateException(mode.pilName() + " image has no palette");
    }
    Objects.checkIndex(index, PALETTE_ENTRIES);
    return ((palette[3 * index] & 0xFF) << 16)
        | ((palette[3 * index + 1] & 0xFF) << 8)
        | (palette[3 * index + 2] & 0xFF);
  }

  /**
   * Pixel (x, y) as {@code 0xRRGGBB}, what PIL's {@code convert("RGB")} makes of it: alpha is
   * dropped (not composited), gray is repeated, a palette index is looked up, mode 1 is 0 or 255.
   */
  public int rgb(int x, int y) {
    Objects.checkIndex(x, width);
    Objects.checkIndex(y, height);
    return rgbAt(y * width + x);
  }

  /** Convert.c bit2rgb, l2rgb, la2rgb, p2rgb, rgba2rgb for pixel number {@code p}. */
  int rgbAt(int p) {
    switch (mode) {
      case BILEVEL -> {
        return samples[p] != 0 ? 0xFFFFFF : 0;
      }
      case L, LA -> {
        int v = samples[p * mode.bands()] & 0xFF;
        return v << 16 | v << 8 | v;
      }
      case P -> {
        return paletteColor(samples[p] & 0xFF);
      }
      default -> {
        int i = p * mode.bands();
        return (samples[i] & 0xFF) << 16 | (samples[i + 1] & 0xFF) << 8 | (samples[i + 2] & 0xFF);
      }
    }
  }

  /** The samples themselves, not a copy: callers in this package only read them. */
  byte[] samplesView() {
    return samples;
  }

  /** The 768-byte palette itself, or null when the mode is not P. */
  byte[] paletteView() {
    return palette;
  }

  @Override
  public String toString() {
    return source + " (" + mode.pilName() + " " + width + "x" + height + ")";
  }
}
