package dev.cir.clip.image;

/**
 * OpenAI CLIP's preprocessing ({@code clip/clip.py _transform}): {@code Resize(R, BICUBIC)} of the
 * short side, {@code CenterCrop(R)}, conversion to RGB, {@code ToTensor}, {@code Normalize(mean,
 * std)}, with torchvision's arithmetic over PIL images.
 *
 * <p>Strategy: the center crop is known before resizing, so only the R x R window that survives it
 * is resampled ({@link PillowResampler#resizeRegion}); a 1 x 1000 image never becomes a 224 x
 * 224000 intermediate. The padding transforms reuse this pipeline on a {@link PaddedImage}.
 */
public final class ClipTransform implements ImageTransform {
  /** OpenAI CLIP's normalization, as the float32 tensors torchvision builds from it. */
  static final float[] MEAN = {(float) 0.48145466, (float) 0.4578275, (float) 0.40821073};

  static final float[] STD = {(float) 0.26862954, (float) 0.26130258, (float) 0.27577711};

  private final int resolution;

  /**
   * @throws IllegalArgumentException if {@code resolution} is less than 1
   */
  public ClipTransform(int resolution) {
    this.resolution = checkResolution(resolution);
  }

  static int checkResolution(int resolution) {
    if (resolution < 1) {
      throw new IllegalArgumentException("resolution must be at least 1, got " + resolution);
    }
    return resolution;
  }

  @Override
  public byte[] applyRgb(DecodedImage image) {
    return preprocess(PaddedImage.of(image), resolution);
  }

  /**
   * Resize, center crop, RGB: the steps every CLIP4Cir transform ends with, before the
   * normalization; {@code R x R} RGB samples as three planes (CHW order), what PIL holds after
   * {@code CenterCrop}.
   */
  static byte[] preprocess(PaddedImage canvas, int resolution) {
    int w = canvas.width();
    int h = canvas.height();
    // torchvision F.resize(int): new_long = int(R * long / short), with Python's true division
    int shortSide = Math.min(w, h);
    int longSide = Math.max(w, h);
    double newLong = (double) ((long) resolution * longSide) / shortSide;
    if (newLong > Integer.MAX_VALUE) {
      throw new InvalidImageException(
          canvas.image().source(),
          w + "x" + h + " is too elongated to resize its short side to " + resolution);
    }
    int newWidth = w <= h ? resolution : (int) newLong;
    int newHeight = w <= h ? (int) newLong : resolution;
    // torchvision F.center_crop: int(round((size - R) / 2.0)), Python rounding half to even
    int top = (int) Math.rint((newHeight - resolution) / 2.0);
    int left = (int) Math.rint((newWidth - resolution) / 2.0);
    DecodedImage window =
        PillowResampler.resizeRegion(
            canvas,
            newWidth,
            newHeight,
            new PillowResampler.Region(left, top, resolution, resolution));
    return planes(window);
  }

  /** The RGB samples of {@code image} as three planes, R then G then B. */
  static byte[] planes(DecodedImage image) {
    int n = image.width() * image.height();
    byte[] out = new byte[3 * n];
    for (int p = 0; p < n; p++) {
      int rgb = image.rgbAt(p);
      out[p] = (byte) (rgb >> 16);
      out[n + p] = (byte) (rgb >> 8);
      out[2 * n + p] = (byte) rgb;
    }
    return out;
  }

  /**
   * ToTensor then Normalize of RGB planes, in float32 as torch computes them: ((v / 255) - mean) /
   * std.
   */
  public static float[] normalize(byte[] planes) {
    float[] out = new float[planes.length];
    normalize(planes, 0, out, 0, planes.length);
    return out;
  }

  /** {@link #normalize(byte[])} of {@code length} samples (three whole planes) into {@code out} at {@code to}. */
  public static void normalize(byte[] planes, int from, float[] out, int to, int length) {
    if (length % 3 != 0) {
      throw new IllegalArgumentException("three planes of samples, got " + length);
    }
    int n = length / 3;
    for (int c = 0; c < 3; c++) {
      float mean = MEAN[c];
      float std = STD[c];
      int src = from + c * n;
      int dst = to + c * n;
      for (int p = 0; p < n; p++) {
        out[dst + p] = (((planes[src + p] & 0xFF) / 255f) - mean) / std;
      }
    }
  }

  @Override
  public int resolution() {
    return resolution;
  }

  @Override
  public String name() {
    return "clip";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ClipTransform other && other.resolution == resolution;
  }

  @Override
  public int hashCode() {
    return 31 * resolution + 1;
  }

  @Override
  public String toString() {
    return "clip(" + resolution + ")";
  }
}
