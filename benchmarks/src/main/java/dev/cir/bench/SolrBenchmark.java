package dev.cir.bench;

import dev.cir.clip.bundle.BundleWriter;
import dev.cir.clip.bundle.ModelBundle;
import dev.cir.clip.encoder.CirEncoder;
import dev.cir.clip.encoder.CombineMode;
import dev.cir.clip.encoder.EncoderOptions;
import dev.cir.clip.model.ClipConfig;
import dev.cir.clip.model.Combiner;
import dev.cir.clip.text.CaptionVocabulary;
import dev.cir.solr.config.EmbeddedSolr;
import dev.cir.solr.search.FusedVector;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.solr.client.solrj.SolrClient;
import org.apache.solr.client.solrj.impl.Http2SolrClient;
import org.apache.solr.client.solrj.response.QueryResponse;
import org.apache.solr.common.SolrDocument;
import org.apache.solr.common.SolrInputDocument;
import org.apache.solr.common.params.ModifiableSolrParams;

/**
 * {@code {!cir}} against {@code {!knn}} on the same vectors, in one run, on a real Solr ({@link
 * EmbeddedSolr}) with the {@code cir} configset's defaults.
 *
 * <p>The index holds synthetic raw image features (a mixture of Gaussian clusters, so that nearest
 * neighbours mean something, as they do for CLIP features). Each query picks a reference document
 * and a caption never seen before; the fused vector is computed outside Solr with the same bundle,
 * and then, in random order, {@code {!knn topK=10}[fused]} (with {@code fq=-id:REF}, what {@code
 * {!cir}} excludes) and {@code {!cir ref=REF topK=10}caption} run against Solr, then {@code {!cir
 * combine=sum}} with a caption of its own, then {@code {!cir refImage=$img}} with a new 224×224 JPEG
 * and a caption of its own (the image encoded inside Solr, and outside right before with the same
 * encoder, to compare the two). Each {@code {!cir}} query's encoding (reference lookup,
 * text, and the Combiner) is read from Solr ({@code debug=timing}: {@code debug.cir.timing.encodeMs},
 * the request's own), and also timed outside Solr on the same caption right before the query: the
 * target is {@code {!cir}} p50 ≤ {@code {!knn}} p50 + encoding + 2 ms, checked against both.
 * Recall@10 compares {@code {!knn}}'s ten with the exact ten by cosine over all vectors, for the
 * configset's {@code defaultTopK} and other candidate counts.
 */
public final class SolrBenchmark {
  /** The configset's {@code cir.defaultTopK}: the candidates of a {@code {!cir}} query that gives no topK. */
  public static final int DEFAULT_TOP_K = configsetDefaultTopK();

  public record Settings(
      List<Integer> sizes, int dimension, int queries, int warmup, int recallQueries, List<Integer> recallTopK, int clusters,
      Path bundle, Path work) {}

  record Row(
      int docs, int segments, double indexSeconds, double[] knn, double[] cir, double[] cirSum, double[] text, double[] textSum,
      double[] fusion, double[] solrEncode, double[] solrEncodeSum, double[] cirImage, double[] solrImageEncode,
      double[] imageOutside, double[] towerBackToBack, double[] solrTextEncode, double[] textBackToBack, double[] solrTextBackToBack,
      double[] textAfterCombiner, double recall, double recallDefault, double[] recallAt, double[][] knnMsAt) {}

  private final Settings s;
  private final Consumer<String> log;

  public SolrBenchmark(Settings s, Consumer<String> log) {
    this.s = s;
    this.log = log;
  }

