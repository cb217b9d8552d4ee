package dev.cir.clip.image;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * Files in, model inputs out: an {@link ImageDecoder} followed by an {@link ImageTransform}.
 *
 * <p>A batch is decoded and transformed in parallel on the caller's executor, one task per file; a
 * file that fails is reported in its own {@link PreprocessedImage} and the others are kept.
 * Instances are immutable and thread-safe.
 */
public final class ImagePreprocessor {
  private final ImageDecoder decoder;
  private final ImageTransform transform;

  public ImagePreprocessor(ImageDecoder decoder, ImageTransform transform) {
    this.decoder = Objects.requireNonNull(decoder, "decoder");
    this.transform = Objects.requireNonNull(transform, "transform");
  }

  public ImageDecoder decoder() {
    return decoder;
  }

  public ImageTransform transform() {
    return transform;
  }

  /**
   * The model input for one file.
   *
   * @throws InvalidImageException naming the file when it cannot be decoded or preprocessed
   */
  public float[] preprocess(Path file) {
    return transform.apply(decoder.decode(file));
  }

  /**
   * The 8-bit RGB planes of one file after resize and crop ({@link ImageTransform#applyRgb}).
   *
   * @throws InvalidImageException naming the file when it cannot be decoded or preprocessed
   */
  public byte[] preprocessRgb(Path file) {
    return transform.applyRgb(decoder.decode(file));
  }

  /**
   * The model input for an image held in memory, e.g. one sent with a request.
   *
   * @throws InvalidImageException naming {@code source} when it cannot be decoded or preprocessed
   */
  public float[] preprocess(byte[] data, String source) {
    return transform.apply(decoder.decode(data, source));
  }

  /**
   * Preprocesses every file, in parallel on {@code executor}.
   *
   * @return one result per file, in the order of {@code files}; failures are reported there, not
   *     thrown
   */
  public List<PreprocessedImage> preprocessAll(List<Path> files, Executor executor) {
    Objects.requireNonNull(executor, "executor");
    List<CompletableFuture<PreprocessedImage>> tasks = new ArrayList<>(files.size());
    for (Path file : files) {
      tasks.add(preprocessAsync(file, executor));
    }
    List<PreprocessedImage> results = new ArrayList<>(tasks.size());
    for (CompletableFuture<PreprocessedImage> task : tasks) {
      results.add(task.join());
    }
    return results;
  }

  /**
   * Starts preprocessing one file on {@code executor}; the future never completes exceptionally
   * for a bad image (its failure is in the result).
   */
  public CompletableFuture<PreprocessedImage> preprocessAsync(Path file, Executor executor) {
    Objects.requireNonNull(file, "a file in the batch is null");
    return CompletableFuture.supplyAsync(() -> preprocessOne(file), executor);
  }

  private PreprocessedImage preprocessOne(Path file) {
    try {
      return PreprocessedImage.success(file, preprocess(file));
    } catch (RuntimeException e) {
      // one bad file must not lose the batch: report it beside the others
      return PreprocessedImage.failure(file, e);
    }
  }
}
