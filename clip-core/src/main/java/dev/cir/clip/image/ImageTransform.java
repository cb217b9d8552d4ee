package dev.cir.clip.image;

import java.util.List;

/**
 * One of CLIP4Cir's image preprocessing pipelines: a decoded image in, the model's input out, a
 * {@code float[3 * R * R]} in CHW order (channel-major) normalized with CLIP's mean and standard
 * deviation, where R is the model's input {@link #resolution()}; or, one step earlier, the 8-bit
 * RGB samples that normalization reads ({@link #applyRgb}).
 *
 * <p>Implementations are immutable and thread-safe, and compare equal when they compute the same
 * function.
 */
public interface ImageTransform {
  /** The names {@link #forName} accepts. */
  List<String> NAMES = List.of("clip", "squarepad", "targetpad");

  /** CLIP4Cir's default {@code target_ratio} for {@code targetpad}. */
  double DEFAULT_TARGET_RATIO = 1.25;

  /**
   * The model input for {@code image}: {@link #applyRgb} normalized.
   *
   * @throws InvalidImageException naming the image when it is too elongated to preprocess
   */
  default float[] apply(DecodedImage image) {
    return ClipTransform.normalize(applyRgb(image));
  }

  /**
   * The image as PIL holds it after the transform's resize and crop, before {@code ToTensor}: R x R
   * RGB samples as three planes (R, G, B), 8 bits each. {@link ClipTransform#normalize(byte[])}
   * makes them the model input, bit for bit what {@link #apply} returns; a quarter of its size, for
   * caches of training images.
   *
   * @throws InvalidImageException naming the image when it is too elongated to preprocess
   */
  byte[] applyRgb(DecodedImage image);

  /** The side R of the square the image is resized and cropped to. */
  int resolution();

  /** {@code clip}, {@code squarepad} or {@code targetpad}. */
  String name();

  /**
   * The transform called {@code name}.
   *
   * @param targetRatio used by {@code targetpad} only
   * @throws IllegalArgumentException naming the valid names when {@code name} is not one of them,
   *     or when the resolution or ratio is out of range
   */
  static ImageTransform forName(String name, int resolution, double targetRatio) {
    if (name == null) {
      throw new IllegalArgumentException("no preprocessing name given; expected one of " + NAMES);
    }
    return switch (name) {
      case "clip" -> new ClipTransform(resolution);
      case "squarepad" -> new SquarePadTransform(resolution);
      case "targetpad" -> new TargetPadTransform(resolution, targetRatio);
      default ->
          throw new IllegalArgumentException(
              "unknown preprocessing '" + name + "'; expected one of " + String.join(", ", NAMES));
    };
  }

  /** The transform called {@code name}, with {@link #DEFAULT_TARGET_RATIO} for targetpad. */
  static ImageTransform forName(String name, int resolution) {
    return forName(name, resolution, DEFAULT_TARGET_RATIO);
  }
}