  public String run() throws Exception {
    Path bundleDir = s.bundle() != null ? s.bundle() : randomBundle(s.work(), log);
    ModelBundle bundle = ModelBundle.open(bundleDir);
    if (bundle.manifest().embeddingDim() != s.dimension()) {
      throw new IllegalArgumentException("the bundle has dimension " + bundle.manifest().embeddingDim() + ", not " + s.dimension());
    }
    List<String> words = vocabulary();
    List<Row> rows = new ArrayList<>();
    SplittableRandom random = new SplittableRandom(42);
    float[][] centers = new float[s.clusters()][];
    for (int c = 0; c < centers.length; c++) {
      centers[c] = gaussian(random, s.dimension(), 1f);
    }
    float[][] vectors = new float[s.sizes().get(s.sizes().size() - 1)][];
    // a bulk load, configured as the admin guide advises: a large indexing buffer and no timed hard
    // commits, so the index is flushed in a few large segments instead of many small ones to merge
    System.setProperty("solr.ramBufferSizeMB", System.getProperty("solr.ramBufferSizeMB", "1024"));
    System.setProperty("solr.autoCommit.maxTime", System.getProperty("solr.autoCommit.maxTime", "-1"));
    try (EmbeddedSolr solr = EmbeddedSolr.start(EmbeddedSolr.Options.of(0, bundleDir));
        SolrClient client = new Http2SolrClient.Builder(solr.baseUrl()).build();
        CirEncoder encoder = CirEncoder.open(bundle, EncoderOptions.defaults())) {
      log.accept("Solr at " + solr.baseUrl());
      int indexed = 0;
      for (int size : s.sizes()) {
        long t0 = System.nanoTime();
        indexed = index(client, vectors, centers, random, indexed, size);
        double indexSeconds = (System.nanoTime() - t0) / 1e9;
        waitForMerges();
        int segments = segments(client);
        log.accept(String.format(Locale.ROOT, "%d documents indexed (%.0f s, %d segments); querying", size, indexSeconds, segments));
        rows.add(measure(client, encoder, vectors, size, words, random, indexSeconds, segments));
      }
    }
    return report(rows, bundle);
  }

  private int index(SolrClient client, float[][] vectors, float[][] centers, SplittableRandom random, int from, int to) throws Exception {
    ExecutorService senders = Executors.newFixedThreadPool(2);
    try {
      List<Future<?>> pending = new ArrayList<>();
      int batch = 1000;
      for (int start = from; start < to; start += batch) {
        List<SolrInputDocument> docs = new ArrayList<>(batch);
        for (int i = start; i < Math.min(to, start + batch); i++) {
          float[] c = centers[random.nextInt(centers.length)];
          float[] v = gaussian(random, s.dimension(), 0.6f);
          for (int k = 0; k < v.length; k++) {
            v[k] += c[k];
          }
          vectors[i] = v;
          SolrInputDocument d = new SolrInputDocument();
          d.addField("id", "d" + i);
          List<Float> l = new ArrayList<>(v.length);
          for (float x : v) {
            l.add(x);
          }
          d.addField("clip_vector", l);
          docs.add(d);
        }
        pending.add(senders.submit(() -> client.add(EmbeddedSolr.COLLECTION, docs)));
        while (pending.size() > 4) {
          pending.remove(0).get();
        }
        if ((start / batch) % 50 == 0) {
          log.accept("  sent " + start + " documents");
        }
      }
      for (Future<?> f : pending) {
        f.get();
      }
    } finally {
      senders.shutdown();
    }
    client.commit(EmbeddedSolr.COLLECTION);
    return to;
  }

