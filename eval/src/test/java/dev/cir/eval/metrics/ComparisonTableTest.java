package dev.cir.eval.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ComparisonTableTest {
  @Test
  void rowsKeepTheirOrderAndColumnsAreSortedByK() {
    ComparisonTable t =
        new ComparisonTable()
            .row("image only", Map.of("recall@10", 12.5, "recall@1", 1.0, "recall_subset@1", 30.0))
            .row("Combiner", Map.of("recall@1", 81.25, "recall@10", 99.0, "recall@5", 95.0));
    assertEquals(List.of("recall@1", "recall@5", "recall@10", "recall_subset@1"), t.columns());
    String md = t.markdown();
    String[] lines = md.split("\n");
    assertEquals(4, lines.length, md);
    assertEquals("| model      |    R@1 |    R@5 |   R@10 |   Rs@1 |", lines[0]);
    assertEquals("| ---------- | -----: | -----: | -----: | -----: |", lines[1]);
    assertEquals("| image only |   1.00 |      - |  12.50 |  30.00 |", lines[2]);
    assertEquals("| Combiner   |  81.25 |  95.00 |  99.00 |      - |", lines[3]);
  }
}
