package dev.cir.train.data;

import dev.cir.clip.image.ImagePreprocessor;
import dev.cir.eval.data.GalleryImage;
import dev.cir.eval.progress.ProgressReporter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Where a training run keeps its preprocessed images ({@code --image-cache}): {@code memory} (8-bit
 * RGB planes on the heap), {@code disk} (the same in a file of the run's, read through the page cache), {@code
 * none} (decoded ahead of each batch by worker threads), or {@code auto}: memory when the images
 * take at most a quarter of the maximum heap, else disk when the run's file system has room for them
 * and 1 GiB more, else none.
 */
public enum ImageCache {
  NONE,
  MEMORY,
  DISK,
  AUTO;

  /** Room {@code auto} leaves on the run's file system beside a disk cache. */
  static final long DISK_MARGIN = 1L << 30;

  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static ImageCache parse(String s) {
    try {
      return valueOf(s.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unknown --image-cache '" + s + "'; use none, memory, disk or auto", e);
    }
  }

  /** What {@code auto} takes for {@code bytes} of images, with {@code maxHeap} and {@code freeDisk} bytes. */
  static ImageCache choose(long bytes, long maxHeap, long freeDisk) {
    if (bytes <= maxHeap / 4) {
      return MEMORY;
    }
    return freeDisk >= bytes + DISK_MARGIN ? DISK : NONE;
  }

  /**
   * The run's images kept as this setting says.
   *
   * @param cacheFile the file of a disk cache (in the run's checkpoint folder)
   * @param prefetch batches a streamed source decodes ahead
   */
  public TrainingImages open(
      List<GalleryImage> images, ImagePreprocessor preprocessor, int resolution, int workers, int prefetch, Path cacheFile,
      ProgressReporter progress, PrintWriter log) {
    long bytes = (long) images.size() * 3 * resolution * resolution;
    ImageCache mode = this;
    if (this == AUTO) {
      long heap = Runtime.getRuntime().maxMemory();
      long free = freeSpace(cacheFile);
      mode = choose(bytes, heap, free);
      log.printf(Locale.ROOT, "--image-cache auto: %d images take %.1f MiB as 8-bit RGB at %d px; the heap holds %.1f MiB"
              + " (a quarter: %.1f MiB), %s has %.1f MiB free: %s%n", images.size(), bytes / 1048576.0, resolution, heap / 1048576.0,
          heap / 4 / 1048576.0, cacheFile.toAbsolutePath().getParent(), free / 1048576.0, mode.id());
      log.flush();
    }
    return switch (mode) {
      case MEMORY -> MemoryImages.load(images, preprocessor, resolution, workers, progress);
      case DISK -> DiskImages.open(cacheFile, images, preprocessor, resolution, workers, progress, log);
      case NONE -> new StreamedImages(images, preprocessor, resolution, workers, prefetch);
      case AUTO -> throw new IllegalStateException("unreachable");
    };
  }

  private static long freeSpace(Path file) {
    try {
      Path dir = file.toAbsolutePath().getParent();
      while (dir != null && !Files.exists(dir)) {
        dir = dir.getParent();
      }
      return dir == null ? 0 : Files.getFileStore(dir).getUsableSpace();
    } catch (IOException e) {
      return 0;
    }
  }
}