  private Row measure(
      SolrClient client, CirEncoder encoder, float[][] vectors, int n, List<String> words, SplittableRandom random,
      double indexSeconds, int segments) throws Exception {
    int total = s.warmup() + s.queries();
    double[] knn = new double[s.queries()];
    double[] cir = new double[s.queries()];
    double[] cirSum = new double[s.queries()];
    double[] text = new double[s.queries()];
    double[] textSum = new double[s.queries()];
    double[] fusion = new double[s.queries()];
    double[] solrEncode = new double[s.queries()];
    double[] solrEncodeSum = new double[s.queries()];
    double[] cirImage = new double[s.queries()];
    double[] solrImageEncode = new double[s.queries()];
    double[] imageOutside = new double[s.queries()];
    double[] solrTextEncode = new double[s.queries()];
    java.util.Random shapes = new java.util.Random(random.nextLong());
    double recallSum = 0;
    double recallDefaultSum = 0;
    int recallCount = 0;
    double[] recallAt = new double[s.recallTopK().size()];
    double[][] knnMsAt = new double[s.recallTopK().size()][s.recallQueries()];
    for (int q = 0; q < total; q++) {
      int ref = random.nextInt(n);
      String caption = caption(words, random) + " " + q; // never seen before: no cache hit anywhere
      // the vector {!knn} searches with (the encoder outside Solr has no text cache)
      float[] fused =
          encoder.combine(new float[][] {vectors[ref]}, new float[][] {encoder.encodeText(caption)}, CombineMode.COMBINER)
              .vector(0);
      // the sum query asks with a text of its own (one word longer, so no cache answers it)
      String sumCaption = caption + " sum";
      ModifiableSolrParams k = new ModifiableSolrParams();
      k.set("q", "{!knn f=clip_vector topK=10}" + FusedVector.format(fused));
      k.set("fq", "-id:d" + ref);
      k.set("fl", "id");
      ModifiableSolrParams c = new ModifiableSolrParams();
      c.set("q", "{!cir ref=d" + ref + " topK=10}" + caption);
      c.set("fl", "id");
      // Solr's own account of the encoding (reference lookup, text tower, Combiner): debug.cir.timing
      c.set("debug", "timing");
      ModifiableSolrParams sum = new ModifiableSolrParams(c);
      sum.set("q", "{!cir ref=d" + ref + " topK=10 combine=sum}" + sumCaption);
      double kMs;
      double cMs;
      QueryResponse kr;
      QueryResponse cr;
      long[] combinerEncoding;
      if (random.nextBoolean()) {
        long a = System.nanoTime();
        kr = client.query(EmbeddedSolr.COLLECTION, k);
        kMs = (System.nanoTime() - a) / 1e6;
        combinerEncoding = timeCombinerEncoding(encoder, vectors[ref], caption);
        a = System.nanoTime();
        cr = client.query(EmbeddedSolr.COLLECTION, c);
        cMs = (System.nanoTime() - a) / 1e6;
      } else {
        combinerEncoding = timeCombinerEncoding(encoder, vectors[ref], caption);
        long a = System.nanoTime();
        cr = client.query(EmbeddedSolr.COLLECTION, c);
        cMs = (System.nanoTime() - a) / 1e6;
        a = System.nanoTime();
        kr = client.query(EmbeddedSolr.COLLECTION, k);
        kMs = (System.nanoTime() - a) / 1e6;
      }
      long textNanos = combinerEncoding[0];
      long fusionNanos = combinerEncoding[1];
      // each query's encoding is timed right before it, so both find PyTorch's threads as the query does
      long t0 = System.nanoTime();
      encoder.encodeText(sumCaption);
      long textSumNanos = System.nanoTime() - t0;
      long sa = System.nanoTime();
      QueryResponse sr = client.query(EmbeddedSolr.COLLECTION, sum);
      double sMs = (System.nanoTime() - sa) / 1e6;
      // a shopper's photo: a new JPEG each query (no cache hit), encoded here first, then inside Solr
      byte[] jpeg = photo(shapes, 224);
      long ia = System.nanoTime();
      encoder.encodeImage(jpeg, "photo");
      long imageOutsideNanos = System.nanoTime() - ia;
      ModifiableSolrParams img = new ModifiableSolrParams();
      img.set("q", "{!cir refImage=$img topK=10}" + caption + " photo");
      img.set("img", java.util.Base64.getEncoder().encodeToString(jpeg));
      img.set("fl", "id");
      img.set("debug", "timing");
      ia = System.nanoTime();
      QueryResponse ir = client.query(EmbeddedSolr.COLLECTION, img, org.apache.solr.client.solrj.SolrRequest.METHOD.POST);
      double iMs = (System.nanoTime() - ia) / 1e6;
      if (q >= s.warmup()) {
        cirSum[q - s.warmup()] = sMs;
        fusion[q - s.warmup()] = fusionNanos / 1e6;
        knn[q - s.warmup()] = kMs;
        cir[q - s.warmup()] = cMs;
        text[q - s.warmup()] = textNanos / 1e6;
        textSum[q - s.warmup()] = textSumNanos / 1e6;
        solrEncode[q - s.warmup()] = encodeMillis(cr);
        solrEncodeSum[q - s.warmup()] = encodeMillis(sr);
        solrTextEncode[q - s.warmup()] = timingMillis(cr, "textEncodeMs");
        cirImage[q - s.warmup()] = iMs;
        solrImageEncode[q - s.warmup()] = timingMillis(ir, "imageEncodeMs");
        imageOutside[q - s.warmup()] = imageOutsideNanos / 1e6;
        if (recallCount < s.recallQueries()) {
          int[] exact = exactTop10(vectors, n, fused, ref);
          recallSum += recall(kr, exact);
          // the same query with a wider beam: topK candidates, the first ten kept
          for (int t = 0; t < s.recallTopK().size(); t++) {
            ModifiableSolrParams wide = new ModifiableSolrParams(k);
            wide.set("q", "{!knn f=clip_vector topK=" + s.recallTopK().get(t) + "}" + FusedVector.format(fused));
            wide.set("rows", 10);
            long a = System.nanoTime();
            QueryResponse wr = client.query(EmbeddedSolr.COLLECTION, wide);
            knnMsAt[t][recallCount] = (System.nanoTime() - a) / 1e6;
            double r = recall(wr, exact);
            recallAt[t] += r;
            if (s.recallTopK().get(t) == DEFAULT_TOP_K) {
              recallDefaultSum += r;
            }
          }
          recallCount++;
        }
      }
    }
    for (int t = 0; t < recallAt.length; t++) {
      recallAt[t] /= recallCount;
      knnMsAt[t] = Arrays.copyOf(knnMsAt[t], recallCount);
    }
    // what cir bench encode measures at batch 1: the image tower alone, one preprocessed image after another
    float[] pixels = encoder.preprocessor().preprocess(photo(shapes, 224), "photo");
    for (int i = 0; i < 3; i++) {
      encoder.encodePixels(List.of(pixels));
    }
    double[] towerBackToBack = new double[Math.max(10, s.queries() / 4)];
    for (int i = 0; i < towerBackToBack.length; i++) {
      long t0 = System.nanoTime();
      encoder.encodePixels(List.of(pixels));
      towerBackToBack[i] = (System.nanoTime() - t0) / 1e6;
    }
    // and the text tower as cir bench encode times a caption: one after another, at the queries' length
    String twelve = caption(words, random);
    double[] textBackToBack = new double[Math.max(20, s.queries() / 2)];
    for (int i = -5; i < textBackToBack.length; i++) {
      long t0 = System.nanoTime();
      encoder.encodeText(twelve);
      if (i >= 0) {
        textBackToBack[i] = (System.nanoTime() - t0) / 1e6;
      }
    }
    // the same, each caption followed by its Combiner pass, as a query runs them: what the Combiner's weights
    // read between two captions cost the next caption
    double[] textAfterCombiner = new double[textBackToBack.length];
    for (int i = -5; i < textAfterCombiner.length; i++) {
      String next = caption(words, random) + " then " + i;
      long t0 = System.nanoTime();
      float[] t = encoder.encodeText(next);
      if (i >= 0) {
        textAfterCombiner[i] = (System.nanoTime() - t0) / 1e6;
      }
      encoder.combine(new float[][] {vectors[random.nextInt(n)]}, new float[][] {t}, CombineMode.COMBINER);
    }
    // and Solr's own text tower with its queries back to back: no other encoder runs between them, so the
    // weights a pass reads stay in the CPU's caches as they do back to back above
    double[] solrTextBackToBack = new double[textBackToBack.length];
    for (int i = -5; i < solrTextBackToBack.length; i++) {
      ModifiableSolrParams c = new ModifiableSolrParams();
      c.set("q", "{!cir ref=d" + random.nextInt(n) + " topK=10}" + caption(words, random) + " again " + i);
      c.set("fl", "id");
      c.set("debug", "timing");
      QueryResponse cr = client.query(EmbeddedSolr.COLLECTION, c);
      if (i >= 0) {
        solrTextBackToBack[i] = timingMillis(cr, "textEncodeMs");
      }
    }
    return new Row(n, segments, indexSeconds, knn, cir, cirSum, text, textSum, fusion, solrEncode, solrEncodeSum, cirImage,
        solrImageEncode, imageOutside, towerBackToBack, solrTextEncode, textBackToBack, solrTextBackToBack, textAfterCombiner,
        recallSum / recallCount, recallDefaultSum / recallCount, recallAt, knnMsAt);
  }

