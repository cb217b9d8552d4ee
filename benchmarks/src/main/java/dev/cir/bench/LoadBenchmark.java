package dev.cir.bench;

import dev.cir.clip.bundle.ModelBundle;
import dev.cir.clip.model.Precision;
import dev.cir.clip.text.ClipTokenizer;
import dev.cir.solr.config.EmbeddedSolr;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.apache.solr.client.solrj.SolrClient;
import org.apache.solr.client.solrj.impl.Http2SolrClient;
import org.apache.solr.common.SolrInputDocument;

/**
 * Concurrent traffic against Solr's encoders, every setting in one run: for each {@code maxBatch}
 * (precision, passes) a real Solr ({@link EmbeddedSolr}, in this process) with the bundle and a
 * collection of random raw image features; then each client count in turn sends {@code {!cir
 * ref=RANDOM}caption} with a caption never sent before, to the settings' Solrs in turns of a few
 * seconds (so a drift of the shared machine falls on every setting alike) or to one Solr after
 * another. Reports queries/s, p50 / p99, errors, the text tower's mean
 * batch (from Solr's metrics registry) and resident memory, and the ceiling this machine's
 * float32 GEMM rate (measured first, in the same run) allows for the FLOPs one query needs.
 */
public final class LoadBenchmark {
  /**
   * @param sliceSeconds the Solrs of every setting take turns at each client count, this many
   *     seconds at a time, until each has had {@code seconds}; 0: each Solr runs its rows in one go,
   *     one Solr after another
   */
  public record Settings(Path bundle, Path work, List<Integer> maxBatches, List<Integer> clients, int seconds, int warmupSeconds,
      int warmupMaxSeconds, int docs, int predictors, List<Precision> precisions, List<EncoderBenchmark.Passes> passes, int sliceSeconds) {
    public Settings {
      precisions = precisions == null || precisions.isEmpty() ? List.of(Precision.FLOAT32) : List.copyOf(precisions);
      passes = passes == null || passes.isEmpty() ? List.of(EncoderBenchmark.Passes.FUSED) : List.copyOf(passes);
    }
  }

  private record Run(
      Precision precision, EncoderBenchmark.Passes passes, int maxBatch, LoadTest.Result result, Tower text, Tower combiner, Warmup warmup, double jit) {}

  /**
   * The warm-up of one Solr: its seconds, and the JIT compiler's time per second of clock over its
   * last slice.
   */
  record Warmup(double seconds, double jit) {}

  /**
   * The warm-up goes on, 5 s at a time, while the JIT compilers spend more than this share of the
   * clock: under full load they compete with the encoder's workers for the cores, and a row
   * measured while they still compile Solr's, Jetty's and Lucene's paths measures the warm-up.
   */
  static final double JIT_SETTLED = 0.05;

  private static final int WARMUP_SLICE_SECONDS = 5;

  /** The JVM's accumulated compile time in ms (every compiler thread), or -1 where it is not measured. */
  static long compileMillis() {
    CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : -1;
  }

  /** Compile time per second of clock between two {@link #compileMillis} readings, NaN if not measured. */
  static double jitShare(long compileBefore, long compileAfter, long nanos) {
    return compileBefore < 0 || compileAfter < 0 || nanos <= 0 ? Double.NaN : (compileAfter - compileBefore) / (nanos / 1e6);
  }

  /** The JIT compilers' share of the clock since this was made. */
  private static final class JitClock {
    private final long compiled = compileMillis();
    private final long start = System.nanoTime();

    double share() {
      return jitShare(compiled, compileMillis(), System.nanoTime() - start);
    }

    /** Compile time since this was made in ms, -1 where it is not measured. */
    long compiledMillis() {
      long now = compileMillis();
      return compiled < 0 || now < 0 ? -1 : now - compiled;
    }

    long nanos() {
      return System.nanoTime() - start;
    }
  }

  /** One setting: a Solr of its own. */
  private record Setting(Precision precision, EncoderBenchmark.Passes passes, int maxBatch) {
    @Override
    public String toString() {
      return precision + ", " + passes + " passes, maxBatch " + maxBatch;
    }
  }

  /** A setting's Solr, started, indexed and warmed up. */
  private record Live(Setting setting, EmbeddedSolr solr, SolrClient client, Warmup warmup) implements AutoCloseable {
    @Override
    public void close() throws Exception {
      try (EmbeddedSolr s = solr) {
        client.close();
      }
    }
  }

