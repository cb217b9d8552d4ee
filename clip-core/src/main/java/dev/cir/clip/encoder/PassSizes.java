package dev.cir.clip.encoder;

import dev.cir.clip.model.ClipConfig;
import java.util.ArrayList;
import java.util.List;

/** How many rows a forward pass takes, and the cutting and joining of rows around the passes. */
final class PassSizes {
  /** Largest block of memory one forward pass may ask for, per activation tensor. */
  static final long ACTIVATION_BUDGET_BYTES = 32L << 20;

  private PassSizes() {}

  /**
   * How many images go through the image tower at once. Beyond glibc's largest mmap threshold
   * (32 MiB) every activation is a fresh mapping whose pages fault in on each pass, which costs
   * more than the larger batch gains; so batches are cut to keep each activation under it. Results
   * do not depend on the cut (every layer treats images independently).
   */
  static int imageChunk(ClipConfig c, int batchSize) {
    long perImage = largestActivationFloats(c) * Float.BYTES;
    return (int) Math.max(1, Math.min(batchSize, ACTIVATION_BUDGET_BYTES / perImage));
  }

  /** Floats in the largest activation of one image in the image tower. */
  static long largestActivationFloats(ClipConfig c) {
    long r = c.imageResolution();
    if (c.isVit()) {
      long n = (r / c.visionPatchSize()) * (r / c.visionPatchSize()) + 1;
      long w = c.visionWidth();
      return Math.max(n * 4 * w, (long) c.visionHeads() * n * n);
    }
    long w = c.visionWidth();
    long stem = w * (r / 2) * (r / 2); // third stem convolution, before the pool
    long layer1 = w * 4 * (r / 4) * (r / 4); // bottleneck output of the first stage
    return Math.max(stem, layer1);
  }

  /** {@code rows} cut into runs of at most {@code size}. */
  static <R> List<List<R>> chunks(List<R> rows, int size) {
    List<List<R>> out = new ArrayList<>();
    for (int start = 0; start < rows.size(); start += size) {
      out.add(rows.subList(start, Math.min(rows.size(), start + size)));
    }
    return out;
  }

  /** The passes' results, in order, as one list of {@code n} rows. */
  static float[][] concat(List<float[][]> parts, int n) {
    float[][] out = new float[n][];
    int k = 0;
    for (float[][] part : parts) {
      System.arraycopy(part, 0, out, k, part.length);
      k += part.length;
    }
    return out;
  }
}
