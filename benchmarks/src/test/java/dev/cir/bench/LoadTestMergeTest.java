package dev.cir.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The turns of one setting at one client count add up to one row: its queries, seconds and every latency. */
class LoadTestMergeTest {
  private static LoadTest.Result run(int clients, double seconds, List<Double> sortedMs, List<String> errors, List<Long> rss) {
    return new LoadTest.Result(
        clients, seconds, sortedMs.size(), errors, LoadTest.pct(sortedMs, 50), LoadTest.pct(sortedMs, 99), rss, sortedMs);
  }

  @Test
  void turnsAddTheirQueriesAndSecondsAndTakePercentilesOverAllQueries() {
    // one fast turn and one slow: the merged p50 lies between them, which neither turn's p50 says
    LoadTest.Result fast = run(4, 10.0, List.of(10.0, 11.0, 12.0, 13.0), List.of(), List.of(100L, 101L));
    LoadTest.Result slow = run(4, 10.5, List.of(40.0, 41.0, 42.0, 43.0, 44.0, 45.0), List.of("status 500"), List.of(102L));
    LoadTest.Result all = LoadTest.Result.merge(List.of(fast, slow));
    assertEquals(4, all.clients());
    assertEquals(20.5, all.seconds(), 1e-12);
    assertEquals(10, all.queries());
    assertEquals(10 / 20.5, all.queriesPerSecond(), 1e-12);
    assertEquals(40.0, all.p50(), 0); // the 5th of 10 sorted latencies
    assertEquals(45.0, all.p99(), 0);
    assertEquals(List.of("status 500"), all.errors());
    assertEquals(List.of(100L, 101L, 102L), all.rssKb());
    assertEquals(List.of(10.0, 11.0, 12.0, 13.0, 40.0, 41.0, 42.0, 43.0, 44.0, 45.0), all.latencies());
  }

  @Test
  void turnsOfDifferentClientCountsAreRefused() {
    LoadTest.Result a = run(1, 1, List.of(1.0), List.of(), List.of());
    LoadTest.Result b = run(16, 1, List.of(1.0), List.of(), List.of());
    assertThrows(IllegalArgumentException.class, () -> LoadTest.Result.merge(List.of(a, b)));
    assertThrows(IllegalArgumentException.class, () -> LoadTest.Result.merge(List.of()));
  }
}