  /** A setting's turns at one client count: their results, and the compilers' time and the clock over them. */
  private static final class Turns {
    final Live live;
    final Map<String, Double> before;
    final List<LoadTest.Result> parts = new ArrayList<>();
    long compiledMillis;
    long nanos;

    Turns(Live live) throws Exception {
      this.live = live;
      this.before = towers(live.solr().baseUrl());
    }

    /** Adds a turn's compile time and clock. */
    void add(JitClock turn) {
      long ms = turn.compiledMillis();
      compiledMillis = compiledMillis < 0 || ms < 0 ? -1 : compiledMillis + ms;
      nanos += turn.nanos();
    }

    double jit() {
      return compiledMillis < 0 ? Double.NaN : jitShare(0, compiledMillis, nanos);
    }
  }

  /** One tower over one run: rows a pass, mean wait of a request for its pass, mean pass time. */
  record Tower(double meanBatch, double queueMs, double forwardMs) {
    /** The run's own figures from the registry's counts and means since start, before and after it. */
    static Tower between(Map<String, Double> before, Map<String, Double> after) {
      double passes = after.get("passes") - before.get("passes");
      double requests = after.get("requests") - before.get("requests");
      double rows = after.get("rows") - before.get("rows");
      double queue = after.get("meanQueueMs") * after.get("requests") - before.get("meanQueueMs") * before.get("requests");
      double forward = after.get("meanForwardMs") * after.get("passes") - before.get("meanForwardMs") * before.get("passes");
      return new Tower(passes == 0 ? 0 : rows / passes, requests == 0 ? 0 : queue / requests, passes == 0 ? 0 : forward / passes);
    }
  }

  private final Settings s;
  private final Consumer<String> log;

  public LoadBenchmark(Settings s, Consumer<String> log) {
    this.s = s;
    this.log = log;
  }

  public String run() throws Exception {
    String machine = MachineDescription.describe();
    log.accept("machine: " + machine);
    double gemm = EncoderBenchmark.gemmGflops(2048, log);
    Path bundleDir = s.bundle() != null ? s.bundle() : SolrBenchmark.randomBundle(s.work(), log);
    ModelBundle bundle = ModelBundle.open(bundleDir);
    if (!bundle.manifest().hasCombiner()) {
      throw new IllegalArgumentException("the load benchmark measures {!cir} with a Combiner; " + bundleDir + " has none");
    }
    List<String> words = SolrBenchmark.vocabulary();
    double tokens = meanTokens(bundle, words);
    int[] c = bundle.manifest().combinerSizes();
    // text tower at the captions' length, then the Combiner on one row (its linear layers, 2 FLOPs per multiply-add)
    double combinerFlops = 2.0 * (2.0 * c[0] * c[1] + 2.0 * (2.0 * c[1] * c[2]) + c[2] + (double) c[2] * c[0]);
    double queryFlops = ModelFlops.text(bundle.manifest().config(), (int) Math.round(tokens)) + combinerFlops;
    double ceiling = gemm * 1e9 / queryFlops;
    long pid = ProcessHandle.current().pid();

    List<Setting> settings = new ArrayList<>();
    for (Precision precision : s.precisions()) {
      for (EncoderBenchmark.Passes passes : s.passes()) {
        for (int maxBatch : s.maxBatches()) {
          settings.add(new Setting(precision, passes, maxBatch));
        }
      }
    }
    int dim = bundle.manifest().embeddingDim();
    List<Run> runs = new ArrayList<>();
    if (s.sliceSeconds() <= 0) {
      for (Setting setting : settings) {
        try (Live live = start(setting, bundleDir, dim, words)) {
          for (int clients : s.clients()) {
            runs.addAll(turns(List.of(live), clients, s.seconds(), pid, words));
          }
        }
      }
    } else {
      List<Live> lives = new ArrayList<>();
      try {
        for (Setting setting : settings) {
          lives.add(start(setting, bundleDir, dim, words));
        }
        for (int clients : s.clients()) {
          runs.addAll(turns(lives, clients, s.sliceSeconds(), pid, words));
        }
      } finally {
        for (Live live : lives) {
          live.close();
        }
      }
    }
    // the table by setting, each setting's client counts in their order
    runs.sort(Comparator.comparingInt(r -> settings.indexOf(new Setting(r.precision(), r.passes(), r.maxBatch()))));
    return report(machine, bundle, gemm, tokens, queryFlops, ceiling, runs);
  }

