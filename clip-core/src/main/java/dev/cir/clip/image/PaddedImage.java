package dev.cir.clip.image;

import java.util.Objects;

/**
 * An image placed at ({@code left}, {@code top}) on a {@code width} x {@code height} canvas whose
 * other pixels are all-zero samples: black for L and RGB, transparent black for LA and RGBA,
 * palette index 0 for P, as torchvision's {@code F.pad(img, padding, fill=0)} makes them. The
 * border is never stored; readers treat anything outside the image as zero.
 */
record PaddedImage(DecodedImage image, int left, int top, int width, int height) {

  PaddedImage {
    Objects.requireNonNull(image, "image");
    if (left < 0
        || top < 0
        || (long) left + image.width() > width
        || (long) top + image.height() > height) {
      throw new IllegalArgumentException(
          "image "
              + image.width()
              + "x"
              + image.height()
              + " at ("
              + left
              + ", "
              + top
              + ") does not fit a "
              + width
              + "x"
              + height
              + " canvas");
    }
  }

  /** The image itself, with no border. */
  static PaddedImage of(DecodedImage image) {
    return new PaddedImage(image, 0, 0, image.width(), image.height());
  }

  /**
   * The image with {@code horizontal} zero columns on the left and on the right and {@code
   * vertical} zero rows above and below.
   *
   * @throws InvalidImageException naming the image when the padded size does not fit an int
   */
  static PaddedImage pad(DecodedImage image, int horizontal, int vertical) {
    if (horizontal < 0 || vertical < 0) {
      throw new IllegalArgumentException(
          "padding must not be negative: " + horizontal + ", " + vertical);
    }
    long width = image.width() + 2L * horizontal;
    long height = image.height() + 2L * vertical;
    if (width > Integer.MAX_VALUE || height > Integer.MAX_VALUE) {
      throw new InvalidImageException(
          image.source(),
          image.width()
              + "x"
              + image.height()
              + " padded to "
              + width
              + "x"
              + height
              + " is too large to preprocess");
    }
    return new PaddedImage(image, horizontal, vertical, (int) width, (int) height);
  }

  /** Whether canvas pixel (x, y) lies on the image rather than on the border. */
  boolean covers(int x, int y) {
    return x >= left && x < left + image.width() && y >= top && y < top + image.height();
  }
}
