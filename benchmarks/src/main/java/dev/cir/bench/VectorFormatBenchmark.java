package dev.cir.bench;

import dev.cir.solr.codec.VectorFormat;
import dev.cir.solr.config.EmbeddedSolr;
import dev.cir.solr.search.FusedVector;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.solr.client.solrj.SolrClient;
import org.apache.solr.client.solrj.SolrRequest;
import org.apache.solr.client.solrj.impl.Http2SolrClient;
import org.apache.solr.client.solrj.response.QueryResponse;
import org.apache.solr.common.SolrInputDocument;
import org.apache.solr.common.params.ModifiableSolrParams;

/**
 * The vector formats side by side ({@code cir bench solr --vector-format float,int8,int4}): the same
 * clustered vectors indexed into a Solr of each format, the same queries, and per format and size the
 * index time, the segments, the bytes a search reads (the graph and the vectors it compares: float
 * or quantized) and the bytes on disk, and recall@10 against brute force with p50 over the candidate
 * counts, for {@code {!knn}} (the graph's own scores) and {@code {!cir}} (which rescores the
 * candidates of a quantized field with the raw floats).
 */
final class VectorFormatBenchmark {
  record Settings(
      List<Integer> sizes, List<VectorFormat> formats, int dimension, int queries, int warmup, List<Integer> topKs, int clusters, Path bundle, Path work,
      boolean optimize, int maxConnections, int beamWidth) {}

  /** One measurement; {@code mergeSeconds} is that of the forceMerge to one segment before it, or -1 when it follows indexing. */
  record Row(
      VectorFormat format, int docs, double indexSeconds, double mergeSeconds, int segments, long hotBytes, long diskBytes, double[] knnRecall,
      double[] knnP50, double[] cirRecall, double[] cirP50) {}

  private final Settings s;
  private final Consumer<String> log;

  VectorFormatBenchmark(Settings s, Consumer<String> log) {
    this.s = s;
    this.log = log;
  }

  String run() throws Exception {
    Path bundleDir = s.bundle() != null ? s.bundle() : SolrBenchmark.randomBundle(s.work(), log);
    int max = s.sizes().get(s.sizes().size() - 1);
    // the same vectors and queries for every format
    SplittableRandom random = new SplittableRandom(42);
    float[][] centers = new float[s.clusters()][];
    for (int c = 0; c < centers.length; c++) {
      centers[c] = SolrBenchmark.gaussian(random, s.dimension(), 1f);
    }
    float[][] vectors = new float[max][];
    for (int i = 0; i < max; i++) {
      float[] c = centers[random.nextInt(centers.length)];
      float[] v = SolrBenchmark.gaussian(random, s.dimension(), 0.6f);
      for (int k = 0; k < v.length; k++) {
        v[k] += c[k];
      }
      vectors[i] = v;
    }
    float[][] queries = new float[s.warmup() + s.queries()][];
    for (int q = 0; q < queries.length; q++) {
      float[] v = SolrBenchmark.gaussian(random, s.dimension(), 0.3f);
      float[] base = vectors[random.nextInt(s.sizes().get(0))];
      for (int k = 0; k < v.length; k++) {
        v[k] += base[k];
      }
      queries[q] = v;
    }
    Map<Integer, int[][]> exact = new LinkedHashMap<>();
    for (int n : s.sizes()) {
      log.accept("exact top 10 of " + s.queries() + " queries over " + n + " vectors");
      int[][] e = new int[s.queries()][];
      for (int q = 0; q < s.queries(); q++) {
        e[q] = SolrBenchmark.exactTop10(vectors, n, queries[s.warmup() + q], -1);
      }
      exact.put(n, e);
    }
    // {!knn} and {!cir} on a float field make equal Lucene queries: without this the second would be a cache hit
    System.setProperty("cir.queryResultCacheSize", System.getProperty("cir.queryResultCacheSize", "0"));
    System.setProperty("solr.ramBufferSizeMB", System.getProperty("solr.ramBufferSizeMB", "1024"));
    System.setProperty("solr.autoCommit.maxTime", System.getProperty("solr.autoCommit.maxTime", "-1"));
    List<Row> rows = new ArrayList<>();
    for (VectorFormat f : s.formats()) {
      Path home = s.work().resolve("solr-" + f.label());
      deleteTree(home);
      EmbeddedSolr.Options o =
          new EmbeddedSolr.Options(0, bundleDir, home, null, 1, 1, null, null, f).withHnsw(s.maxConnections(), s.beamWidth());
      try (EmbeddedSolr solr = EmbeddedSolr.start(o);
          SolrClient client = new Http2SolrClient.Builder(solr.baseUrl()).build()) {
        log.accept(f.label() + ": Solr at " + solr.baseUrl());
        int indexed = 0;
        double seconds = 0;
        Path index = home.resolve(EmbeddedSolr.COLLECTION).resolve("data/index");
        for (int n : s.sizes()) {
          long t0 = System.nanoTime();
          index(client, vectors, indexed, n);
          indexed = n;
          seconds += (System.nanoTime() - t0) / 1e9;
          int segments = SolrBenchmark.segments(client);
          log.accept(String.format(Locale.ROOT, "%s: %d documents in %.0f s, %d segments; querying", f.label(), n, seconds, segments));
          rows.add(measure(client, f, n, seconds, -1, segments, bytes(index, f), queries, exact.get(n)));
          if (s.optimize() && segments > 1) {
            log.accept(f.label() + ": forceMerge to one segment");
            long m0 = System.nanoTime();
            client.optimize(EmbeddedSolr.COLLECTION, true, true, 1);
            double merge = (System.nanoTime() - m0) / 1e9;
            seconds += merge;
            log.accept(String.format(Locale.ROOT, "%s: merged in %.0f s; querying", f.label(), merge));
            rows.add(measure(client, f, n, seconds, merge, SolrBenchmark.segments(client), bytes(index, f), queries, exact.get(n)));
          }
        }
      }
    }
    return report(rows);
  }

