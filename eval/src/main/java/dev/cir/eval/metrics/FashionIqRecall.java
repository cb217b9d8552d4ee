package dev.cir.eval.metrics;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * FashionIQ's per-category Recall@10 and @50 and their average, as CLIP4Cir reports them ({@code
 * validate.py}, {@code main}: {@code statistics.mean} over the categories' percents).
 */
public final class FashionIqRecall {
  private FashionIqRecall() {}

  /**
   * Combines per-category reports of {@link RecallProtocol#FASHION_IQ} into {@code
   * <category>.recall@K} for each category, in the given order, then {@code average.recall@K}.
   *
   * @throws IllegalArgumentException if there is no category or a report lacks a metric
   */
  public static RecallReport combine(Map<String, RecallReport> byCategory) {
    if (byCategory.isEmpty()) {
      throw new IllegalArgumentException("no FashionIQ category to combine");
    }
    Map<String, Double> metrics = new LinkedHashMap<>();
    List<Miss> misses = new ArrayList<>();
    int queries = 0;
    for (Map.Entry<String, RecallReport> e : byCategory.entrySet()) {
      for (int k : RecallProtocol.FASHION_IQ.ks()) {
        metrics.put(e.getKey() + ".recall@" + k, e.getValue().get("recall@" + k));
      }
      misses.addAll(e.getValue().misses());
      queries += e.getValue().queries();
    }
    for (int k : RecallProtocol.FASHION_IQ.ks()) {
      List<Double> values = new ArrayList<>();
      for (RecallReport r : byCategory.values()) {
        values.add(r.get("recall@" + k));
      }
      metrics.put("average.recall@" + k, mean(values));
    }
    return new RecallReport(metrics, queries, 0, misses);
  }

  /** Python's {@code statistics.mean}: the exact mean, rounded once to a double. */
  static double mean(List<Double> values) {
    BigDecimal sum = BigDecimal.ZERO;
    for (double v : values) {
      sum = sum.add(new BigDecimal(v));
    }
    return sum.divide(BigDecimal.valueOf(values.size()), new MathContext(60)).doubleValue();
  }
}
