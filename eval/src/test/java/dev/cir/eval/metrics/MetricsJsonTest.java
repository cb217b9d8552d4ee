package dev.cir.eval.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsJsonTest {
  @TempDir Path dir;

  @Test
  void roundTripsInOrderAndExactly() throws Exception {
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("recall@50", 97.9000015258789);
    m.put("recall@1", 33.33333432674408);
    m.put("recall_subset@1", 0.0);
    Path file = dir.resolve("out/metrics.json");
    MetricsJson.write(m, file);
    Map<String, Double> back = MetricsJson.read(file);
    assertEquals(List.copyOf(m.keySet()), List.copyOf(back.keySet()));
    assertEquals(m, back);
    assertTrue(MetricsJson.toJson(m).contains("\"recall@1\": 33.33333432674408"));
  }

  @Test
  void refusesNonFiniteValues() {
    assertThrows(IllegalArgumentException.class, () -> MetricsJson.toJson(Map.of("x", Double.NaN)));
  }

  @Test
  void tableShowsTwoDecimalsAndCounts() {
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("recall@1", 44.8200011253);
    m.put("recall_subset@1", 73.16);
    String t = MetricsTable.format(new RecallReport(m, 10, 10, List.of()));
    assertTrue(t.contains("recall@1           44.82"), t);
    assertTrue(t.contains("recall_subset@1    73.16"), t);
    assertTrue(t.contains("queries: 10 (with members: 10)"), t);
  }
}
