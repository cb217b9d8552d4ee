package dev.cir.eval.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Several models or combination modes side by side, one row each, as CLIP4Cir's ablation tables
 * lay them out: a Markdown table (readable in a terminal too) with the percentages to two decimals.
 * A metric a row lacks is shown as a dash.
 */
public final class ComparisonTable {
  private final Map<String, Map<String, Double>> rows = new LinkedHashMap<>();

  /** Adds (or replaces) a row, in insertion order. */
  public ComparisonTable row(String name, Map<String, Double> metrics) {
    rows.put(name, Map.copyOf(metrics));
    return this;
  }

  public Map<String, Map<String, Double>> rows() {
    return java.util.Collections.unmodifiableMap(rows);
  }

  /** The union of the rows' metrics: recall@K by K, then recall_subset@K by K, then the rest by name. */
  public List<String> columns() {
    List<String> cols = new ArrayList<>();
    for (Map<String, Double> m : rows.values()) {
      m.keySet().stream().filter(k -> !cols.contains(k)).forEach(cols::add);
    }
    cols.sort(ComparisonTable::byMetric);
    return cols;
  }

  /** recall@K before recall_subset@K, each by K, then anything else by name. */
  static int byMetric(String a, String b) {
    int ga = group(a);
    int gb = group(b);
    if (ga != gb) {
      return Integer.compare(ga, gb);
    }
    return ga < 2 ? Integer.compare(k(a), k(b)) : a.compareTo(b);
  }

  private static int group(String m) {
    return m.startsWith("recall@") ? 0 : m.startsWith("recall_subset@") ? 1 : 2;
  }

  private static int k(String m) {
    try {
      return Integer.parseInt(m.substring(m.indexOf('@') + 1));
    } catch (NumberFormatException e) {
      return Integer.MAX_VALUE;
    }
  }

  /** Short column headers: R@1, Rs@1. */
  static String header(String metric) {
    return metric.replace("recall_subset@", "Rs@").replace("recall@", "R@");
  }

  public String markdown() {
    List<String> cols = columns();
    int w = "model".length();
    for (String name : rows.keySet()) {
      w = Math.max(w, name.length());
    }
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "| %-" + w + "s |", "model"));
    for (String c : cols) {
      sb.append(String.format(Locale.ROOT, " %6s |", header(c)));
    }
    sb.append('\n').append("| ").append("-".repeat(w)).append(" |");
    cols.forEach(c -> sb.append(" -----: |"));
    sb.append('\n');
    for (Map.Entry<String, Map<String, Double>> r : rows.entrySet()) {
      sb.append(String.format(Locale.ROOT, "| %-" + w + "s |", r.getKey()));
      for (String c : cols) {
        Double v = r.getValue().get(c);
        sb.append(v == null ? String.format(Locale.ROOT, " %6s |", "-") : String.format(Locale.ROOT, " %6.2f |", v));
      }
      sb.append('\n');
    }
    return sb.toString();
  }
}
