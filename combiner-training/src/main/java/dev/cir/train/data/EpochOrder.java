package dev.cir.train.data;

import java.util.SplittableRandom;

/**
 * Every random choice of a run derives from (seed, epoch, batch) here, so a resumed run repeats the
 * order and the draws of an uninterrupted one without saving a generator's state.
 */
public final class EpochOrder {
  private EpochOrder() {}

  /** A shuffled order of {@code 0 .. n-1} for one epoch (Fisher–Yates). */
  public static int[] permutation(long seed, int epoch, int n) {
    SplittableRandom r = new SplittableRandom(mix(seed, epoch, -1));
    int[] p = new int[n];
    for (int i = 0; i < n; i++) {
      p[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      int t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }

  /** The generator of one batch's draws (FashionIQ caption variants). */
  public static SplittableRandom batchRandom(long seed, int epoch, int batch) {
    return new SplittableRandom(mix(seed, epoch, batch));
  }

  /** The engine seed of update {@code step} (dropout masks). */
  public static int engineSeed(long seed, long step) {
    long h = mix(seed, (int) (step >>> 31), (int) (step & 0x7fffffff));
    return (int) (h ^ (h >>> 32)) & 0x7fffffff;
  }

  static long mix(long seed, int a, int b) {
    long h = seed * 0x9E3779B97F4A7C15L;
    h = (h ^ (h >>> 31)) + a * 0xBF58476D1CE4E5B9L;
    h = (h ^ (h >>> 29)) + b * 0x94D049BB133111EBL;
    return h ^ (h >>> 32);
  }

  /** Batches in an epoch of {@code n} examples, the last partial one dropped (CLIP4Cir's {@code drop_last=True}). */
  public static int batches(int n, int batchSize) {
    return n / batchSize;
  }

  /** Updates in an epoch: every full batch, or at most {@code stepsPerEpoch} of them when positive. */
  public static int updatesPerEpoch(int n, int batchSize, int stepsPerEpoch) {
    int all = batches(n, batchSize);
    return stepsPerEpoch > 0 ? Math.min(all, stepsPerEpoch) : all;
  }

  /**
   * Which of {@code n} examples a run of these settings takes into its batches, in increasing
   * order: with fewer updates per epoch than batches, each epoch only the head of its shuffle.
   */
  public static int[] examplesSeen(long seed, int epochs, int n, int batchSize, int stepsPerEpoch) {
    int perEpoch = updatesPerEpoch(n, batchSize, stepsPerEpoch);
    boolean[] seen = new boolean[n];
    for (int e = 0; e < epochs; e++) {
      int[] order = permutation(seed, e, n);
      for (int i = 0; i < perEpoch * batchSize; i++) {
        seen[order[i]] = true;
      }
    }
    return java.util.stream.IntStream.range(0, n).filter(i -> seen[i]).toArray();
  }
}