  private void index(SolrClient client, float[][] vectors, int from, int to) throws Exception {
    ExecutorService senders = Executors.newFixedThreadPool(2);
    try {
      List<Future<?>> pending = new ArrayList<>();
      for (int start = from; start < to; start += 1000) {
        List<SolrInputDocument> docs = new ArrayList<>(1000);
        for (int i = start; i < Math.min(to, start + 1000); i++) {
          SolrInputDocument d = new SolrInputDocument();
          d.addField("id", "d" + i);
          List<Float> l = new ArrayList<>(vectors[i].length);
          for (float x : vectors[i]) {
            l.add(x);
          }
          d.addField("clip_vector", l);
          docs.add(d);
        }
        pending.add(senders.submit(() -> client.add(EmbeddedSolr.COLLECTION, docs)));
        while (pending.size() > 4) {
          pending.remove(0).get();
        }
        if ((start / 1000) % 100 == 0) {
          log.accept("  sent " + start + " documents");
        }
      }
      for (Future<?> p : pending) {
        p.get();
      }
    } finally {
      senders.shutdown();
    }
    client.commit(EmbeddedSolr.COLLECTION);
  }

  /**
   * Bytes of the index: {hot, disk}. Hot: the HNSW graph (.vex) and the vectors a search compares,
   * the quantized ones (.veq) of int8/int4, the floats (.vec) of float.
   */
  static long[] bytes(Path index, VectorFormat f) throws IOException {
    long hot = 0;
    long disk = 0;
    try (Stream<Path> files = Files.walk(index)) {
      for (Path p : files.filter(Files::isRegularFile).toList()) {
        long size = Files.size(p);
        String name = p.getFileName().toString();
        disk += size;
        if (name.endsWith(".vex") || (f.quantized() ? name.endsWith(".veq") : name.endsWith(".vec"))) {
          hot += size;
        }
      }
    }
    return new long[] {hot, disk};
  }

