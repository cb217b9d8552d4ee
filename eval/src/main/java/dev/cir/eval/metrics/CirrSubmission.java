package dev.cir.eval.metrics;

import dev.cir.clip.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The two files CIRR's evaluation server takes for {@code test1}, as CLIP4Cir writes them ({@code
 * cirr_test_submission.py}, {@code generate_cirr_test_submissions}): {@code {"version": "rc2",
 * "metric": "recall", "<pairid>": [top 50 names]}} and the same with {@code "recall_subset"} and
 * the top 3 members. The reference is removed from both rankings; the subset ranking is the full
 * ranking restricted to the members. The JSON text is byte-for-byte what Python's {@code
 * json.dump(..., sort_keys=True)} writes.
 */
public final class CirrSubmission {
  public static final int TOP = 50;
  public static final int SUBSET_TOP = 3;

  private final Map<String, List<String>> recall;
  private final Map<String, List<String>> subset;

  private CirrSubmission(Map<String, List<String>> recall, Map<String, List<String>> subset) {
    this.recall = recall;
    this.subset = subset;
  }

  /**
   * @throws IllegalArgumentException if the counts differ or two queries share an id
   */
  public static CirrSubmission of(List<Ranking> rankings, List<RetrievalQuery> queries) {
    if (rankings.size() != queries.size()) {
      throw new IllegalArgumentException(
          rankings.size() + " rankings for " + queries.size() + " queries");
    }
    Map<String, List<String>> recall = new TreeMap<>();
    Map<String, List<String>> subset = new TreeMap<>();
    for (int q = 0; q < queries.size(); q++) {
      RetrievalQuery query = queries.get(q);
      Ranking ranking = rankings.get(q);
      List<String> previous = recall.put(query.id(), ranking.top(TOP, query.reference()));
      if (previous != null) {
        throw new IllegalArgumentException("query id '" + query.id() + "' repeats");
      }
      subset.put(query.id(), ranking.topAmong(SUBSET_TOP, query.members(), query.reference()));
    }
    return new CirrSubmission(
        Collections.unmodifiableMap(recall), Collections.unmodifiableMap(subset));
  }

  /** pairid to the top {@value #TOP} names. */
  public Map<String, List<String>> recall() {
    return recall;
  }

  /** pairid to the top {@value #SUBSET_TOP} members. */
  public Map<String, List<String>> subset() {
    return subset;
  }

  public String recallJson() {
    return json("recall", recall);
  }

  public String subsetJson() {
    return json("recall_subset", subset);
  }

  /**
   * Writes {@code recall_submission_<name>.json} and {@code recall_subset_submission_<name>.json}
   * (CLIP4Cir's file names) into {@code dir}.
   *
   * @return the two files, recall first
   */
  public List<Path> writeTo(Path dir, String name) throws IOException {
    Path r = dir.resolve("recall_submission_" + name + ".json");
    Path s = dir.resolve("recall_subset_submission_" + name + ".json");
    AtomicFiles.writeString(r, recallJson());
    AtomicFiles.writeString(s, subsetJson());
    return List.of(r, s);
  }

  /** Python's {@code json.dumps(d, sort_keys=True)}: keys sorted, ", " and ": " separators. */
  private static String json(String metric, Map<String, List<String>> predictions) {
    TreeMap<String, Object> all = new TreeMap<>(predictions);
    all.put("version", "rc2");
    all.put("metric", metric);
    StringBuilder out = new StringBuilder();
    out.append('{');
    boolean first = true;
    for (Map.Entry<String, Object> e : all.entrySet()) {
      if (!first) {
        out.append(", ");
      }
      first = false;
      string(out, e.getKey()).append(": ");
      if (e.getValue() instanceof String s) {
        string(out, s);
      } else {
        List<String> names = new ArrayList<>();
        for (Object o : (List<?>) e.getValue()) {
          names.add((String) o);
        }
        out.append('[');
        for (int i = 0; i < names.size(); i++) {
          if (i > 0) {
            out.append(", ");
          }
          string(out, names.get(i));
        }
        out.append(']');
      }
    }
    return out.append('}').toString();
  }

  /** A JSON string as Python's {@code ensure_ascii=True} writes it. */
  static StringBuilder string(StringBuilder out, String s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        default -> {
          if (c < 0x20 || c > 0x7e) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.append('"');
  }
}
