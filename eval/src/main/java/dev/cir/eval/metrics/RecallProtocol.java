package dev.cir.eval.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The two evaluation protocols of CLIP4Cir ({@code validate.py}).
 *
 * <p>{@link #FASHION_IQ} ({@code compute_fiq_val_metrics}): Recall@10 and @50 over the category's
 * gallery, the reference left in the ranking, so a target equal to the reference can be found.
 * {@link #CIRR} ({@code compute_cirr_val_metrics}): Recall@1, 5, 10, 50 with the reference removed
 * from the ranking (so a target equal to the reference is never found), and Recall_subset@1, 2, 3:
 * the same ranking restricted to the query's members, the reference removed. The generic JSONL
 * format is scored with the CIRR protocol; its subset metrics cover the queries that have members
 * and are left out when none has.
 *
 * <p>Where CLIP4Cir asserts (the target must be in the gallery and, for the subset, among the
 * members), queries here count as misses and are listed in the report. K larger than the gallery
 * simply counts every ranked target.
 */
public enum RecallProtocol {
  FASHION_IQ(false, new int[] {10, 50}, new int[0]),
  CIRR(true, new int[] {1, 5, 10, 50}, new int[] {1, 2, 3});

  private final boolean removesReference;
  private final int[] ks;
  private final int[] subsetKs;

  RecallProtocol(boolean removesReference, int[] ks, int[] subsetKs) {
    this.removesReference = removesReference;
    this.ks = ks;
    this.subsetKs = subsetKs;
  }

  public boolean removesReference() {
    return removesReference;
  }

  /** The K of {@code recall@K}. */
  public int[] ks() {
    return ks.clone();
  }

  /** The K of {@code recall_subset@K}; empty where the protocol has none. */
  public int[] subsetKs() {
    return subsetKs.clone();
  }

  /**
   * Scores one ranking per query.
   *
   * @throws IllegalArgumentException if the counts differ or a query has no target
   */
  public RecallReport evaluate(List<Ranking> rankings, List<RetrievalQuery> queries) {
    if (rankings.size() != queries.size()) {
      throw new IllegalArgumentException(
          rankings.size() + " rankings for " + queries.size() + " queries");
    }
    int n = queries.size();
    int[] positions = new int[n];
    List<Integer> subsetPositions = new ArrayList<>();
    List<Miss> misses = new ArrayList<>();
    for (int q = 0; q < n; q++) {
      RetrievalQuery query = queries.get(q);
      Ranking ranking = rankings.get(q);
      String target = query.target();
      if (target == null) {
        throw new IllegalArgumentException(
            "query '"
                + query.id()
                + "' has no target; Recall@K needs targets (a test split without them is scored"
                + " by writing a submission)");
      }
      String removed = removesReference ? query.reference() : null;
      boolean inGallery = ranking.covers(target);
      boolean isRemoved = target.equals(removed);
      if (!inGallery) {
        misses.add(new Miss(query.id(), target, Miss.Reason.NOT_IN_GALLERY));
      } else if (isRemoved) {
        misses.add(new Miss(query.id(), target, Miss.Reason.IS_REFERENCE));
      }
      positions[q] = ranking.positionOf(target, removed);
      if (subsetKs.length > 0 && !query.members().isEmpty()) {
        if (inGallery && !isRemoved && !query.members().contains(target)) {
          misses.add(new Miss(query.id(), target, Miss.Reason.NOT_IN_MEMBERS));
        }
        subsetPositions.add(ranking.positionAmong(target, query.members(), removed));
      }
    }
    Map<String, Double> metrics = new LinkedHashMap<>();
    for (int k : ks) {
      metrics.put("recall@" + k, RecallAtK.percent(positions, k));
    }
    if (!subsetPositions.isEmpty()) {
      int[] sp = subsetPositions.stream().mapToInt(Integer::intValue).toArray();
      for (int k : subsetKs) {
        metrics.put("recall_subset@" + k, RecallAtK.percent(sp, k));
      }
    }
    return new RecallReport(metrics, n, subsetPositions.size(), misses);
  }

  /** Scores a score matrix whose columns are {@code gallery}. */
  public RecallReport evaluate(
      ScoreMatrix scores, GalleryIndex gallery, List<RetrievalQuery> queries) {
    return evaluate(scores.rankings(gallery), queries);
  }
}
