package dev.cir.train.log;

import dev.cir.clip.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** {@code metrics.csv}: one row per finished epoch, every metric the run recorded as a column. */
public final class MetricsCsv {
  private MetricsCsv() {}

  /** Rewrites the file from every epoch's metrics (a resumed run rewrites it whole). */
  public static void write(Path file, List<Map<String, Double>> epochs) throws IOException {
    Set<String> columns = new LinkedHashSet<>();
    epochs.forEach(e -> columns.addAll(e.keySet()));
    StringBuilder sb = new StringBuilder(String.join(",", columns)).append('\n');
    for (Map<String, Double> e : epochs) {
      boolean first = true;
      for (String c : columns) {
        if (!first) {
          sb.append(',');
        }
        first = false;
        Double v = e.get(c);
        if (v != null && !v.isNaN()) {
          sb.append(v == Math.rint(v) && Math.abs(v) < 1e15 ? String.format(Locale.ROOT, "%d", v.longValue()) : String.format(Locale.ROOT, "%.6g", v));
        }
      }
      sb.append('\n');
    }
    AtomicFiles.writeString(file, sb.toString());
  }
}
