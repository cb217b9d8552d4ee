package dev.cir.cli;

import static dev.cir.cli.CliTest.cir;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.cir.cli.CliTest.Result;
import dev.cir.clip.testing.Fixtures;
import dev.cir.clip.testing.TestBundles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cir dataset synth} and {@code cir eval} as scripts call them. */
class EvalCommandTest {
  @TempDir Path tmp;

  @Test
  void synthThenEvalWritesTheMetricJsonAndReusesTheCache() throws IOException {
    Path data = tmp.resolve("synth");
    Result synth = cir("dataset", "synth", "--out", data.toString(), "--size", "200", "--seed", "5", "--image-size", "48");
    assertEquals(0, synth.status(), synth.err());
    assertTrue(synth.out().contains("test"), synth.out());
    Path bundle = TestBundles.small("small-vit", tmp.resolve("bundle"), true).dir();
    Path json = tmp.resolve("metrics.json");
    String[] args = {"eval", "--model", bundle.toString(), "--dataset", "jsonl", "--root", data.toString(), "--split", "val",
        "--out", json.toString(), "--cache", tmp.resolve("cache").toString()};
    Result first = cir(args);
    assertEquals(0, first.status(), first.err());
    assertTrue(first.out().contains("recall@10") && first.out().contains("combiner"), first.out());
    JsonObject metrics = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
    assertEquals(
        Set.of("recall@1", "recall@5", "recall@10", "recall@50", "recall_subset@1", "recall_subset@2", "recall_subset@3"),
        metrics.keySet());
    double r10 = metrics.get("recall@10").getAsDouble();
    assertTrue(r10 >= 0 && r10 <= 100);
    Result second = cir(args);
    assertEquals(0, second.status(), second.err());
    assertTrue(second.out().contains("(0 encoded, the rest from the cache)"), second.out());
    assertEquals(metrics, JsonParser.parseString(Files.readString(json)).getAsJsonObject());

    Result sum = cir("eval", "--model", bundle.toString(), "--dataset", "jsonl", "--root", data.toString(), "--combine", "sum", "--no-cache");
    assertEquals(0, sum.status(), sum.err());
    Result bad = cir("eval", "--model", bundle.toString(), "--dataset", "imagenet", "--root", data.toString());
    assertEquals(1, bad.status());
    assertTrue(bad.err().contains("fashioniq, cirr or jsonl"), bad.err());
  }

  @Test
  void severalModesGiveOneRowEachEqualToTheirOwnRuns() throws IOException {
    Path data = tmp.resolve("synth");
    Result synth = cir("dataset", "synth", "--out", data.toString(), "--size", "120", "--seed", "3", "--image-size", "48");
    assertEquals(0, synth.status(), synth.err());
    Path bundle = TestBundles.small("small-vit", tmp.resolve("bundle"), true).dir();
    String cache = tmp.resolve("cache").toString();
    Path all = tmp.resolve("all.json");
    Result rows = cir("eval", "--model", bundle.toString(), "--dataset", "jsonl", "--root", data.toString(), "--split", "val",
        "--combine", "all", "--out", all.toString(), "--cache", cache);
    assertEquals(0, rows.status(), rows.err());
    JsonObject byMode = JsonParser.parseString(Files.readString(all)).getAsJsonObject();
    // all = the modes this bundle answers: it has a Combiner, no inversion network
    assertEquals(List.of("image", "text", "sum", "combiner"), List.copyOf(byMode.keySet()));
    for (String mode : byMode.keySet()) {
      assertTrue(rows.out().lines().anyMatch(l -> l.startsWith(mode + " ")), mode + " row: " + rows.out());
      Path one = tmp.resolve(mode + ".json");
      Result alone = cir("eval", "--model", bundle.toString(), "--dataset", "jsonl", "--root", data.toString(), "--split", "val",
          "--combine", mode, "--out", one.toString(), "--cache", cache);
      assertEquals(0, alone.status(), alone.err());
      assertEquals(JsonParser.parseString(Files.readString(one)), byMode.get(mode), mode);
    }
    Result list = cir("eval", "--model", bundle.toString(), "--dataset", "jsonl", "--root", data.toString(), "--split", "val",
        "--combine", "sum,image", "--cache", cache);
    assertEquals(0, list.status(), list.err());
    assertTrue(list.out().contains("mode ") && list.out().contains("\nsum ") && list.out().contains("\nimage "), list.out());
    Result noPhi = cir("eval", "--model", bundle.toString(), "--dataset", "jsonl", "--root", data.toString(), "--split", "val",
        "--combine", "sum,inversion", "--cache", cache);
    assertEquals(1, noPhi.status());
    assertTrue(noPhi.err().contains("has no inversion network"), noPhi.err());
  }

  @Test
  void cirrTestSplitWritesTheTwoSubmissionFiles() throws IOException {
    Path root = tmp.resolve("cirr-root");
    List<String> names = List.of("img_near", "img_square", "img_tall", "img_wide");
    StringBuilder split = new StringBuilder("{");
    for (String n : names) {
      Files.createDirectories(root.resolve("test1"));
      Files.copy(Fixtures.small(n + ".png"), root.resolve("test1/" + n + ".png"));
      split.append(split.length() > 1 ? ", " : "").append('"').append(n).append("\": \"./test1/").append(n).append(".png\"");
    }
    Files.createDirectories(root.resolve("cirr/image_splits"));
    Files.createDirectories(root.resolve("cirr/captions"));
    Files.writeString(root.resolve("cirr/image_splits/split.rc2.test1.json"), split.append('}').toString());
    Files.writeString(
        root.resolve("cirr/captions/cap.rc2.test1.json"),
        "[{\"pairid\": 7, \"reference\": \"img_near\", \"caption\": \"w5 w6\", \"img_set\": {\"members\": [\"img_near\","
            + " \"img_square\", \"img_tall\"]}}, {\"pairid\": 9, \"reference\": \"img_wide\", \"caption\": \"w8\","
            + " \"img_set\": {\"members\": [\"img_wide\", \"img_near\", \"img_tall\", \"img_square\"]}}]");
    Path bundle = TestBundles.small("small-vit", tmp.resolve("bundle"), true).dir();
    Path out = tmp.resolve("results/metrics.json");
    Files.createDirectories(out.getParent());
    Result r = cir("eval", "--model", bundle.toString(), "--dataset", "cirr", "--root", root.toString(), "--split", "test1",
        "--out", out.toString(), "--no-cache");
    assertEquals(0, r.status(), r.err());
    Path recall = out.getParent().resolve("recall_submission_test1_combiner.json");
    Path subset = out.getParent().resolve("recall_subset_submission_test1_combiner.json");
    JsonObject rj = JsonParser.parseString(Files.readString(recall)).getAsJsonObject();
    JsonObject sj = JsonParser.parseString(Files.readString(subset)).getAsJsonObject();
    assertEquals("rc2", rj.get("version").getAsString());
    assertEquals("recall", rj.get("metric").getAsString());
    assertEquals("recall_subset", sj.get("metric").getAsString());
    // the reference is never ranked; the gallery has 3 other images
    assertEquals(3, rj.getAsJsonArray("7").size());
    assertTrue(!rj.getAsJsonArray("7").toString().contains("img_near"));
    assertEquals(2, sj.getAsJsonArray("7").size(), "members minus the reference");
    assertEquals(3, sj.getAsJsonArray("9").size());
  }
}