  /** Starts a setting's Solr, indexes the documents and warms it up at the most clients. */
  private Live start(Setting setting, Path bundleDir, int dim, List<String> words) throws Exception {
    EmbeddedSolr.Options o =
        new EmbeddedSolr.Options(0, bundleDir, null, null, s.predictors(), setting.maxBatch(), setting.precision(), null, null)
            .withFusedPasses(setting.passes() == EncoderBenchmark.Passes.FUSED);
    EmbeddedSolr solr = EmbeddedSolr.start(o);
    SolrClient client = null;
    try {
      client = new Http2SolrClient.Builder(solr.baseUrl()).build();
      log.accept("Solr at " + solr.baseUrl() + ", " + setting + "; indexing " + s.docs() + " documents");
      index(client, dim);
      int most = s.clients().stream().mapToInt(Integer::intValue).max().orElse(1);
      return new Live(setting, solr, client, warmUp(solr.baseUrl(), most, words));
    } catch (Exception | Error e) {
      try (EmbeddedSolr closing = solr) {
        if (client != null) {
          client.close();
        }
      }
      throw e;
    }
  }

  /**
   * Each Solr of {@code lives} in turn, {@code slice} seconds at a time, until each has had
   * {@code --seconds} at {@code clients}: a drift of the shared machine during the runs falls on
   * every setting alike.
   */
  private List<Run> turns(List<Live> lives, int clients, int slice, long pid, List<String> words) throws Exception {
    List<Turns> all = new ArrayList<>();
    for (Live live : lives) {
      all.add(new Turns(live));
    }
    int rounds = (s.seconds() + slice - 1) / slice;
    for (int done = 0, round = 1; done < s.seconds(); done += slice, round++) {
      int seconds = Math.min(slice, s.seconds() - done);
      for (Turns t : all) {
        log.accept(t.live.setting() + ", " + clients + " client(s), " + seconds + " s" + (rounds > 1 ? " (turn " + round + " of " + rounds + ")" : ""));
        JitClock clock = new JitClock();
        t.parts.add(
            new LoadTest(new LoadTest.Settings(t.live.solr().baseUrl(), EmbeddedSolr.COLLECTION, clients, seconds, pid, words, true), log).run());
        t.add(clock);
      }
    }
    List<Run> out = new ArrayList<>();
    for (Turns t : all) {
      Map<String, Double> after = towers(t.live.solr().baseUrl());
      Setting setting = t.live.setting();
      out.add(new Run(setting.precision(), setting.passes(), setting.maxBatch(), LoadTest.Result.merge(t.parts),
          Tower.between(only(t.before, "text"), only(after, "text")), Tower.between(only(t.before, "combiner"), only(after, "combiner")),
          t.live.warmup(), t.jit()));
    }
    return out;
  }

  /**
   * At least {@code --warmup} seconds at the most clients, then slices of 5 s until the JIT
   * compilers spend at most {@link #JIT_SETTLED} of the clock in two slices in a row (C2 compiles
   * in bursts: one quiet slice is often followed by a busy one), or {@code --warmup-max} has passed.
   */
  private Warmup warmUp(String url, int clients, List<String> words) throws Exception {
    long start = System.nanoTime();
    int slice = s.warmupSeconds();
    int quiet = 0;
    while (true) {
      JitClock clock = new JitClock();
      new LoadTest(new LoadTest.Settings(url, EmbeddedSolr.COLLECTION, clients, slice, -1, words, true), line -> {}).run();
      double jit = clock.share();
      double elapsed = (System.nanoTime() - start) / 1e9;
      log.accept(String.format(Locale.ROOT, "warm-up: %d clients, %.0f s, JIT compilers %s of the clock", clients, elapsed, percent(jit)));
      quiet = jit <= JIT_SETTLED ? quiet + 1 : 0;
      if (Double.isNaN(jit) || quiet >= 2 || elapsed + WARMUP_SLICE_SECONDS > s.warmupMaxSeconds()) {
        return new Warmup(elapsed, jit);
      }
      slice = WARMUP_SLICE_SECONDS;
    }
  }

  /** Each Solr's warm-up: its length and the compilers' share at its end. */
  private static String warmups(List<Run> runs) {
    List<String> out = new ArrayList<>();
    Warmup last = null;
    for (Run r : runs) {
      if (r.warmup() != last) {
        last = r.warmup();
        out.add(String.format(Locale.ROOT, "%s, %s passes, maxBatch %d: %.0f s (JIT %s)", r.precision(), r.passes(), r.maxBatch(), last.seconds(),
            percent(last.jit())));
      }
    }
    return String.join("; ", out);
  }

