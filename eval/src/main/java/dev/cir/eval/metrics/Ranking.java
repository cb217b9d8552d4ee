package dev.cir.eval.metrics;

import java.util.Collection;
import java.util.List;

/**
 * One query's ranking of the gallery, and the positions Recall@K needs.
 *
 * <p>Tie rule, for rankings from scores: an image ranks before another when its score is higher, or
 * the scores are equal and it comes first in gallery order; NaN ranks after every number; -0.0
 * equals 0.0. This is the order of a stable ascending sort of CLIP4Cir's distances {@code 1 - s}
 * ({@code torch.argsort(..., stable=True)}, {@code np.argsort(kind="stable")}). CLIP4Cir itself
 * calls {@code torch.argsort} without {@code stable}, which leaves the order of exact ties to the
 * sorting kernel; its {@code 1 - s} in float32 can also merge scores a rounding step apart. Both
 * affect only exact or near-exact ties.
 *
 * <p>Positions are 0-based: position 0 is the first image, and the target counts for Recall@K when
 * its position is below K. {@code removed} is an image taken out of the ranking before positions
 * are counted (CLIP4Cir's CIRR protocol removes the reference); null removes nothing. Positions are
 * counted in O(gallery) per query without sorting; {@link #top} selects in O(gallery · log k).
 */
public interface Ranking {
  /** The position of an image that is not ranked. */
  int NOT_RANKED = -1;

  /**
   * The position of {@code image} after {@code removed} is taken out; {@link #NOT_RANKED} when the
   * image is not ranked or is the removed one.
   */
  int positionOf(String image, String removed);

  /**
   * The position of {@code image} in the ranking restricted to {@code candidates} (CIRR's
   * Recall_subset); {@link #NOT_RANKED} when it is not ranked, not a candidate, or removed.
   */
  int positionAmong(String image, Collection<String> candidates, String removed);

  /** The first {@code k} images (fewer when fewer are ranked), {@code removed} left out. */
  List<String> top(int k, String removed);

  /** The first {@code k} of {@code candidates} in ranking order, {@code removed} left out. */
  List<String> topAmong(int k, Collection<String> candidates, String removed);

  /**
   * Whether {@code image} belongs to the ranked gallery, so that a target not found is a data
   * problem rather than a miss.
   */
  boolean covers(String image);

  /** The ranking that one row of scores gives; {@code scores} is not copied. */
  static Ranking ofScores(float[] scores, GalleryIndex gallery) {
    if (scores.length != gallery.size()) {
      throw new IllegalArgumentException(
          scores.length + " scores for a gallery of " + gallery.size() + " images");
    }
    return new ScoredRanking(scores, 0, gallery);
  }

  /**
   * A ranking given as names, best first, possibly truncated (e.g. a search engine's top rows): an
   * image not listed is not ranked, and so a miss at every K. A repeated name counts at its first
   * place.
   *
   * @param gallery the whole gallery, or null when unknown; when given, every listed name must be
   *     in it, and a target outside it is reported as missing from the gallery
   */
  static Ranking ofList(List<String> ranked, GalleryIndex gallery) {
    return new ListedRanking(ranked, gallery);
  }
}
