package dev.cir.eval.metrics;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.PriorityQueue;

/**
 * A ranking read off one row of scores without sorting it: a position is the count of images that
 * rank before the target under the tie rule of {@link Ranking}.
 */
final class ScoredRanking implements Ranking {
  private final float[] scores;
  private final int offset;
  private final GalleryIndex gallery;

  ScoredRanking(float[] scores, int offset, GalleryIndex gallery) {
    this.scores = scores;
    this.offset = offset;
    this.gallery = gallery;
  }

  private float score(int column) {
    return scores[offset + column];
  }

  /** Whether column {@code a} ranks before column {@code b}: the tie rule in one place. */
  private boolean before(int a, int b) {
    float sa = score(a);
    float sb = score(b);
    if (sa > sb) {
      return true;
    }
    if (sa == sb || (Float.isNaN(sa) && Float.isNaN(sb))) {
      return a < b;
    }
    return !Float.isNaN(sa) && Float.isNaN(sb);
  }

  @Override
  public int positionOf(String image, String removed) {
    int t = gallery.columnOf(image);
    int r = gallery.columnOf(removed);
    if (t < 0 || t == r) {
      return NOT_RANKED;
    }
    float st = score(t);
    int n = gallery.size();
    int count = 0;
    if (Float.isNaN(st)) {
      // everything before t ranks before it; after t, only numbers do
      count = t;
      for (int i = t + 1; i < n; i++) {
        if (!Float.isNaN(score(i))) {
          count++;
        }
      }
    } else {
      // before t, ties count too (gallery order); after t, only strictly higher scores
      for (int i = 0; i < t; i++) {
        if (score(i) >= st) {
          count++;
        }
      }
      for (int i = t + 1; i < n; i++) {
        if (score(i) > st) {
          count++;
        }
      }
    }
    if (r >= 0 && before(r, t)) {
      count--;
    }
    return count;
  }

  @Override
  public int positionAmong(String image, Collection<String> candidates, String removed) {
    int t = gallery.columnOf(image);
    int r = gallery.columnOf(removed);
    if (t < 0 || t == r || !candidates.contains(image)) {
      return NOT_RANKED;
    }
    int count = 0;
    for (int c : candidateColumns(candidates, r)) {
      if (c != t && before(c, t)) {
        count++;
      }
    }
    return count;
  }

  @Override
  public List<String> top(int k, String removed) {
    checkK(k);
    int r = gallery.columnOf(removed);
    // a bounded heap whose head is the worst of the best k so far
    PriorityQueue<Integer> best =
        new PriorityQueue<>(Math.max(1, k), (a, b) -> before(a, b) ? 1 : -1);
    for (int i = 0; i < gallery.size(); i++) {
      if (i == r || k == 0) {
        continue;
      }
      if (best.size() < k) {
        best.add(i);
      } else if (before(i, best.peek())) {
        best.poll();
        best.add(i);
      }
    }
    List<Integer> columns = new ArrayList<>(best);
    return names(sorted(columns));
  }

  @Override
  public List<String> topAmong(int k, Collection<String> candidates, String removed) {
    checkK(k);
    List<Integer> columns = sorted(candidateColumns(candidates, gallery.columnOf(removed)));
    return names(columns.subList(0, Math.min(k, columns.size())));
  }

  @Override
  public boolean covers(String image) {
    return gallery.contains(image);
  }

  /** Distinct columns of the candidates the gallery holds, {@code removed} left out. */
  private List<Integer> candidateColumns(Collection<String> candidates, int removed) {
    List<Integer> columns = new ArrayList<>(candidates.size());
    for (String c : candidates) {
      int col = gallery.columnOf(c);
      if (col >= 0 && col != removed && !columns.contains(col)) {
        columns.add(col);
      }
    }
    return columns;
  }

  private List<Integer> sorted(List<Integer> columns) {
    columns.sort((a, b) -> a.equals(b) ? 0 : before(a, b) ? -1 : 1);
    return columns;
  }

  private List<String> names(List<Integer> columns) {
    List<String> out = new ArrayList<>(columns.size());
    for (int c : columns) {
      out.add(gallery.name(c));
    }
    return out;
  }

  static void checkK(int k) {
    if (k < 0) {
      throw new IllegalArgumentException("k must be at least 0, was " + k);
    }
  }
}
