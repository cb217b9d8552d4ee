package dev.cir.eval.metrics;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Recall metrics in percent, in a fixed order, with the queries behind them and every target that
 * could not be retrieved at all.
 *
 * @param metrics metric name ({@code recall@10}, {@code recall_subset@1}, {@code dress.recall@10},
 *     ...) to percent
 * @param queries the queries scored for {@code recall@K}
 * @param subsetQueries the queries with members, scored for {@code recall_subset@K}
 */
public record RecallReport(
    Map<String, Double> metrics, int queries, int subsetQueries, List<Miss> misses) {

  public RecallReport {
    metrics = Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
    misses = List.copyOf(misses);
  }

  /** The percent for {@code name}. */
  public double get(String name) {
    Double v = metrics.get(name);
    if (v == null) {
      throw new IllegalArgumentException("no metric '" + name + "'; have " + metrics.keySet());
    }
    return v;
  }

  /** The misses for one reason. */
  public List<Miss> misses(Miss.Reason reason) {
    return misses.stream().filter(m -> m.reason() == reason).toList();
  }
}
