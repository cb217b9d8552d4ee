package dev.cir.clip.image;

/**
 * CLIP4Cir's {@code SquarePad} then {@link ClipTransform}: the image is padded with zeros (black,
 * transparent black, or palette index 0) on both sides of its short dimension to the length of its
 * long one, {@code int((max_wh - w) / 2)} on each side, so that no part of it is cropped away.
 */
public final class SquarePadTransform implements ImageTransform {
  private final int resolution;

  /**
   * @throws IllegalArgumentException if {@code resolution} is less than 1
   */
  public SquarePadTransform(int resolution) {
    this.resolution = ClipTransform.checkResolution(resolution);
  }

  @Override
  public byte[] applyRgb(DecodedImage image) {
    int maxWh = Math.max(image.width(), image.height());
    // int((max_wh - w) / 2) of non-negative integers is floor division
    int horizontal = (maxWh - image.width()) / 2;
    int vertical = (maxWh - image.height()) / 2;
    return ClipTransform.preprocess(PaddedImage.pad(image, horizontal, vertical), resolution);
  }

  @Override
  public int resolution() {
    return resolution;
  }

  @Override
  public String name() {
    return "squarepad";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SquarePadTransform other && other.resolution == resolution;
  }

  @Override
  public int hashCode() {
    return 31 * resolution + 2;
  }

  @Override
  public String toString() {
    return "squarepad(" + resolution + ")";
  }
}
