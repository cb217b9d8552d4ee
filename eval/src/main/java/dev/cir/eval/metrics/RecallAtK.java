package dev.cir.eval.metrics;

/**
 * Recall@K: the percentage of queries whose target is among the first K results, computed as
 * CLIP4Cir does ({@code validate.py}: {@code (torch.sum(labels[:, :k]) / len(labels)).item() *
 * 100}), so results agree to the last bit: the hit count divided by the query count in float32,
 * then multiplied by 100 in double. Each query has at most one target, so recall is 0 or 1 per
 * query.
 */
public final class RecallAtK {
  private RecallAtK() {}

  /**
   * @param positions each query's 0-based target position, or {@link Ranking#NOT_RANKED}
   * @return percent of positions in {@code [0, k)}; 0 when there are no queries
   * @throws IllegalArgumentException if {@code k < 1}
   */
  public static double percent(int[] positions, int k) {
    if (k < 1) {
      throw new IllegalArgumentException("K must be at least 1, was " + k);
    }
    int hits = 0;
    for (int p : positions) {
      if (p >= 0 && p < k) {
        hits++;
      }
    }
    return percent(hits, positions.length);
  }

  /** {@code hits / queries} in float32, times 100 in double; 0 when there are no queries. */
  public static double percent(int hits, int queries) {
    if (queries == 0) {
      return 0.0;
    }
    return (double) ((float) hits / (float) queries) * 100.0;
  }
}