  /** {@code debug.cir.timing.encodeMs}: the request's reference lookup, text encoding and fusion inside Solr. */
  private static double encodeMillis(QueryResponse r) {
    return timingMillis(r, "encodeMs");
  }

  /** One of the {@code debug.cir.timing} figures of a response. */
  private static double timingMillis(QueryResponse r, String name) {
    Object cir = r.getDebugMap() == null ? null : r.getDebugMap().get("cir");
    Object timing = cir instanceof Map<?, ?> m ? m.get("timing") : null;
    Object ms = timing instanceof Map<?, ?> t ? t.get(name) : null;
    if (!(ms instanceof Number n)) {
      throw new IllegalStateException("no debug.cir.timing." + name + " in the response: " + r.getDebugMap());
    }
    return n.doubleValue();
  }

  /** A {@code size}×{@code size} JPEG of a few coloured shapes on a coloured ground. */
  static byte[] photo(java.util.Random r, int size) {
    java.awt.image.BufferedImage im = new java.awt.image.BufferedImage(size, size, java.awt.image.BufferedImage.TYPE_INT_RGB);
    java.awt.Graphics2D g = im.createGraphics();
    g.setColor(new java.awt.Color(r.nextInt(0x1000000)));
    g.fillRect(0, 0, size, size);
    for (int i = 0; i < 3 + r.nextInt(4); i++) {
      g.setColor(new java.awt.Color(r.nextInt(0x1000000)));
      int w = size / 8 + r.nextInt(size / 3);
      g.fillOval(r.nextInt(size - w), r.nextInt(size - w), w, w);
    }
    g.dispose();
    try {
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      javax.imageio.ImageIO.write(im, "jpeg", out);
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Encodes the caption and fuses it with the reference by the Combiner: {text, Combiner} nanoseconds. */
  private static long[] timeCombinerEncoding(CirEncoder encoder, float[] reference, String caption) {
    long t0 = System.nanoTime();
    float[] text = encoder.encodeText(caption);
    long t1 = System.nanoTime();
    encoder.combine(new float[][] {reference}, new float[][] {text}, CombineMode.COMBINER);
    return new long[] {t1 - t0, System.nanoTime() - t1};
  }

  static double recall(QueryResponse r, int[] exact) {
    int hit = 0;
    for (SolrDocument d : r.getResults()) {
      int doc = Integer.parseInt(((String) d.getFieldValue("id")).substring(1));
      for (int e : exact) {
        hit += e == doc ? 1 : 0;
      }
    }
    return hit / (double) exact.length;
  }

  /** The ten nearest documents by cosine similarity, by brute force (the reference excluded). */
  static int[] exactTop10(float[][] vectors, int n, float[] query, int exclude) {
    int[] best = new int[10];
    double[] score = new double[10];
    Arrays.fill(score, Double.NEGATIVE_INFINITY);
    Arrays.fill(best, -1);
    for (int i = 0; i < n; i++) {
      if (i == exclude) {
        continue;
      }
      float[] v = vectors[i];
      double dot = 0;
      double norm = 0;
      for (int k = 0; k < v.length; k++) {
        dot += v[k] * query[k];
        norm += v[k] * v[k];
      }
      double cos = dot / Math.sqrt(norm);
      if (cos > score[9]) {
        int j = 9;
        while (j > 0 && score[j - 1] < cos) {
          score[j] = score[j - 1];
          best[j] = best[j - 1];
          j--;
        }
        score[j] = cos;
        best[j] = i;
      }
    }
    return best;
  }

  /**
   * Background merges rebuild HNSW graphs and take both cores for minutes after the last commit:
   * measuring during them would time the merges. Waits until this process is nearly idle.
   */
  private void waitForMerges() throws InterruptedException {
    var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    long deadline = System.nanoTime() + 30L * 60 * 1_000_000_000L;
    int quiet = 0;
    while (quiet < 3 && System.nanoTime() < deadline) {
      long cpu0 = os.getProcessCpuTime();
      Thread.sleep(2000);
      double busyCores = (os.getProcessCpuTime() - cpu0) / 2e9;
      quiet = busyCores < 0.15 ? quiet + 1 : 0;
    }
    log.accept("merges done");
  }

  static int segments(SolrClient client) throws Exception {
    var req = new org.apache.solr.client.solrj.request.GenericSolrRequest(
        org.apache.solr.client.solrj.SolrRequest.METHOD.GET, "/admin/segments", new ModifiableSolrParams());
    req.setRequiresCollection(true);
    Object segs = client.request(req, EmbeddedSolr.COLLECTION).get("segments");
    if (segs instanceof org.apache.solr.common.util.NamedList<?> nl) {
      return nl.size();
    }
    return segs instanceof Map<?, ?> m ? m.size() : -1;
  }

  static float[] gaussian(SplittableRandom r, int d, float sigma) {
    float[] v = new float[d];
    for (int i = 0; i < d; i++) {
      // Box-Muller
      double u = 1 - r.nextDouble();
      double w = r.nextDouble();
      v[i] = (float) (sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * w));
    }
    return v;
  }

  static List<String> vocabulary() {
    List<String> words = new ArrayList<>();
    for (String w :
        ("red blue green black white yellow pink grey striped dotted plain floral short long sleeves collar"
                + " pocket shirt dress top skirt jacket button zip wool cotton silk darker lighter brighter more less"
                + " has is with without and the a logo print text larger smaller loose tight v neck round")
            .split(" ")) {
      words.add(w);
    }
    return words;
  }

  static String caption(List<String> words, SplittableRandom r) {
    StringBuilder b = new StringBuilder();
    int n = 6 + r.nextInt(8); // 8-15 tokens with the start and end of text
    for (int i = 0; i < n; i++) {
      b.append(i == 0 ? "" : " ").append(words.get(r.nextInt(words.size())));
    }
    return b.toString();
  }

  /**
   * ViT-B/32 with OpenAI's random initialisation and a random Combiner, in {@code work/bundle}:
   * the speed of the real thing. Its vocabulary is the benchmark captions' words and the numbers
   * 0 to 99,999, each one token.
   */
  static Path randomBundle(Path work, Consumer<String> log) throws IOException {
    Path dir = work.resolve("bundle");
    if (Files.isRegularFile(dir.resolve("bundle.json"))) {
      return dir;
    }
    List<String> corpus = new ArrayList<>(vocabulary());
    for (int i = 0; i < 100000; i++) {
      corpus.add(Integer.toString(i));
    }
    CaptionVocabulary vocab = CaptionVocabulary.builder().build(corpus);
    Files.createDirectories(work);
    Path tokenizer = work.resolve("bench-tokenizer.json");
    vocab.writeTokenizerJson(tokenizer);
    ClipConfig config = ClipConfig.named("ViT-B/32").withVocabSize(vocab.size());
    log.accept("writing a random ViT-B/32 bundle to " + dir);
    return BundleWriter.writeRandom(dir, "ViT-B/32", config, tokenizer, true, 7, Map.of("created_by", "cir bench")).dir();
  }

  /** Reads {@code ${cir.defaultTopK:N}} from the configset's solrconfig.xml, so the two cannot disagree. */
  static int configsetDefaultTopK() {
    String resource = "/dev/cir/solr/config/cir/conf/solrconfig.xml";
    try (InputStream in = EmbeddedSolr.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("the cir configset is not on the class path: " + resource);
      }
      String xml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      Matcher m = Pattern.compile("\\$\\{cir\\.defaultTopK:(\\d+)}").matcher(xml);
      if (!m.find()) {
        throw new IllegalStateException("no ${cir.defaultTopK:N} in " + resource);
      }
      return Integer.parseInt(m.group(1));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static double percentile(double[] values, double p) {
    double[] v = values.clone();
    Arrays.sort(v);
    int i = (int) Math.ceil(p / 100.0 * v.length) - 1;
    return v[Math.max(0, Math.min(v.length - 1, i))];
  }

  private String report(List<Row> rows, ModelBundle bundle) {
    StringBuilder b = new StringBuilder();
    b.append("Machine: ").append(MachineDescription.describe()).append("\n\n");
    b.append(String.format(Locale.ROOT,
        "Bundle: %s. Index: %d-dimensional synthetic raw features (%d Gaussian clusters), configset defaults"
            + " (cosine, HNSW M 16, beam width 100). %d timed queries after %d warm-up, one client, topK 10.%n%n",
        bundle.manifest().architectureName(), s.dimension(), s.clusters(), s.queries(), s.warmup()));
    b.append("| documents | segments | index s | {!knn} p50 / p99 ms | {!cir combine=sum} p50 / p99 ms | {!cir} (Combiner) p50 / p99 ms | recall@10, topK 10 | recall@10, topK " + DEFAULT_TOP_K + " (the configset's default) |\n");
    b.append("|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (Row r : rows) {
      b.append(String.format(Locale.ROOT, "| %,d | %d | %.0f | %.2f / %.2f | %.2f / %.2f | %.2f / %.2f | %.3f | %.3f |%n",
          r.docs(), r.segments(), r.indexSeconds(), percentile(r.knn(), 50), percentile(r.knn(), 99),
          percentile(r.cirSum(), 50), percentile(r.cirSum(), 99), percentile(r.cir(), 50), percentile(r.cir(), 99),
          r.recall(), r.recallDefault()));
    }
    b.append(String.format(Locale.ROOT,
        "%nOverhead of `{!cir}` over `{!knn}` (p50 − p50) against the encoding it does. Inside Solr: the request's own"
            + " reference lookup, text tower and fusion (`debug.cir.timing.encodeMs`). Outside Solr: the same caption"
            + " encoded (and fused by the Combiner) by the benchmark's encoder right before the query. Target: overhead"
            + " ≤ encoding + 2 ms. Last column: the median over queries of {!cir} − {!knn} − Solr's encoding, each"
            + " query with its own pair.%n%n"));
    b.append("| documents | overhead p50, sum / Combiner ms | encoding inside Solr p50, sum / Combiner ms | target met (inside) | encoding outside Solr p50: text, sum / Combiner query; Combiner ms | target met (outside) | per query, beyond Solr's encoding p50, sum / Combiner ms |\n");
    b.append("|---:|---:|---:|:--:|---:|:--:|---:|\n");
    for (Row r : rows) {
      double k50 = percentile(r.knn(), 50);
      double overheadSum = percentile(r.cirSum(), 50) - k50;
      double overheadCombiner = percentile(r.cir(), 50) - k50;
      double in50 = percentile(r.solrEncode(), 50);
      double inSum50 = percentile(r.solrEncodeSum(), 50);
      double t50 = percentile(r.text(), 50);
      double ts50 = percentile(r.textSum(), 50);
      double f50 = percentile(r.fusion(), 50);
      double[] beyond = new double[r.cir().length];
      double[] beyondSum = new double[r.cir().length];
      for (int i = 0; i < beyond.length; i++) {
        beyond[i] = r.cir()[i] - r.knn()[i] - r.solrEncode()[i];
        beyondSum[i] = r.cirSum()[i] - r.knn()[i] - r.solrEncodeSum()[i];
      }
      b.append(String.format(Locale.ROOT, "| %,d | %.2f / %.2f | %.2f / %.2f | %s / %s | %.2f / %.2f; %.2f | %s / %s | %.2f / %.2f |%n",
          r.docs(), overheadSum, overheadCombiner, inSum50, in50,
          overheadSum <= inSum50 + 2 ? "yes" : "no", overheadCombiner <= in50 + 2 ? "yes" : "no",
          ts50, t50, f50, overheadSum <= ts50 + 2 ? "yes" : "no", overheadCombiner <= t50 + f50 + 2 ? "yes" : "no",
          percentile(beyondSum, 50), percentile(beyond, 50)));
    }
    b.append(String.format(Locale.ROOT,
        "%nThe text tower inside Solr against `cir bench encode`'s way of timing it: `debug.cir.timing.textEncodeMs` of the"
            + " Combiner queries (every caption new), the same captions encoded outside Solr right before each query, and after"
            + " the queries one caption of the same length encoded again and again; then Solr's `textEncodeMs` of Combiner"
            + " queries sent back to back (new captions, nothing encoded outside Solr between them), and outside Solr new"
            + " captions back to back, each followed by its Combiner pass as in a query. Target: inside within 15%%"
            + " of back to back. The first pair interleaves two encoders, each with its own copy of the weights, so a pass may"
            + " find its weights pushed out of the CPU's caches by the other encoder's; the second pair compares like with like.%n%n"));
    b.append("| documents | textEncodeMs inside Solr p50 | outside, right before the query, p50 | back to back p50 | inside / back to back"
        + " | inside Solr, queries back to back, p50 | inside back to back / back to back | outside, each caption after a Combiner"
        + " pass, p50 | inside back to back / that |\n");
    b.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (Row r : rows) {
      double in = percentile(r.solrTextEncode(), 50);
      double b2b = percentile(r.textBackToBack(), 50);
      double inB2b = percentile(r.solrTextBackToBack(), 50);
      double afterCombiner = percentile(r.textAfterCombiner(), 50);
      b.append(String.format(Locale.ROOT, "| %,d | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f |%n", r.docs(), in, percentile(r.text(), 50),
          b2b, in / b2b, inB2b, inB2b / b2b, afterCombiner, inB2b / afterCombiner));
    }
    b.append(String.format(Locale.ROOT,
        "%nThe shopper's own photo: `{!cir refImage=$img topK=10}caption` sent as a POST form, a new 224×224 JPEG"
            + " (and caption) each query. Solr decodes, preprocesses and encodes the image (`debug.cir.timing.imageEncodeMs`);"
            + " the same JPEG was encoded outside Solr by the benchmark's encoder right before (decode, preprocessing and"
            + " the image tower at batch 1), and after the queries the image tower alone was timed as `cir bench encode`"
            + " does at batch 1 (one preprocessed image after another). Target: inside within 20%% of both.%n%n"));
    b.append("| documents | {!cir refImage} p50 / p99 ms | imageEncodeMs inside Solr p50 | image tower's share of the query (p50 / p50) | the same JPEG outside Solr p50 ms | inside / outside | tower alone, back to back, p50 ms | inside / tower alone |\n");
    b.append("|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (Row r : rows) {
      double q50 = percentile(r.cirImage(), 50);
      double in = percentile(r.solrImageEncode(), 50);
      double out = percentile(r.imageOutside(), 50);
      double tower = percentile(r.towerBackToBack(), 50);
      b.append(String.format(Locale.ROOT, "| %,d | %.2f / %.2f | %.2f | %.0f%% | %.2f | %.2f | %.2f | %.2f |%n",
          r.docs(), q50, percentile(r.cirImage(), 99), in, 100 * in / q50, out, in / out, tower, in / tower));
    }
    b.append(String.format(Locale.ROOT,
        "%nRecall@10 against exact search as the candidate count grows: `{!knn topK=K}` with rows=10, the same %d"
            + " queries per size; p50 latency of those queries.%n%n", s.recallQueries()));
    b.append("| documents |");
    for (int k : s.recallTopK()) {
      b.append(" topK ").append(k).append(": recall@10, p50 ms |");
    }
    b.append("\n|---:|");
    b.append("---:|".repeat(s.recallTopK().size()));
    b.append('\n');
    for (Row r : rows) {
      b.append(String.format(Locale.ROOT, "| %,d |", r.docs()));
      for (int t = 0; t < s.recallTopK().size(); t++) {
        b.append(String.format(Locale.ROOT, " %.3f, %.2f |", r.recallAt()[t], percentile(r.knnMsAt()[t], 50)));
      }
      b.append('\n');
    }
    return b.toString();
  }
}
