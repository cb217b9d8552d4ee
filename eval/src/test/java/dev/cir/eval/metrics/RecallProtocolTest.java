package dev.cir.eval.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class RecallProtocolTest {
  private static final GalleryIndex GALLERY = GalleryIndex.of(List.of("ref", "t", "x", "y", "z"));

  private static RetrievalQuery query(String id, String ref, String target, String... members) {
    return new RetrievalQuery(id, ref, target, List.of(members));
  }

  private static Ranking scores(float... s) {
    return Ranking.ofScores(s, GALLERY);
  }

  @Test
  void recallIsClip4CirsFloat32RatioTimes100() {
    assertEquals((double) (1f / 3f) * 100.0, RecallAtK.percent(new int[] {0, 5, -1}, 1));
    assertEquals(33.33333432674408, RecallAtK.percent(1, 3));
    assertEquals(100.0, RecallAtK.percent(new int[] {0, 1, 2}, 3));
    assertEquals(0.0, RecallAtK.percent(new int[0], 1));
    assertThrows(IllegalArgumentException.class, () -> RecallAtK.percent(new int[] {0}, 0));
  }

  @Test
  void cirrRemovesTheReferenceBeforeCounting() {
    // the reference scores highest; the target is second, so first once the reference is out
    Ranking r = scores(0.9f, 0.8f, 0.1f, 0.2f, 0.3f);
    RecallReport cirr = RecallProtocol.CIRR.evaluate(List.of(r), List.of(query("q", "ref", "t")));
    assertEquals(100.0, cirr.get("recall@1"));
    RecallReport fiq =
        RecallProtocol.FASHION_IQ.evaluate(List.of(r), List.of(query("q", "ref", "t")));
    assertEquals(List.of("recall@10", "recall@50"), List.copyOf(fiq.metrics().keySet()));
    assertEquals(100.0, fiq.get("recall@10"));
  }

  @Test
  void targetEqualToTheReferenceCountsForFashionIqButNeverForCirr() {
    Ranking r = scores(0.9f, 0.8f, 0.1f, 0.2f, 0.3f);
    List<RetrievalQuery> q = List.of(query("q", "ref", "ref", "ref", "t"));
    RecallReport fiq = RecallProtocol.FASHION_IQ.evaluate(List.of(r), q);
    assertEquals(100.0, fiq.get("recall@10"));
    assertTrue(fiq.misses().isEmpty());
    RecallReport cirr = RecallProtocol.CIRR.evaluate(List.of(r), q);
    assertEquals(0.0, cirr.get("recall@50"));
    assertEquals(0.0, cirr.get("recall_subset@3"));
    assertEquals(List.of(new Miss("q", "ref", Miss.Reason.IS_REFERENCE)), cirr.misses());
  }

  @Test
  void targetMissingFromTheGalleryIsAMissAndReported() {
    Ranking r = scores(0.9f, 0.8f, 0.1f, 0.2f, 0.3f);
    List<RetrievalQuery> q = List.of(query("q1", "ref", "t"), query("q2", "ref", "gone"));
    RecallReport rep = RecallProtocol.CIRR.evaluate(List.of(r, r), q);
    assertEquals(50.0, rep.get("recall@1"));
    assertEquals(50.0, rep.get("recall@50"));
    assertEquals(
        List.of(new Miss("q2", "gone", Miss.Reason.NOT_IN_GALLERY)),
        rep.misses(Miss.Reason.NOT_IN_GALLERY));
    String table = MetricsTable.format(rep);
    assertTrue(table.contains("missed: 1 targets not in the gallery: gone (query q2)"), table);
  }

  @Test
  void subsetRecallRanksOnlyMembersMinusTheReference() {
    // global order: ref, z, x, t, y -> without ref: z, x, t, y
    Ranking r = scores(0.99f, 0.5f, 0.7f, 0.1f, 0.8f);
    RetrievalQuery q = query("q", "ref", "t", "ref", "x", "t", "y");
    RecallReport rep = RecallProtocol.CIRR.evaluate(List.of(r), List.of(q));
    assertEquals(0.0, rep.get("recall@1"));
    assertEquals(100.0, rep.get("recall@5"));
    // among members (x, t, y): x first, t second
    assertEquals(0.0, rep.get("recall_subset@1"));
    assertEquals(100.0, rep.get("recall_subset@2"));
    assertEquals(100.0, rep.get("recall_subset@3"));
    assertEquals(
        List.of(
            "recall@1",
            "recall@5",
            "recall@10",
            "recall@50",
            "recall_subset@1",
            "recall_subset@2",
            "recall_subset@3"),
        List.copyOf(rep.metrics().keySet()));
  }

  @Test
  void targetOutsideTheMembersMissesTheSubsetOnly() {
    Ranking r = scores(0.99f, 0.9f, 0.7f, 0.1f, 0.8f);
    RecallReport rep =
        RecallProtocol.CIRR.evaluate(List.of(r), List.of(query("q", "ref", "t", "x", "y")));
    assertEquals(100.0, rep.get("recall@1"));
    assertEquals(0.0, rep.get("recall_subset@3"));
    assertEquals(List.of(new Miss("q", "t", Miss.Reason.NOT_IN_MEMBERS)), rep.misses());
  }

  @Test
  void subsetMetricsCoverOnlyQueriesWithMembersAndVanishWithout() {
    Ranking r = scores(0.99f, 0.9f, 0.7f, 0.1f, 0.8f);
    RecallReport none = RecallProtocol.CIRR.evaluate(List.of(r), List.of(query("q", "ref", "t")));
    assertEquals(
        List.of("recall@1", "recall@5", "recall@10", "recall@50"),
        List.copyOf(none.metrics().keySet()));
    assertEquals(0, none.subsetQueries());
    RecallReport mixed =
        RecallProtocol.CIRR.evaluate(
            List.of(r, r), List.of(query("q1", "ref", "t"), query("q2", "ref", "t", "t", "x")));
    assertEquals(2, mixed.queries());
    assertEquals(1, mixed.subsetQueries());
    assertEquals(100.0, mixed.get("recall_subset@1"));
  }

  @Test
  void kLargerThanTheGalleryCountsEveryRankedTarget() {
    GalleryIndex small = GalleryIndex.of(List.of("ref", "t"));
    Ranking r = Ranking.ofScores(new float[] {0f, -1f}, small);
    RecallReport rep =
        RecallProtocol.FASHION_IQ.evaluate(List.of(r), List.of(query("q", "ref", "t")));
    assertEquals(100.0, rep.get("recall@10"));
    assertEquals(100.0, rep.get("recall@50"));
  }

  @Test
  void tiesAreBrokenByGalleryOrderInRecall() {
    // t ties with x; t comes first in the gallery, so it wins; z also ties but comes later
    Ranking r = scores(0f, 0.5f, 0.5f, 0f, 0.5f);
    RecallReport rep = RecallProtocol.CIRR.evaluate(List.of(r), List.of(query("q", "ref", "x")));
    assertEquals(0.0, rep.get("recall@1"));
    assertEquals(100.0, rep.get("recall@5"));
    RecallReport first = RecallProtocol.CIRR.evaluate(List.of(r), List.of(query("q", "ref", "t")));
    assertEquals(100.0, first.get("recall@1"));
  }

  @Test
  void scoreMatrixAndListedRankingsGiveTheSameReport() {
    ScoreMatrix m =
        ScoreMatrix.of(
            new float[][] {{0.9f, 0.8f, 0.1f, 0.2f, 0.3f}, {0.1f, 0.2f, 0.3f, 0.9f, 0.4f}});
    List<RetrievalQuery> q =
        List.of(query("1", "ref", "t", "ref", "t", "x"), query("2", "y", "x", "y", "x", "z"));
    RecallReport fromScores = RecallProtocol.CIRR.evaluate(m, GALLERY, q);
    List<Ranking> listed =
        m.rankings(GALLERY).stream().map(r -> Ranking.ofList(r.top(5, null), GALLERY)).toList();
    assertEquals(fromScores, RecallProtocol.CIRR.evaluate(listed, q));
    assertEquals(50.0, fromScores.get("recall@1"));
    assertEquals(50.0, fromScores.get("recall_subset@1"));
  }

  @Test
  void queriesWithoutTargetsOrMismatchedCountsAreRefused() {
    Ranking r = scores(0f, 0f, 0f, 0f, 0f);
    assertThrows(
        IllegalArgumentException.class,
        () -> RecallProtocol.CIRR.evaluate(List.of(r), List.of(query("q", "ref", null))));
    assertThrows(
        IllegalArgumentException.class,
        () -> RecallProtocol.CIRR.evaluate(List.of(r, r), List.of(query("q", "ref", "t"))));
  }
}
