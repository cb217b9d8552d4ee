package dev.cir.train.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.cir.clip.image.ClipTransform;
import dev.cir.clip.image.ImagePreprocessor;
import dev.cir.eval.data.GalleryImage;
import dev.cir.eval.progress.Progress;
import dev.cir.eval.progress.ProgressReporter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.zip.CRC32C;

/**
 * Training images preprocessed once into a file of the run's, as 8-bit RGB planes at the model's
 * resolution, read back image by image when a batch needs them: the operating system's page cache
 * keeps in memory what fits, and neither the heap nor the process holds the images. (Not mapped
 * into the process: mapped pages a batch touched count as the process's resident memory, which
 * then grows to the whole file over an epoch, though the kernel could drop them.) A resumed run
 * reuses the file when its header names the same images and preprocessing and a CRC-32C of its
 * contents matches; anything else (a killed write, a changed dataset, a damaged file) makes it be
 * written again.
 *
 * <p>Layout: a 64-byte header (magic {@code CIRIMG01}, resolution, image count, data bytes, the
 * CRC-32C of the data, the SHA-256 of the image ids and the preprocessing), then image after image.
 */
public final class DiskImages implements TrainingImages {
  static final byte[] MAGIC = "CIRIMG01".getBytes(StandardCharsets.US_ASCII);
  static final int HEADER = 64;
  private final Path file;
  private final ImageIds ids;
  private final int resolution;
  private final int count;
  private final FileChannel channel;

  private DiskImages(Path file, List<GalleryImage> images, int resolution) throws IOException {
    this.file = file;
    this.resolution = resolution;
    this.count = images.size();
    this.ids = new ImageIds(images);
    this.channel = FileChannel.open(file, StandardOpenOption.READ);
  }

  /**
   * The cache file for {@code images}: reused when it is whole and for exactly these images and
   * preprocessing, else written now with {@code workers} threads.
   *
   * @throws IllegalArgumentException listing the images that cannot be decoded
   */
  public static DiskImages open(
      Path file, List<GalleryImage> images, ImagePreprocessor preprocessor, int resolution, int workers, ProgressReporter progress,
      java.io.PrintWriter log) {
    try {
      byte[] identity = identity(images, preprocessor, resolution);
      String why = problem(file, identity, images.size(), resolution, progress);
      if (why == null) {
        log.printf(Locale.ROOT, "reusing the image cache %s%n", file);
      } else {
        if (Files.exists(file)) {
          log.printf(Locale.ROOT, "rewriting the image cache %s: %s%n", file, why);
        }
        write(file, images, preprocessor, resolution, workers, identity, progress);
      }
      log.flush();
      return new DiskImages(file, images, resolution);
    } catch (IOException e) {
      throw new UncheckedIOException("image cache " + file + ": " + e.getMessage(), e);
    }
  }

  /** What makes a file this run's: the ids in order, the preprocessing, the resolution. */
  static byte[] identity(List<GalleryImage> images, ImagePreprocessor preprocessor, int resolution) {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      d.update((preprocessor.transform().toString() + "|" + resolution + "|").getBytes(StandardCharsets.UTF_8));
      for (GalleryImage i : images) {
        d.update(i.id().getBytes(StandardCharsets.UTF_8));
        d.update((byte) 0);
      }
      return d.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Why {@code file} cannot be reused, or null when it can. */
  static String problem(Path file, byte[] identity, int count, int resolution, ProgressReporter progress) throws IOException {
    if (!Files.isRegularFile(file)) {
      return "no file";
    }
    long per = 3L * resolution * resolution;
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer h = ByteBuffer.allocate(HEADER).order(ByteOrder.BIG_ENDIAN);
      if (ch.read(h, 0) < HEADER) {
        return "shorter than its header";
      }
      h.flip();
      byte[] magic = new byte[MAGIC.length];
      h.get(magic);
      if (!Arrays.equals(magic, MAGIC)) {
        return "not an image cache";
      }
      int r = h.getInt();
      int n = h.getInt();
      long bytes = h.getLong();
      long crc = h.getLong();
      byte[] id = new byte[32];
      h.get(id);
      if (r != resolution || n != count || !Arrays.equals(id, identity)) {
        return "written for other images or another preprocessing";
      }
      if (bytes != n * per || ch.size() != HEADER + bytes) {
        return "incomplete (" + ch.size() + " bytes, " + (HEADER + n * per) + " expected)";
      }
      CRC32C check = new CRC32C();
      ByteBuffer buf = ByteBuffer.allocateDirect(8 << 20);
      try (Progress bar = progress.start("check image cache", bytes)) {
        for (long pos = HEADER; pos < HEADER + bytes; ) {
          buf.clear();
          int k = ch.read(buf, pos);
          if (k <= 0) {
            return "unreadable at byte " + pos;
          }
          buf.flip();
          check.update(buf);
          pos += k;
          bar.step(k);
        }
      }
      return check.getValue() == crc ? null : "its checksum does not match its contents";
    }
  }

