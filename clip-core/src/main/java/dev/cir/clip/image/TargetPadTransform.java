package dev.cir.clip.image;

/**
 * CLIP4Cir's {@code TargetPad} then {@link ClipTransform}: an image more elongated than the target
 * ratio (long side / short side) is padded with zeros until its ratio is about the target, so that
 * the center crop keeps most of it; a less elongated image is left as it is.
 */
public final class TargetPadTransform implements ImageTransform {
  private final int resolution;
  private final double targetRatio;

  /**
   * @throws IllegalArgumentException if {@code resolution} is less than 1 or {@code targetRatio} is
   *     not a finite number of at least 1
   */
  public TargetPadTransform(int resolution, double targetRatio) {
    this.resolution = ClipTransform.checkResolution(resolution);
    if (!(targetRatio >= 1.0) || Double.isInfinite(targetRatio)) {
      throw new IllegalArgumentException(
          "target ratio must be a finite number of at least 1 (long side / short side), got "
              + targetRatio);
    }
    this.targetRatio = targetRatio;
  }

  @Override
  public byte[] applyRgb(DecodedImage image) {
    int w = image.width();
    int h = image.height();
    double actualRatio = (double) Math.max(w, h) / Math.min(w, h);
    if (actualRatio < targetRatio) {
      return ClipTransform.preprocess(PaddedImage.of(image), resolution);
    }
    double scaledMaxWh = Math.max(w, h) / targetRatio;
    // Python int() truncates toward zero; the short side's padding is positive, the long side's not
    int horizontal = Math.max((int) ((scaledMaxWh - w) / 2), 0);
    int vertical = Math.max((int) ((scaledMaxWh - h) / 2), 0);
    return ClipTransform.preprocess(PaddedImage.pad(image, horizontal, vertical), resolution);
  }

  @Override
  public int resolution() {
    return resolution;
  }

  public double targetRatio() {
    return targetRatio;
  }

  @Override
  public String name() {
    return "targetpad";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TargetPadTransform other
        && other.resolution == resolution
        && Double.compare(other.targetRatio, targetRatio) == 0;
  }

  @Override
  public int hashCode() {
    return 31 * (31 * resolution + 3) + Double.hashCode(targetRatio);
  }

  @Override
  public String toString() {
    return "targetpad(" + resolution + ", " + targetRatio + ")";
  }
}
