package dev.cir.train.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.cir.clip.image.ClipTransform;
import dev.cir.clip.image.ImagePreprocessor;
import dev.cir.eval.data.GalleryImage;
import dev.cir.eval.progress.Progress;
import dev.cir.eval.progress.ProgressReporter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The training images decoded, resized and cropped once and kept in memory as 8-bit RGB planes
 * (what PIL holds before {@code ToTensor}; a quarter of the float input's size), normalized when a
 * batch is made — bit for bit the input the preprocessor would give. An epoch then costs only the
 * forward and backward passes. (No augmentation: CLIP4Cir's training transform is its validation
 * transform.)
 */
public final class MemoryImages implements TrainingImages {
  private final ImageIds ids;
  private final byte[][] pixels;
  private final int resolution;

  private MemoryImages(List<GalleryImage> images, byte[][] pixels, int resolution) {
    this.ids = new ImageIds(images);
    this.pixels = pixels;
    this.resolution = resolution;
  }

  /**
   * Preprocesses {@code images} with {@code workers} threads.
   *
   * @throws IllegalArgumentException listing the images that cannot be decoded
   */
  public static MemoryImages load(
      List<GalleryImage> images, ImagePreprocessor preprocessor, int resolution, int workers, ProgressReporter progress) {
    long bytes = (long) images.size() * 3 * resolution * resolution;
    long heap = Runtime.getRuntime().maxMemory();
    if (bytes > heap * 9 / 10) {
      throw new IllegalStateException(String.format(java.util.Locale.ROOT,
          "--image-cache memory: the %,d training images take %.1f MiB as 8-bit RGB at %d px, more than the Java heap holds"
              + " (%.1f MiB); use --image-cache disk or none, or a larger heap (CIR_JAVA_OPTS=-Xmx...)",
          images.size(), bytes / 1048576.0, resolution, heap / 1048576.0));
    }
    ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, workers), r -> {
      Thread t = new Thread(r, "cir-preprocess");
      t.setDaemon(true);
      return t;
    });
    byte[][] out = new byte[images.size()][];
    List<String> failures = new ArrayList<>();
    try (Progress bar = progress.start("preprocess images", images.size())) {
      int chunk = 512;
      for (int s = 0; s < images.size(); s += chunk) {
        List<GalleryImage> part = images.subList(s, Math.min(images.size(), s + chunk));
        List<CompletableFuture<byte[]>> tasks = new ArrayList<>(part.size());
        for (GalleryImage image : part) {
          tasks.add(CompletableFuture.supplyAsync(() -> preprocessor.preprocessRgb(image.path()), pool));
        }
        for (int i = 0; i < tasks.size(); i++) {
          try {
            out[s + i] = tasks.get(i).join();
          } catch (CompletionException e) {
            if (e.getCause() instanceof Error err) {
              throw err; // out of memory is not a bad image
            }
            failures.add(e.getCause() != null ? e.getCause().getMessage() : e.getMessage());
          }
        }
        bar.step(part.size());
      }
    } finally {
      pool.shutdownNow();
    }
    if (!failures.isEmpty()) {
      throw new IllegalArgumentException(
          failures.size() + " training image(s) cannot be decoded: " + String.join("; ", failures.subList(0, Math.min(5, failures.size()))));
    }
    return new MemoryImages(images, out, resolution);
  }

  @Override
  public int size() {
    return pixels.length;
  }

  @Override
  public boolean contains(String id) {
    return ids.contains(id);
  }

  @Override
  public int indexOf(String id) {
    return ids.indexOf(id, "the preprocessed training images");
  }

  @Override
  public NDArray batch(NDManager manager, int[] positions) {
    int per = 3 * resolution * resolution;
    float[] flat = new float[positions.length * per];
    for (int i = 0; i < positions.length; i++) {
      ClipTransform.normalize(pixels[positions[i]], 0, flat, i * per, per);
    }
    return manager.create(flat, new Shape(positions.length, 3, resolution, resolution));
  }

  @Override
  public long bytes() {
    return (long) pixels.length * 3 * resolution * resolution;
  }

  @Override
  public String describe() {
    return String.format(java.util.Locale.ROOT, "in memory, %.1f MiB (8-bit RGB at %d px)", bytes() / 1048576.0, resolution);
  }
}
