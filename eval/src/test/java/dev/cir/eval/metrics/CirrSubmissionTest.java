package dev.cir.eval.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CirrSubmissionTest {
  @TempDir Path dir;

  @Test
  void topFiftyWithoutTheReferenceAndTopThreeMembers() {
    List<String> names = IntStream.range(0, 60).mapToObj(i -> "img" + i).toList();
    GalleryIndex gallery = GalleryIndex.of(names);
    float[] s = new float[60];
    for (int i = 0; i < 60; i++) {
      s[i] = -i; // img0 best, img59 worst
    }
    RetrievalQuery q =
        new RetrievalQuery("12", "img0", null, List.of("img0", "img40", "img7", "img55", "img3"));
    CirrSubmission sub = CirrSubmission.of(List.of(Ranking.ofScores(s, gallery)), List.of(q));
    List<String> top = sub.recall().get("12");
    assertEquals(50, top.size());
    assertEquals("img1", top.get(0));
    assertEquals("img50", top.get(49));
    assertEquals(List.of("img3", "img7", "img40"), sub.subset().get("12"));
  }

  @Test
  void jsonIsWhatPythonJsonDumpWritesWithSortedKeys() throws Exception {
    GalleryIndex gallery = GalleryIndex.of(List.of("a", "b\"c", "\u00e9", "ref"));
    float[] s = {0.3f, 0.2f, 0.1f, 0.9f};
    List<Ranking> rankings = new ArrayList<>();
    rankings.add(Ranking.ofScores(s, gallery));
    rankings.add(Ranking.ofScores(s, gallery));
    List<RetrievalQuery> queries =
        List.of(
            new RetrievalQuery("12", "ref", null, List.of("ref", "\u00e9", "a")),
            new RetrievalQuery("3", "a", null, List.of()));
    CirrSubmission sub = CirrSubmission.of(rankings, queries);
    // python3: json.dumps({...}, sort_keys=True)
    assertEquals(
        "{\"12\": [\"a\", \"b\\\"c\", \"\\u00e9\"], \"3\": [\"ref\", \"b\\\"c\", \"\\u00e9\"],"
            + " \"metric\": \"recall\", \"version\": \"rc2\"}",
        sub.recallJson());
    assertEquals(
        "{\"12\": [\"a\", \"\\u00e9\"], \"3\": [], \"metric\": \"recall_subset\","
            + " \"version\": \"rc2\"}",
        sub.subsetJson());
    List<Path> files = sub.writeTo(dir, "run1");
    assertEquals(dir.resolve("recall_submission_run1.json"), files.get(0));
    assertEquals(sub.subsetJson(), Files.readString(files.get(1), StandardCharsets.UTF_8));
  }

  @Test
  void repeatedQueryIdsAreRefused() {
    GalleryIndex gallery = GalleryIndex.of(List.of("a", "b"));
    Ranking r = Ranking.ofScores(new float[] {1, 0}, gallery);
    RetrievalQuery q = new RetrievalQuery("1", "a", null, List.of());
    assertThrows(
        IllegalArgumentException.class, () -> CirrSubmission.of(List.of(r, r), List.of(q, q)));
  }
}
