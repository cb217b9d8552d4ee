package dev.cir.eval.synth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyntheticDatasetTimingTest {
  @TempDir Path out;

  @Test
  void defaultSizeGeneratesWithinAMinute() throws Exception {
    long start = System.nanoTime();
    SyntheticDataset.Summary s =
        SyntheticDataset.generate(SyntheticDataset.Options.defaults()).writeTo(out);
    double seconds = (System.nanoTime() - start) / 1e9;
    System.out.printf(
        "default synthetic dataset: %.1f s on %d cores, images %s, triplets %s%n",
        seconds, Runtime.getRuntime().availableProcessors(), s.images(), s.triplets());
    assertEquals(
        SyntheticDataset.DEFAULT_SIZE, s.triplets().values().stream().mapToInt(i -> i).sum());
    assertTrue(seconds < 60, "took " + seconds + " s");
  }
}