  private Row measure(
      SolrClient client, VectorFormat f, int n, double seconds, double merge, int segments, long[] bytes, float[][] queries, int[][] exact)
      throws Exception {
    int k = s.topKs().size();
    double[] knnRecall = new double[k];
    double[] cirRecall = new double[k];
    double[][] knnMs = new double[k][s.queries()];
    double[][] cirMs = new double[k][s.queries()];
    for (int q = 0; q < queries.length; q++) {
      String v = FusedVector.format(queries[q]);
      for (int t = 0; t < k; t++) {
        int topK = s.topKs().get(t);
        ModifiableSolrParams knn = new ModifiableSolrParams();
        knn.set("q", "{!knn f=clip_vector topK=" + topK + "}" + v);
        knn.set("rows", 10);
        knn.set("fl", "id");
        ModifiableSolrParams cir = new ModifiableSolrParams();
        cir.set("q", "{!cir refVector=$v combine=image topK=" + topK + "}");
        cir.set("v", v);
        cir.set("rows", 10);
        cir.set("fl", "id");
        long a = System.nanoTime();
        QueryResponse kr = client.query(EmbeddedSolr.COLLECTION, knn, SolrRequest.METHOD.POST);
        double kMs = (System.nanoTime() - a) / 1e6;
        a = System.nanoTime();
        QueryResponse cr = client.query(EmbeddedSolr.COLLECTION, cir, SolrRequest.METHOD.POST);
        double cMs = (System.nanoTime() - a) / 1e6;
        if (q >= s.warmup()) {
          int i = q - s.warmup();
          knnMs[t][i] = kMs;
          cirMs[t][i] = cMs;
          knnRecall[t] += SolrBenchmark.recall(kr, exact[i]) / s.queries();
          cirRecall[t] += SolrBenchmark.recall(cr, exact[i]) / s.queries();
        }
      }
    }
    double[] knnP50 = new double[k];
    double[] cirP50 = new double[k];
    for (int t = 0; t < k; t++) {
      knnP50[t] = SolrBenchmark.percentile(knnMs[t], 50);
      cirP50[t] = SolrBenchmark.percentile(cirMs[t], 50);
    }
    return new Row(f, n, seconds, merge, segments, bytes[0], bytes[1], knnRecall, knnP50, cirRecall, cirP50);
  }

  private String report(List<Row> rows) {
    StringBuilder b = new StringBuilder();
    b.append("Machine: ").append(MachineDescription.describe()).append("\n\n");
    b.append(String.format(Locale.ROOT, "%d-dimensional clustered vectors (%d clusters), %d queries after %d untimed; recall@10 against brute force;"
        + " the query result cache off (cir.queryResultCacheSize=%s); HNSW hnswMaxConnections %d, hnswBeamWidth %d.%n%n", s.dimension(), s.clusters(),
        s.queries(), s.warmup(), System.getProperty("cir.queryResultCacheSize"), s.maxConnections(), s.beamWidth()));
    b.append("Index s: the time from an empty index to that size (documents sent by 2 threads in batches of 1000, then a commit),"
        + " merge s: a forceMerge to one segment after it (--optimize), included in the index s of the rows that follow.\n\n");
    b.append("| format | docs | index s | merge s | segments | hot MB | hot / float | disk MB |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for (Row r : rows) {
      Row flt = rows.stream().filter(x -> x.docs() == r.docs() && x.format() == VectorFormat.FLOAT && x.mergeSeconds() < 0 == r.mergeSeconds() < 0)
          .findFirst().orElse(null);
      b.append(String.format(Locale.ROOT, "| %s | %,d | %.0f | %s | %d | %.1f | %s | %.1f |%n", r.format().label(), r.docs(), r.indexSeconds(),
          r.mergeSeconds() < 0 ? "" : String.format(Locale.ROOT, "%.0f", r.mergeSeconds()), r.segments(),
          r.hotBytes() / 1e6, flt == null ? "" : String.format(Locale.ROOT, "%.2f", r.hotBytes() / (double) flt.hotBytes()), r.diskBytes() / 1e6));
    }
    b.append("\nrecall@10 / p50 ms per candidate count (topK): `{!knn}` ranks by the graph's own vectors, `{!cir}` rescores a quantized field's candidates with the raw floats.\n\n");
    b.append("| format | docs | query |");
    for (int t : s.topKs()) {
      b.append(" topK ").append(t).append(" |");
    }
    b.append("\n| --- | ---: | --- |");
    for (int i = 0; i < s.topKs().size(); i++) {
      b.append(" ---: |");
    }
    b.append('\n');
    for (Row r : rows) {
      for (int which = 0; which < 2; which++) {
        b.append(String.format(Locale.ROOT, "| %s | %,d%s | %s |", r.format().label(), r.docs(), r.mergeSeconds() < 0 ? "" : ", 1 segment",
            which == 0 ? "{!knn}" : "{!cir}"));
        for (int t = 0; t < s.topKs().size(); t++) {
          double rec = which == 0 ? r.knnRecall()[t] : r.cirRecall()[t];
          double ms = which == 0 ? r.knnP50()[t] : r.cirP50()[t];
          b.append(String.format(Locale.ROOT, " %.3f / %.1f |", rec, ms));
        }
        b.append('\n');
      }
    }
    return b.toString();
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
