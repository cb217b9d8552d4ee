package dev.cir.train.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.cir.clip.image.ClipTransform;
import dev.cir.clip.image.ImagePreprocessor;
import dev.cir.eval.data.GalleryImage;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Training images kept nowhere: each batch's images are decoded and preprocessed by {@code workers}
 * threads, started {@code prefetch} batches ahead of the step that needs them (the training loop
 * announces them in the epoch's order), as a PyTorch {@code DataLoader}'s workers do. Memory is
 * bounded by the images in flight: at most {@code prefetch} batches of 8-bit planes, whatever the
 * dataset's size. An image two announced batches share is decoded once.
 */
public final class StreamedImages implements TrainingImages {
  private final List<GalleryImage> images;
  private final ImageIds ids;
  private final ImagePreprocessor preprocessor;
  private final int resolution;
  private final int prefetch;
  private final ExecutorService pool;
  private final Map<Integer, Pending> inFlight = new HashMap<>();
  private final AtomicInteger decoded = new AtomicInteger();
  private int mostInFlight;

  private static final class Pending {
    final CompletableFuture<byte[]> planes;
    int uses;

    Pending(CompletableFuture<byte[]> planes) {
      this.planes = planes;
    }
  }

  /**
   * @param prefetch batches decoded ahead of the step (0: each batch when it is asked for)
   */
  public StreamedImages(List<GalleryImage> images, ImagePreprocessor preprocessor, int resolution, int workers, int prefetch) {
    this.images = List.copyOf(images);
    this.ids = new ImageIds(images);
    this.preprocessor = preprocessor;
    this.resolution = resolution;
    this.prefetch = Math.max(0, prefetch);
    AtomicInteger n = new AtomicInteger();
    this.pool =
        Executors.newFixedThreadPool(
            Math.max(1, workers),
            r -> {
              Thread t = new Thread(r, "cir-decode-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
  }

  @Override
  public int size() {
    return images.size();
  }

  @Override
  public boolean contains(String id) {
    return ids.contains(id);
  }

  @Override
  public int indexOf(String id) {
    return ids.indexOf(id, "the training images");
  }

  @Override
  public synchronized void upcoming(int[] positions) {
    for (int p : positions) {
      start(p).uses++;
    }
    mostInFlight = Math.max(mostInFlight, inFlight.size());
  }

  private Pending start(int p) {
    return inFlight.computeIfAbsent(
        p,
        q -> new Pending(CompletableFuture.supplyAsync(() -> {
          decoded.incrementAndGet();
          return preprocessor.preprocessRgb(images.get(q).path());
        }, pool)));
  }

  @Override
  public int lookahead() {
    return prefetch;
  }

  @Override
  public NDArray batch(NDManager manager, int[] positions) {
    int per = 3 * resolution * resolution;
    CompletableFuture<?>[] mine = new CompletableFuture<?>[positions.length];
    synchronized (this) {
      for (int i = 0; i < positions.length; i++) {
        Pending p = inFlight.get(positions[i]);
        if (p == null) {
          p = start(positions[i]); // not announced: decoded now, on the workers, with the batch's others
          p.uses++;
        }
        mine[i] = p.planes;
        if (--p.uses <= 0) {
          inFlight.remove(positions[i]);
        }
      }
      mostInFlight = Math.max(mostInFlight, inFlight.size());
    }
    float[] flat = new float[positions.length * per];
    for (int i = 0; i < positions.length; i++) {
      byte[] planes;
      try {
        planes = (byte[]) mine[i].join();
      } catch (CompletionException e) {
        Throwable why = e.getCause() != null ? e.getCause() : e;
        throw new IllegalArgumentException("training image " + images.get(positions[i]).id() + ": " + why.getMessage(), why);
      }
      ClipTransform.normalize(planes, 0, flat, i * per, per);
    }
    return manager.create(flat, new Shape(positions.length, 3, resolution, resolution));
  }

  /** Images decoded so far (an image used by two batches far apart is decoded twice). */
  public int decoded() {
    return decoded.get();
  }

  /** The most images that were announced or decoded and not yet taken by a batch, at any time. */
  public synchronized int mostInFlight() {
    return mostInFlight;
  }

  @Override
  public long bytes() {
    return 0;
  }

  @Override
  public String describe() {
    return String.format(Locale.ROOT, "not cached: read from their files by the decode workers, %d batch(es) ahead", prefetch);
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
