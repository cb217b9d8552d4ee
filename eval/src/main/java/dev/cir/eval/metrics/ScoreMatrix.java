package dev.cir.eval.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Similarities of queries (rows) to gallery images (columns), higher is closer, stored flat in
 * row-major order. CLIP4Cir ranks by the distance {@code 1 - query · image}; ranking by the
 * similarity itself gives the same order (see {@link Ranking} for ties).
 */
public final class ScoreMatrix {
  private final float[] scores;
  private final int queries;
  private final int gallerySize;

  private ScoreMatrix(float[] scores, int queries, int gallerySize) {
    this.scores = scores;
    this.queries = queries;
    this.gallerySize = gallerySize;
  }

  /**
   * Wraps (does not copy) a flat row-major array.
   *
   * @throws IllegalArgumentException if the length is not {@code queries * gallerySize}
   */
  public static ScoreMatrix of(float[] flat, int queries, int gallerySize) {
    Objects.requireNonNull(flat, "flat");
    if (queries < 0 || gallerySize < 0 || (long) queries * gallerySize != flat.length) {
      throw new IllegalArgumentException(
          "score array of length "
              + flat.length
              + " is not "
              + queries
              + " queries x "
              + gallerySize
              + " gallery images");
    }
    return new ScoreMatrix(flat, queries, gallerySize);
  }

  /**
   * Copies rows of equal length.
   *
   * @throws IllegalArgumentException if the rows differ in length
   */
  public static ScoreMatrix of(float[][] rows) {
    int n = rows.length;
    int g = n == 0 ? 0 : rows[0].length;
    float[] flat = new float[Math.multiplyExact(n, g)];
    for (int q = 0; q < n; q++) {
      if (rows[q].length != g) {
        throw new IllegalArgumentException(
            "row " + q + " has " + rows[q].length + " scores, row 0 has " + g);
      }
      System.arraycopy(rows[q], 0, flat, q * g, g);
    }
    return new ScoreMatrix(flat, n, g);
  }

  public int queries() {
    return queries;
  }

  public int gallerySize() {
    return gallerySize;
  }

  public float get(int query, int column) {
    Objects.checkIndex(query, queries);
    Objects.checkIndex(column, gallerySize);
    return scores[query * gallerySize + column];
  }

  /** One ranking per row over {@code gallery}. */
  public List<Ranking> rankings(GalleryIndex gallery) {
    if (gallery.size() != gallerySize) {
      throw new IllegalArgumentException(
          "gallery has "
              + gallery.size()
              + " names but the scores have "
              + gallerySize
              + " columns");
    }
    List<Ranking> out = new ArrayList<>(queries);
    for (int q = 0; q < queries; q++) {
      out.add(new ScoredRanking(scores, q * gallerySize, gallery));
    }
    return out;
  }
}
