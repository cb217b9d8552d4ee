package dev.cir.solr.model;

import dev.cir.clip.encoder.EncoderOptions;
import dev.cir.clip.model.Precision;
import java.nio.file.Path;
import java.util.Objects;

/**
 * What a configuration says about one bundle: the name queries use, the bundle directory, and how
 * to run it. Two definitions with the same directory and run options share one loaded model,
 * whatever their names.
 *
 * @param name the name {@code {!cir bundle=...}} and the update processor use
 * @param dir the bundle directory (absolute, normalized)
 * @param device cpu, gpu, gpu:N or auto
 * @param predictors forward passes that may run at once (the encoder's worker threads, which every tower shares)
 * @param maxBatch rows one pass takes from concurrent queries (1: every query in a pass of its own)
 * @param threads PyTorch intra-op threads of each pass, 0 for the cores divided among the predictors
 * @param textCacheSize text features kept in the cache (0 disables it)
 * @param imageCacheSize features of query images ({@code refImage}) kept in the cache, by
 *     content digest (0 disables it)
 * @param precision float32 (exact, the default) or bf16 (the products with weights in bfloat16)
 * @param fusedPasses {@code passes=fused} (the default): on a CPU each transformer runs in one
 *     TorchScript call and the text tower's and the Combiner's products on prepacked weights (a
 *     copy of those weights); {@code passes=ops}: every operation through DJL, no copies
 */
public record BundleDefinition(
    String name, Path dir, String device, int predictors, int maxBatch, int threads, int textCacheSize, int imageCacheSize,
    Precision precision, boolean fusedPasses) {
  public static final int DEFAULT_TEXT_CACHE_SIZE = 1024;
  public static final int DEFAULT_IMAGE_CACHE_SIZE = 256;

  public BundleDefinition {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(dir, "dir");
    if (name.isBlank()) {
      throw new IllegalArgumentException("a bundle needs a name");
    }
    dir = dir.toAbsolutePath().normalize();
    precision = precision == null ? Precision.FLOAT32 : precision;
    device = device == null || device.isBlank() ? "cpu" : device.trim();
    if (predictors < 1) {
      throw new IllegalArgumentException("bundle '" + name + "': predictors must be at least 1, got " + predictors);
    }
    if (maxBatch < 1) {
      throw new IllegalArgumentException("bundle '" + name + "': maxBatch must be at least 1, got " + maxBatch);
    }
    if (threads < 0) {
      throw new IllegalArgumentException("bundle '" + name + "': threads must be 0 (automatic) or more, got " + threads);
    }
    if (textCacheSize < 0) {
      throw new IllegalArgumentException("bundle '" + name + "': textCacheSize must be 0 or more, got " + textCacheSize);
    }
    if (imageCacheSize < 0) {
      throw new IllegalArgumentException("bundle '" + name + "': imageCacheSize must be 0 or more, got " + imageCacheSize);
    }
  }

  /** Fused passes (the default). */
  public BundleDefinition(
      String name, Path dir, String device, int predictors, int maxBatch, int threads, int textCacheSize, int imageCacheSize,
      Precision precision) {
    this(name, dir, device, predictors, maxBatch, threads, textCacheSize, imageCacheSize, precision, true);
  }

  /**
   * The {@code passes} setting: {@code fused} (or unset) or {@code ops}.
   *
   * @throws IllegalArgumentException for any other value
   */
  public static boolean fusedPasses(String bundle, String value) {
    try {
      return EncoderOptions.parsePasses(value);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("bundle '" + bundle + "': " + e.getMessage(), e);
    }
  }

  /** "fused" or "ops", as the configuration writes it. */
  public String passesLabel() {
    return fusedPasses ? "fused" : "ops";
  }

  /** A CPU definition with one predictor per core and the default caches. */
  public static BundleDefinition of(String name, Path dir) {
    return new BundleDefinition(
        name, dir, "cpu", Runtime.getRuntime().availableProcessors(), EncoderOptions.DEFAULT_MAX_BATCH, 0, DEFAULT_TEXT_CACHE_SIZE,
        DEFAULT_IMAGE_CACHE_SIZE, Precision.FLOAT32);
  }

  /** What makes two definitions share one loaded model: everything but the name. */
  LoadKey loadKey() {
    return new LoadKey(dir, device, predictors, maxBatch, threads, textCacheSize, imageCacheSize, precision, fusedPasses);
  }

  record LoadKey(
      Path dir, String device, int predictors, int maxBatch, int threads, int textCacheSize, int imageCacheSize, Precision precision,
      boolean fusedPasses) {
    @Override
    public String toString() {
      return dir + " (" + device + ", " + precision + ", " + predictors + " predictors, maxBatch " + maxBatch
          + (fusedPasses ? "" : ", passes ops") + ")";
    }
  }
}