  private static void write(
      Path file, List<GalleryImage> images, ImagePreprocessor preprocessor, int resolution, int workers, byte[] identity,
      ProgressReporter progress) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    Path tmp = file.resolveSibling(file.getFileName() + ".partial");
    ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, workers), r -> {
      Thread t = new Thread(r, "cir-preprocess");
      t.setDaemon(true);
      return t;
    });
    long per = 3L * resolution * resolution;
    CRC32C crc = new CRC32C();
    List<String> failures = new ArrayList<>();
    try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
        Progress bar = progress.start("preprocess images to disk", images.size())) {
      out.position(HEADER);
      int chunk = 256;
      for (int s = 0; s < images.size(); s += chunk) {
        List<GalleryImage> part = images.subList(s, Math.min(images.size(), s + chunk));
        List<CompletableFuture<byte[]>> tasks = new ArrayList<>(part.size());
        for (GalleryImage image : part) {
          tasks.add(CompletableFuture.supplyAsync(() -> preprocessor.preprocessRgb(image.path()), pool));
        }
        for (CompletableFuture<byte[]> task : tasks) {
          byte[] planes;
          try {
            planes = task.join();
          } catch (CompletionException e) {
            if (e.getCause() instanceof Error err) {
              throw err; // out of memory is not a bad image
            }
            failures.add(e.getCause() != null ? e.getCause().getMessage() : e.getMessage());
            planes = new byte[(int) per];
          }
          crc.update(planes);
          ByteBuffer b = ByteBuffer.wrap(planes);
          while (b.hasRemaining()) {
            out.write(b);
          }
        }
        bar.step(part.size());
      }
      if (!failures.isEmpty()) {
        throw new IllegalArgumentException(
            failures.size() + " training image(s) cannot be decoded: " + String.join("; ", failures.subList(0, Math.min(5, failures.size()))));
      }
      ByteBuffer h = ByteBuffer.allocate(HEADER).order(ByteOrder.BIG_ENDIAN);
      h.put(MAGIC).putInt(resolution).putInt(images.size()).putLong(images.size() * per).putLong(crc.getValue()).put(identity);
      h.flip();
      out.write(h, 0);
      out.force(true);
    } finally {
      pool.shutdownNow();
    }
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  @Override
  public int size() {
    return count;
  }

  @Override
  public boolean contains(String id) {
    return ids.contains(id);
  }

  @Override
  public int indexOf(String id) {
    return ids.indexOf(id, "the images of the cache " + file);
  }

  @Override
  public NDArray batch(NDManager manager, int[] positions) {
    int per = 3 * resolution * resolution;
    float[] flat = new float[positions.length * per];
    byte[] planes = new byte[per];
    ByteBuffer buffer = ByteBuffer.wrap(planes);
    for (int i = 0; i < positions.length; i++) {
      long at = HEADER + (long) positions[i] * per;
      buffer.clear();
      try {
        while (buffer.hasRemaining()) {
          if (channel.read(buffer, at + buffer.position()) < 0) {
            throw new IOException("the file ends before image " + positions[i]);
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException("image cache " + file + ": " + e.getMessage(), e);
      }
      ClipTransform.normalize(planes, 0, flat, i * per, per);
    }
    return manager.create(flat, new Shape(positions.length, 3, resolution, resolution));
  }

  /** Bytes of the file's images (on disk; the page cache keeps what fits). */
  @Override
  public long bytes() {
    return (long) count * 3 * resolution * resolution;
  }

  @Override
  public String describe() {
    return String.format(Locale.ROOT, "in %s, %.1f MiB on disk (8-bit RGB at %d px)", file, bytes() / 1048576.0, resolution);
  }

  /** The cache file. */
  public Path file() {
    return file;
  }

  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException e) {
      // read-only: nothing is lost
    }
  }
}
