package dev.cir.eval.validate;

import dev.cir.clip.encoder.CirEncoder;
import dev.cir.clip.encoder.ImageBatches;
import dev.cir.clip.encoder.ImageEncoding;
import dev.cir.eval.progress.Progress;
import dev.cir.eval.progress.ProgressReporter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Encodes a gallery once: cached images are read from the {@link FeatureCache}, the rest are
 * decoded in parallel and encoded in batches of at most {@value #CHUNK} images and {@value
 * #CHUNK_BYTES} bytes of decoded pixels, the next batch decoding while one is encoded (memory
 * bounded by two batches whatever the gallery's size), with a progress bar. A gallery image that cannot be
 * decoded stops the evaluation with every such image listed (recall over a partial gallery would
 * be wrong).
 */
public final class GalleryEncoder {
  /** Images a batch at most (at 48 px: 7 MB of decoded floats). */
  static final int CHUNK = 256;

  /**
   * Decoded pixels a batch at most: 55 images at 224 px, 33 at 288 px, so two batches hold 64 MB
   * whatever the resolution (256 images at 224 px were 154 MB a batch).
   */
  static final long CHUNK_BYTES = 32L << 20;

  /** Images a batch of {@code resolution}-pixel images takes: at most {@link #CHUNK}, at least 8. */
  static int chunk(int resolution) {
    long perImage = 3L * resolution * resolution * Float.BYTES;
    return (int) Math.max(8, Math.min(CHUNK, CHUNK_BYTES / perImage));
  }

  /** Batches decoded ahead of the one being encoded. */
  static final int PREFETCH = 1;

  /** The raw features, in the order of the files, and how many were computed rather than read. */
  public record Encoded(float[][] features, int computed, int cached, double computeSeconds) {
    public double imagesPerSecond() {
      return computed == 0 ? Double.NaN : computed / computeSeconds;
    }
  }

  private final CirEncoder encoder;
  private final FeatureCache cache;
  private final ProgressReporter progress;

  /** @param cache may be null: encode everything, store nothing */
  public GalleryEncoder(CirEncoder encoder, FeatureCache cache, ProgressReporter progress) {
    this.encoder = encoder;
    this.cache = cache;
    this.progress = progress;
  }

  public Encoded encode(List<Path> files, String task) {
    try {
      float[][] out = new float[files.size()][];
      List<String> keys = cache == null ? null : FeatureCache.contentKeys(files);
      List<Integer> todo = new ArrayList<>();
      for (int i = 0; i < files.size(); i++) {
        if (cache != null) {
          int k = i;
          cache.get(keys.get(i)).ifPresent(f -> out[k] = f);
        }
        if (out[i] == null) {
          todo.add(i);
        }
      }
      List<String> failures = new ArrayList<>();
      long start = System.nanoTime();
      List<Path> pending = todo.stream().map(files::get).toList();
      try (Progress bar = todo.isEmpty() ? Progress.none() : progress.start(task, todo.size());
          ImageBatches batches = encoder.imageBatches(pending, chunk(encoder.config().imageResolution()), PREFETCH)) {
        int s = 0;
        while (batches.hasNext()) {
          List<ImageEncoding> enc = batches.next();
          for (int j = 0; j < enc.size(); j++) {
            int i = todo.get(s + j);
            ImageEncoding e = enc.get(j);
            if (e.succeeded()) {
              out[i] = e.features();
              if (cache != null) {
                cache.put(keys.get(i), e.features());
              }
            } else {
              failures.add(e.failure().getMessage());
            }
          }
          s += enc.size();
          bar.step(enc.size());
        }
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      if (cache != null) {
        cache.flush();
      }
      if (!failures.isEmpty()) {
        throw new IllegalArgumentException(
            failures.size() + " gallery image(s) cannot be decoded: "
                + String.join("; ", failures.subList(0, Math.min(10, failures.size())))
                + (failures.size() > 10 ? "; ..." : ""));
      }
      return new Encoded(out, todo.size(), files.size() - todo.size(), seconds);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
