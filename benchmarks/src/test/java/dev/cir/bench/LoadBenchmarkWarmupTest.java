package dev.cir.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The JIT figures that decide when the load benchmark's warm-up ends. */
class LoadBenchmarkWarmupTest {
  @Test
  void compileTimeIsMeasuredOnThisJvmAndNeverGoesBack() {
    long before = LoadBenchmark.compileMillis();
    assertTrue(before >= 0, "HotSpot reports its compile time");
    long acc = 0;
    for (int i = 0; i < 2_000_000; i++) {
      acc += Long.rotateLeft(i * 31L, i & 63) ^ (acc >>> 7);
    }
    assertTrue(LoadBenchmark.compileMillis() >= before, "compile time after " + acc + " stays at or above " + before);
  }

  @Test
  void shareIsCompileTimePerClockTimeAndUnknownWhereNotMeasured() {
    assertEquals(0.5, LoadBenchmark.jitShare(1_000, 2_000, 2_000_000_000L), 1e-12);
    assertEquals(0.0, LoadBenchmark.jitShare(300, 300, 5_000_000_000L), 1e-12);
    assertTrue(Double.isNaN(LoadBenchmark.jitShare(-1, -1, 1_000_000_000L)));
    assertTrue(Double.isNaN(LoadBenchmark.jitShare(10, 20, 0)));
  }
}