  private static String percent(double share) {
    return Double.isNaN(share) ? "n/a" : String.format(Locale.ROOT, "%.0f%%", 100 * share);
  }

  private double meanTokens(ModelBundle bundle, List<String> words) {
    try (ClipTokenizer tok = ClipTokenizer.load(bundle.tokenizerFile(), bundle.manifest().config().contextLength())) {
      SplittableRandom r = new SplittableRandom(3);
      double sum = 0;
      int n = 500;
      for (int i = 0; i < n; i++) {
        long[] row = tok.encodeBatch(List.of(SolrBenchmark.caption(words, r) + " " + i))[0];
        sum += tok.endPosition(row) + 1;
      }
      return sum / n;
    }
  }

  private void index(SolrClient client, int dim) throws Exception {
    SplittableRandom r = new SplittableRandom(42);
    List<SolrInputDocument> docs = new ArrayList<>();
    for (int i = 0; i < s.docs(); i++) {
      SolrInputDocument d = new SolrInputDocument();
      d.addField("id", "d" + i);
      List<Float> v = new ArrayList<>(dim);
      for (int k = 0; k < dim; k++) {
        v.add((float) r.nextGaussian());
      }
      d.addField("clip_vector", v);
      docs.add(d);
      if (docs.size() == 1000) {
        client.add(EmbeddedSolr.COLLECTION, docs);
        docs = new ArrayList<>();
      }
    }
    if (!docs.isEmpty()) {
      client.add(EmbeddedSolr.COLLECTION, docs);
    }
    client.commit(EmbeddedSolr.COLLECTION);
  }

  /** {@code tower}'s figures of {@link #towers}, without the tower's name. */
  static Map<String, Double> only(Map<String, Double> figures, String tower) {
    Map<String, Double> out = new LinkedHashMap<>();
    figures.forEach((k, v) -> {
      if (k.startsWith(tower + ".")) {
        out.put(k.substring(tower.length() + 1), v);
      }
    });
    return out;
  }

  /** The default bundle's text-tower and Combiner figures from {@code /admin/metrics} (QUERYPARSER ... encoding), as "text.passes", .... */
  static Map<String, Double> towers(String solrUrl) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    String body =
        http.send(
                HttpRequest.newBuilder(URI.create(solrUrl + "/admin/metrics?group=core&prefix=QUERYPARSER&wt=json")).build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    com.google.gson.JsonObject metrics = com.google.gson.JsonParser.parseString(body).getAsJsonObject().getAsJsonObject("metrics");
    for (String core : metrics.keySet()) {
      for (Map.Entry<String, com.google.gson.JsonElement> e : metrics.getAsJsonObject(core).entrySet()) {
        if (e.getKey().endsWith(".encoding") && e.getValue().isJsonObject()) {
          com.google.gson.JsonObject m = e.getValue().getAsJsonObject();
          Map<String, Double> out = new LinkedHashMap<>();
          for (String tower : List.of("text", "combiner")) {
            for (String k : List.of("passes", "requests", "rows", "meanQueueMs", "meanForwardMs")) {
              com.google.gson.JsonElement v = m.get("default." + tower + "." + k);
              out.put(tower + "." + k, v == null ? 0 : v.getAsDouble());
            }
          }
          return out;
        }
      }
    }
    throw new IllegalStateException("no cir encoding metrics at " + solrUrl + ": " + body.substring(0, Math.min(300, body.length())));
  }

