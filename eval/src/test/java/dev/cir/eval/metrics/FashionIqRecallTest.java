package dev.cir.eval.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FashionIqRecallTest {
  @Test
  void combinesCategoriesInOrderThenTheAverage() {
    Map<String, RecallReport> byCategory = new LinkedHashMap<>();
    byCategory.put("dress", report(10.0, 20.0, 3));
    byCategory.put("shirt", report(20.0, 40.0, 4));
    byCategory.put("toptee", report(40.0, 60.0, 5));
    RecallReport r = FashionIqRecall.combine(byCategory);
    assertEquals(
        List.of(
            "dress.recall@10", "dress.recall@50",
            "shirt.recall@10", "shirt.recall@50",
            "toptee.recall@10", "toptee.recall@50",
            "average.recall@10", "average.recall@50"),
        List.copyOf(r.metrics().keySet()));
    assertEquals(70.0 / 3, r.get("average.recall@10"));
    assertEquals(40.0, r.get("average.recall@50"));
    assertEquals(12, r.queries());
    assertThrows(IllegalArgumentException.class, () -> FashionIqRecall.combine(Map.of()));
  }

  @Test
  void averageIsPythonsExactStatisticsMean() {
    // statistics.mean([0.1, 0.2, 0.4]) == 0.23333333333333334; (0.1 + 0.2 + 0.4) / 3 is one ulp off
    assertEquals(0.23333333333333334, FashionIqRecall.mean(List.of(0.1, 0.2, 0.4)));
    assertEquals(
        51.139197021083696,
        FashionIqRecall.mean(List.of(65.15929727227629, 78.87233511355132, 9.385958677423488)));
  }

  private static RecallReport report(double r10, double r50, int queries) {
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("recall@10", r10);
    m.put("recall@50", r50);
    return new RecallReport(m, queries, 0, List.of());
  }
}
