package dev.cir.eval.validate;

import dev.cir.clip.encoder.CirEncoder;
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
 * decoded in parallel and encoded in batches, with a progress bar. A gallery image that cannot be
 * decoded stops the evaluation with every such image listed (recall over a partial gallery would
 * be wrong).
 */
public final class GalleryEncoder {
  private static final int CHUNK = 256;

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
      try (Progress bar = todo.isEmpty() ? Progress.none() : progress.start(task, todo.size())) {
        for (int s = 0; s < todo.size(); s += CHUNK) {
          List<Integer> idx = todo.subList(s, Math.min(todo.size(), s + CHUNK));
          List<Path> chunk = idx.stream().map(files::get).toList();
          List<ImageEncoding> enc = encoder.encodeImageFiles(chunk);
          for (int j = 0; j < idx.size(); j++) {
            ImageEncoding e = enc.get(j);
            if (e.succeeded()) {
              out[idx.get(j)] = e.features();
              if (cache != null) {
                cache.put(keys.get(idx.get(j)), e.features());
              }
            } else {
              failures.add(e.failure().getMessage());
            }
          }
          bar.step(idx.size());
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
