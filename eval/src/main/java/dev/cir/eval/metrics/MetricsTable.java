package dev.cir.eval.metrics;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A plain-text table of metrics for a terminal: one metric a line, percent with two decimals (as
 * papers report them), and below it the query counts and every target that could not be retrieved.
 */
public final class MetricsTable {
  /** How many missed target ids a table lists per reason before it only counts. */
  static final int SHOWN_MISSES = 10;

  private MetricsTable() {}

  public static String format(Map<String, Double> metrics) {
    int width = "metric".length();
    for (String name : metrics.keySet()) {
      width = Math.max(width, name.length());
    }
    String row = "%-" + width + "s  %7.2f%n";
    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT, "%-" + width + "s  %7s%n", "metric", "percent"));
    out.append("-".repeat(width)).append("  ").append("-".repeat(7)).append(System.lineSeparator());
    for (Map.Entry<String, Double> e : metrics.entrySet()) {
      out.append(String.format(Locale.ROOT, row, e.getKey(), e.getValue()));
    }
    return out.toString();
  }

  /**
   * Several rows of the same metrics side by side: a row per key of {@code rows} (its name in the
   * first column, headed {@code label}), a column per metric, percent with two decimals.
   */
  public static String formatRows(String label, Map<String, Map<String, Double>> rows) {
    int first = label.length();
    for (String name : rows.keySet()) {
      first = Math.max(first, name.length());
    }
    List<String> metrics = List.copyOf(rows.values().iterator().next().keySet());
    StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "%-" + first + "s", label));
    StringBuilder rule = new StringBuilder("-".repeat(first));
    for (String m : metrics) {
      int w = Math.max(7, m.length());
      out.append("  ").append(String.format(Locale.ROOT, "%" + w + "s", m));
      rule.append("  ").append("-".repeat(w));
    }
    out.append(System.lineSeparator()).append(rule).append(System.lineSeparator());
    for (Map.Entry<String, Map<String, Double>> r : rows.entrySet()) {
      out.append(String.format(Locale.ROOT, "%-" + first + "s", r.getKey()));
      for (String m : metrics) {
        Double v = r.getValue().get(m);
        int w = Math.max(7, m.length());
        out.append("  ").append(v == null ? " ".repeat(w - 1) + "-" : String.format(Locale.ROOT, "%" + w + ".2f", v));
      }
      out.append(System.lineSeparator());
    }
    return out.toString();
  }

  public static String format(RecallReport report) {
    StringBuilder out = new StringBuilder(format(report.metrics()));
    out.append(String.format(Locale.ROOT, "queries: %d", report.queries()));
    if (report.subsetQueries() > 0) {
      out.append(String.format(Locale.ROOT, " (with members: %d)", report.subsetQueries()));
    }
    out.append(System.lineSeparator());
    for (Miss.Reason reason : Miss.Reason.values()) {
      List<Miss> misses = report.misses(reason);
      if (misses.isEmpty()) {
        continue;
      }
      out.append(
          String.format(
              Locale.ROOT, "missed: %d targets %s:", misses.size(), reason.description()));
      for (Miss m : misses.subList(0, Math.min(SHOWN_MISSES, misses.size()))) {
        out.append(' ').append(m.target()).append(" (query ").append(m.queryId()).append(')');
      }
      if (misses.size() > SHOWN_MISSES) {
        out.append(" ... and ").append(misses.size() - SHOWN_MISSES).append(" more");
      }
      out.append(System.lineSeparator());
    }
    return out.toString();
  }
}
