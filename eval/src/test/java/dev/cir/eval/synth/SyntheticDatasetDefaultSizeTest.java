package dev.cir.eval.synth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The default dataset (the recipe's and the demo's) written whole. How long it takes is a figure of
 * {@code cir dataset synth} and {@code cir demo}, which print it, not an assertion here: the cores
 * of a test run are shared.
 */
class SyntheticDatasetDefaultSizeTest {
  @TempDir Path out;

  @Test
  void defaultSizeWritesEveryTripletAndImage() throws Exception {
    long start = System.nanoTime();
    SyntheticDataset.Summary s =
        SyntheticDataset.generate(SyntheticDataset.Options.defaults()).writeTo(out);
    System.out.printf(
        "default synthetic dataset: %.1f s on %d cores, images %s, triplets %s%n",
        (System.nanoTime() - start) / 1e9, Runtime.getRuntime().availableProcessors(), s.images(), s.triplets());
    assertEquals(
        SyntheticDataset.DEFAULT_SIZE, s.triplets().values().stream().mapToInt(i -> i).sum());
    for (String split : s.triplets().keySet()) {
      try (var lines = Files.lines(out.resolve(split).resolve("triplets.jsonl"))) {
        assertEquals(s.triplets().get(split).longValue(), lines.count(), split);
      }
      try (var lines = Files.lines(out.resolve(split).resolve("images.jsonl"))) {
        long images = lines.count();
        assertEquals(s.images().get(split).longValue(), images, split);
        assertTrue(images > s.triplets().get(split), split + ": fewer images than triplets");
      }
    }
  }
}