  private String report(
      String machine, ModelBundle bundle, double gemm, double tokens, double queryFlops, double ceiling, List<Run> runs) {
    StringBuilder b = new StringBuilder();
    b.append("Machine: ").append(machine).append("\n\n");
    b.append(String.format(Locale.ROOT,
        "Bundle: %s with a Combiner; %d documents; %d predictors; every caption new (%.1f tokens on average, start and end"
            + " included). float32 GEMM rate (DJL PyTorch matMul, 2048²): **%.1f GFLOP/s**. One query: the text tower at"
            + " %.0f tokens and the Combiner on one row = %.2f GFLOP, so the ceiling the GEMM rate allows is **%.1f queries/s**."
            + " %d s per row%s. Before the rows of each Solr a warm-up at the most clients: at least %d s, then 5 s more at a time"
            + " until the JIT compilers spend at most %.0f%% of the clock in two slices in a row (at most %d s in all; the JVM's compile time per"
            + " second of clock, every compiler thread): %s.%n%n",
        bundle.manifest().architectureName(), s.docs(), s.predictors(), tokens, gemm, tokens, queryFlops / 1e9, ceiling, s.seconds(),
        s.sliceSeconds() > 0 && s.sliceSeconds() < s.seconds()
            ? String.format(Locale.ROOT, ", the settings' Solrs (all started first) taking turns %d s at a time at each client count, so"
                + " the shared machine's drift falls on all of them alike", s.sliceSeconds())
            : s.sliceSeconds() > 0 ? ", the settings' Solrs (all started first) one after another at each client count" : ", each Solr's rows in one go, one Solr after another",
        s.warmupSeconds(), 100 * JIT_SETTLED, s.warmupMaxSeconds(), warmups(runs)));
    if (s.precisions().contains(Precision.BF16)) {
      b.append(
          dev.cir.clip.model.Bf16Kernels.emulatedOn(false)
              ? "bf16 runs emulated here: the float32 kernels on operands rounded to bfloat16 (this CPU has no native bfloat16).\n\n"
              : "bf16 runs on PyTorch's bfloat16 kernels (native bfloat16 on this CPU).\n\n");
    }
    b.append("| precision | passes | maxBatch | clients | queries | errors | queries/s | share of the ceiling | p50 ms | p99 ms | text tower: mean batch | mean wait for a pass ms | mean pass ms | Combiner: mean batch | mean wait ms | mean pass ms | RSS first 10 s MiB | RSS last 10 s MiB | JIT compilers, share of the clock |\n");
    b.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (Run r : runs) {
      LoadTest.Result x = r.result();
      b.append(String.format(Locale.ROOT, "| %s | %s | %d | %d | %d | %d | %.1f | %.0f%% | %.1f | %.1f | %.2f | %.1f | %.1f | %.2f | %.1f | %.1f | %s | %s | %s |%n", r.precision(), r.passes(), r.maxBatch(),
          x.clients(), x.queries(), x.errors().size(), x.queriesPerSecond(), 100 * x.queriesPerSecond() / ceiling, x.p50(), x.p99(),
          r.text().meanBatch(), r.text().queueMs(), r.text().forwardMs(), r.combiner().meanBatch(), r.combiner().queueMs(), r.combiner().forwardMs(),
          x.rss(true), x.rss(false), percent(r.jit())));
    }
    List<Run> baseline = runs.stream().filter(r -> r.maxBatch() == 1).toList();
    if (!baseline.isEmpty()) {
      b.append("\nAgainst maxBatch 1 (the same precision, passes and client count):\n\n| precision | passes | maxBatch | clients | queries/s ratio | p50 ratio | p99 ratio |\n|---|---|---:|---:|---:|---:|---:|\n");
      for (Run r : runs) {
        if (r.maxBatch() == 1) {
          continue;
        }
        for (Run base : baseline) {
          if (base.result().clients() == r.result().clients() && base.precision() == r.precision() && base.passes() == r.passes()) {
            b.append(String.format(Locale.ROOT, "| %s | %s | %d | %d | %.2f | %.2f | %.2f |%n", r.precision(), r.passes(), r.maxBatch(), r.result().clients(),
                r.result().queriesPerSecond() / base.result().queriesPerSecond(), r.result().p50() / base.result().p50(),
                r.result().p99() / base.result().p99()));
          }
        }
      }
    }
    for (Run r : runs) {
      if (!r.result().errors().isEmpty()) {
        b.append("\n").append(r.precision()).append(", ").append(r.passes()).append(" passes, maxBatch ").append(r.maxBatch()).append(", ").append(r.result().clients()).append(" clients, first errors: ")
            .append(r.result().errors().stream().limit(5).toList()).append('\n');
      }
    }
    b.append("\nRSS, one sample a second (MiB):\n\n");
    for (Run r : runs) {
      b.append(String.format(Locale.ROOT, "- %s, %s passes, maxBatch %d, %d clients: %s%n", r.precision(), r.passes(), r.maxBatch(), r.result().clients(),
          r.result().rssKb().stream().map(k -> Long.toString(k / 1024)).toList()));
    }
    return b.toString();
  }
}
