package dev.cir.clip.image;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/** The outcome of preprocessing one file of a batch: its model input, or why there is none. */
public final class PreprocessedImage {
  private final Path file;
  private final float[] pixels;
  private final RuntimeException failure;

  private PreprocessedImage(Path file, float[] pixels, RuntimeException failure) {
    this.file = Objects.requireNonNull(file, "file");
    this.pixels = pixels;
    this.failure = failure;
  }

  static PreprocessedImage success(Path file, float[] pixels) {
    return new PreprocessedImage(file, Objects.requireNonNull(pixels, "pixels"), null);
  }

  static PreprocessedImage failure(Path file, RuntimeException failure) {
    return new PreprocessedImage(file, null, Objects.requireNonNull(failure, "failure"));
  }

  /** The file, as the caller named it. */
  public Path file() {
    return file;
  }

  public boolean succeeded() {
    return failure == null;
  }

  /**
   * The model input, {@code float[3 * R * R]}.
   *
   * @throws IllegalStateException with the failure as its cause when this file failed
   */
  public float[] pixels() {
    if (failure != null) {
      throw new IllegalStateException(failure.getMessage(), failure);
    }
    return pixels;
  }

  /**
   * Why this file has no model input (usually an {@link InvalidImageException}), if it has none.
   */
  public Optional<RuntimeException> failure() {
    return Optional.ofNullable(failure);
  }

  @Override
  public String toString() {
    return succeeded() ? file + ": ok" : failure.getMessage();
  }
}
