package dev.cir.eval.metrics;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.cir.clip.io.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The metric map as JSON: one object, metric name to percent, in the report's order, e.g. {@code
 * {"recall@1": 44.82, ...}}. Values are written in full (shortest round-trip form), so reading the
 * file back gives the same doubles.
 */
public final class MetricsJson {
  private static final Gson GSON =
      new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();

  private MetricsJson() {}

  public static String toJson(Map<String, Double> metrics) {
    return GSON.toJson(object(metrics)) + "\n";
  }

  private static JsonObject object(Map<String, Double> metrics) {
    JsonObject o = new JsonObject();
    metrics.forEach(
        (name, value) -> {
          if (value == null || !Double.isFinite(value)) {
            throw new IllegalArgumentException("metric '" + name + "' is " + value);
          }
          o.addProperty(name, value);
        });
    return o;
  }

  /** Writes {@link #toJson} to {@code file} atomically. */
  public static void write(Map<String, Double> metrics, Path file) throws IOException {
    AtomicFiles.writeString(file, toJson(metrics));
  }

  /** Several rows of metrics as one object of objects, e.g. {@code {"image": {"recall@1": 7.6, ...}, "sum": {...}}}. */
  public static String rowsToJson(Map<String, Map<String, Double>> rows) {
    JsonObject o = new JsonObject();
    rows.forEach((row, metrics) -> o.add(row, object(metrics)));
    return GSON.toJson(o) + "\n";
  }

  /** Writes {@link #rowsToJson} to {@code file} atomically. */
  public static void writeRows(Map<String, Map<String, Double>> rows, Path file) throws IOException {
    AtomicFiles.writeString(file, rowsToJson(rows));
  }

  /**
   * Reads a file written by {@link #write}, keeping its order.
   *
   * @throws IllegalArgumentException naming the file when it is not such an object
   */
  public static Map<String, Double> read(Path file) throws IOException {
    JsonElement e = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8));
    if (!e.isJsonObject()) {
      throw new IllegalArgumentException(file + ": expected a JSON object of metrics");
    }
    Map<String, Double> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonElement> m : e.getAsJsonObject().entrySet()) {
      JsonElement v = m.getValue();
      if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isNumber()) {
        throw new IllegalArgumentException(file + ": metric '" + m.getKey() + "' is not a number");
      }
      out.put(m.getKey(), v.getAsDouble());
    }
    return out;
  }
}
