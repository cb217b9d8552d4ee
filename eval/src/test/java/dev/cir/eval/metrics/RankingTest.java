package dev.cir.eval.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class RankingTest {
  private static final GalleryIndex ABCD = GalleryIndex.of(List.of("a", "b", "c", "d"));

  @Test
  void tiesFollowGalleryOrder() {
    Ranking r = Ranking.ofScores(new float[] {0.5f, 0.9f, 0.5f, 0.1f}, ABCD);
    assertEquals(0, r.positionOf("b", null));
    assertEquals(1, r.positionOf("a", null));
    assertEquals(2, r.positionOf("c", null));
    assertEquals(3, r.positionOf("d", null));
    assertEquals(List.of("b", "a", "c", "d"), r.top(10, null));
    assertEquals(List.of("b", "a"), r.top(2, null));
  }

  @Test
  void allEqualScoresRankInGalleryOrderAndZeroSignsTie() {
    Ranking r = Ranking.ofScores(new float[] {0.0f, -0.0f, 0.0f, -0.0f}, ABCD);
    assertEquals(List.of("a", "b", "c", "d"), r.top(4, null));
    assertEquals(3, r.positionOf("d", null));
  }

  @Test
  void nanRanksLast() {
    Ranking r = Ranking.ofScores(new float[] {Float.NaN, -5f, Float.NaN, 1f}, ABCD);
    assertEquals(List.of("d", "b", "a", "c"), r.top(4, null));
    assertEquals(2, r.positionOf("a", null));
    assertEquals(3, r.positionOf("c", null));
    assertEquals(2, r.positionOf("c", "b"));
  }

  @Test
  void removedImageIsTakenOutBeforeCounting() {
    Ranking r = Ranking.ofScores(new float[] {0.9f, 0.8f, 0.7f, 0.6f}, ABCD);
    assertEquals(1, r.positionOf("c", "a"));
    assertEquals(2, r.positionOf("c", "d"));
    assertEquals(Ranking.NOT_RANKED, r.positionOf("a", "a"));
    assertEquals(Ranking.NOT_RANKED, r.positionOf("zz", null));
    assertEquals(List.of("b", "c"), r.top(2, "a"));
    assertFalse(r.covers("zz"));
  }

  @Test
  void subsetRankingIsTheFullRankingRestrictedToCandidates() {
    Ranking r = Ranking.ofScores(new float[] {0.9f, 0.8f, 0.7f, 0.6f}, ABCD);
    List<String> members = List.of("a", "d", "c", "zz", "c");
    assertEquals(0, r.positionAmong("c", members, "a"));
    assertEquals(1, r.positionAmong("c", members, null));
    assertEquals(1, r.positionAmong("d", members, "a"));
    assertEquals(Ranking.NOT_RANKED, r.positionAmong("b", members, null));
    assertEquals(List.of("c", "d"), r.topAmong(3, members, "a"));
    assertEquals(List.of("a", "c", "d"), r.topAmong(3, members, null));
  }

  @Test
  void kLargerThanTheGalleryReturnsEverything() {
    Ranking r = Ranking.ofScores(new float[] {0.1f, 0.2f, 0.3f, 0.4f}, ABCD);
    assertEquals(List.of("d", "c", "b", "a"), r.top(50, null));
    assertEquals(List.of(), r.top(0, null));
    assertThrows(IllegalArgumentException.class, () -> r.top(-1, null));
  }

  /** A stable sort by descending score, NaN last: the tie rule stated independently. */
  private static List<Integer> referenceOrder(float[] s) {
    List<Integer> idx = new ArrayList<>(IntStream.range(0, s.length).boxed().toList());
    idx.sort(
        (x, y) -> {
          float a = s[x];
          float b = s[y];
          if (Float.isNaN(a) || Float.isNaN(b)) {
            return Boolean.compare(Float.isNaN(a), Float.isNaN(b));
          }
          return a > b ? -1 : a < b ? 1 : 0;
        });
    return idx;
  }

  @Test
  void positionsAndTopMatchAStableSortOnRandomScoresWithManyTies() {
    Random random = new Random(20231);
    float[] values = {0f, -0f, 0.25f, 0.5f, 1f, -1f, Float.NaN, 0.5f};
    for (int round = 0; round < 300; round++) {
      int n = 1 + random.nextInt(40);
      List<String> names = IntStream.range(0, n).mapToObj(i -> "g" + i).toList();
      GalleryIndex gallery = GalleryIndex.of(names);
      float[] s = new float[n];
      for (int i = 0; i < n; i++) {
        s[i] = random.nextInt(4) == 0 ? random.nextFloat() : values[random.nextInt(values.length)];
      }
      Ranking ranking = Ranking.ofScores(s, gallery);
      String removed = random.nextBoolean() ? names.get(random.nextInt(n)) : null;
      List<String> expected =
          referenceOrder(s).stream().map(names::get).filter(x -> !x.equals(removed)).toList();
      Ranking listed = Ranking.ofList(expected, gallery);
      for (String name : names) {
        int want = name.equals(removed) ? Ranking.NOT_RANKED : expected.indexOf(name);
        assertEquals(want, ranking.positionOf(name, removed), "round " + round + " " + name);
        assertEquals(want, listed.positionOf(name, removed), "listed, round " + round);
      }
      int k = random.nextInt(n + 3);
      assertEquals(expected.subList(0, Math.min(k, expected.size())), ranking.top(k, removed));
      List<String> members = new ArrayList<>();
      for (int i = 0; i < 1 + random.nextInt(6); i++) {
        members.add(names.get(random.nextInt(n)));
      }
      List<String> subset = expected.stream().filter(members::contains).toList();
      for (String m : members) {
        int want = m.equals(removed) ? Ranking.NOT_RANKED : subset.indexOf(m);
        assertEquals(want, ranking.positionAmong(m, members, removed), "subset round " + round);
        assertEquals(want, listed.positionAmong(m, members, removed), "listed subset " + round);
      }
      assertEquals(
          subset.subList(0, Math.min(3, subset.size())), ranking.topAmong(3, members, removed));
      assertEquals(
          subset.subList(0, Math.min(3, subset.size())), listed.topAmong(3, members, removed));
    }
  }

  @Test
  void listedRankingsMayBeTruncated() {
    Ranking r = Ranking.ofList(List.of("c", "a", "c", "b"), null);
    assertEquals(0, r.positionOf("c", null));
    assertEquals(1, r.positionOf("a", null));
    assertEquals(2, r.positionOf("b", null));
    assertEquals(1, r.positionOf("b", "c"));
    assertEquals(Ranking.NOT_RANKED, r.positionOf("d", null));
    assertTrue(r.covers("d"));
    assertEquals(List.of("a", "b"), r.top(5, "c"));
    Ranking inGallery = Ranking.ofList(List.of("a"), ABCD);
    assertFalse(inGallery.covers("zz"));
    assertThrows(IllegalArgumentException.class, () -> Ranking.ofList(List.of("zz"), ABCD));
  }

  @Test
  void scoreMatrixChecksItsShape() {
    assertThrows(IllegalArgumentException.class, () -> ScoreMatrix.of(new float[5], 2, 3));
    assertThrows(IllegalArgumentException.class, () -> ScoreMatrix.of(new float[][] {{1, 2}, {3}}));
    ScoreMatrix m = ScoreMatrix.of(new float[][] {{1, 2, 3, 4}, {4, 3, 2, 1}});
    assertEquals(2, m.queries());
    assertEquals(3f, m.get(1, 1));
    assertThrows(IllegalArgumentException.class, () -> m.rankings(GalleryIndex.of(List.of("a"))));
    List<Ranking> rankings = m.rankings(ABCD);
    assertEquals(List.of("d", "c", "b", "a"), rankings.get(0).top(4, null));
    assertEquals(List.of("a", "b", "c", "d"), rankings.get(1).top(4, null));
    assertThrows(IllegalArgumentException.class, () -> GalleryIndex.of(List.of("a", "a")));
  }
}
