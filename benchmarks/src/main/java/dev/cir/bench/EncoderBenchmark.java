package dev.cir.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.cir.clip.encoder.CirEncoder;
import dev.cir.clip.encoder.EncoderOptions;
import dev.cir.clip.encoder.Engines;
import dev.cir.clip.model.Bf16Kernels;
import dev.cir.clip.model.ClipConfig;
import dev.cir.clip.model.Precision;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;

/**
 * Measures, in one run: the machine's float32 matrix-multiply rate through DJL's PyTorch engine,
 * image throughput of full-size CLIP towers with random weights at given batch sizes (as a fraction
 * of that rate), and the latency of encoding captions of one short and one full-context length,
 * alone and in batches; for every precision asked for, with bf16's features compared to
 * float32's on the same inputs.
 */
public final class EncoderBenchmark {
  /**
   * @param models architecture names
   * @param batches image batch sizes
   * @param textBatches caption batch sizes
   * @param precisions float32 and/or bf16; the first is the baseline of the speed ratios
   * @param passes {@link Passes#FUSED} and/or {@link Passes#OPS}, each measured for every precision; the
   *     first is the baseline's
   */
  public record Settings(
      List<String> models, int[] batches, int imageRuns, int textRuns, int gemmSize, int[] textBatches, List<Precision> precisions,
      List<Passes> passes) {
    public Settings {
      precisions = precisions == null || precisions.isEmpty() ? List.of(Precision.FLOAT32) : List.copyOf(precisions);
      passes = passes == null || passes.isEmpty() ? List.of(Passes.FUSED) : List.copyOf(passes);
      textBatches = textBatches == null || textBatches.length == 0 ? new int[] {1} : textBatches.clone();
    }

    public static Settings defaults() {
      return new Settings(
          List.of("ViT-B/32", "RN50x4"), new int[] {8, 32}, 5, 60, 2048, new int[] {1}, List.of(Precision.FLOAT32), List.of(Passes.FUSED));
    }
  }

  /** How the encoder runs its passes ({@link EncoderOptions#fusedPasses()}). */
  public enum Passes {
    /** Each transformer in one TorchScript call, prepacked products (the default). */
    FUSED("fused"),
    /** Every operation through DJL one by one. */
    OPS("ops");

    final String label;

    Passes(String label) {
      this.label = label;
    }

    public static Passes parse(String s) {
      for (Passes p : values()) {
        if (p.label.equalsIgnoreCase(s.trim())) {
          return p;
        }
      }
      throw new IllegalArgumentException("unknown passes '" + s + "'; expected fused or ops");
    }

    @Override
    public String toString() {
      return label;
    }
  }

  /** Images per second at one batch size. */
  public record ImageResult(String model, Precision precision, Passes passes, int batch, double imagesPerSecond, double gflops, double fractionOfGemm) {}

  /**
   * Latency percentiles of one caption length and batch, and the time of the text tower's linear
   * layers alone (float32) on that many rows (the matrix products every implementation must do).
   */
  public record TextResult(
      String model, Precision precision, Passes passes, int tokens, int batch, double p50Millis, double p99Millis, double linearFloorMillis) {}

  /** Cosine of a variant's features to the baseline's (float32) on the same inputs: the worst and the mean. */
  public record Fidelity(String model, Precision precision, Passes passes, String tower, int rows, double minCosine, double meanCosine) {}

  /**
   * @param bf16GemmGflops the 2048³ product as bf16 runs it (PyTorch's bfloat16 kernels, or the
   *     emulated ones: float32 kernels on rounded operands), 0 without bf16
   * @param genericBf16GemmGflops where bf16 runs emulated: PyTorch's bfloat16 kernels on a 512³
   *     product (what they would cost), else 0
   */
  public record Report(
      String machine, double gemmGflops, double bf16GemmGflops, boolean bf16Emulated, double genericBf16GemmGflops, List<ImageResult> images,
      List<TextResult> texts, List<Fidelity> fidelity, Precision baseline, Passes baselinePasses) {
    public String toMarkdown() {
      StringBuilder s = new StringBuilder();
      s.append("Machine: ").append(machine).append("\n\n");
      s.append(String.format(Locale.ROOT, "float32 GEMM rate (%s): **%.1f GFLOP/s**%n", "DJL PyTorch matMul", gemmGflops));
      if (bf16GemmGflops > 0) {
        s.append(
            String.format(
                Locale.ROOT, "bf16 GEMM rate (the same product on bfloat16 operands%s): **%.1f GFLOP/s** (%.2f× float32; native bf16 on this CPU: %s)%n",
                bf16Emulated ? ", emulated: float32 kernels on operands rounded to bfloat16" : "", bf16GemmGflops, bf16GemmGflops / gemmGflops,
                Precision.cpuHasNativeBf16() ? "yes" : "no"));
      }
      if (genericBf16GemmGflops > 0) {
        s.append(
            String.format(
                Locale.ROOT, "\nPyTorch's own bfloat16 kernels here (what bf16 would run without the emulation), a 512³ product: **%.2f GFLOP/s** (%.3f× float32's 2048³ rate)%n",
                genericBf16GemmGflops, genericBf16GemmGflops / gemmGflops));
      }
      String base = baseline + ", " + baselinePasses;
      s.append("\n| model | precision | passes | batch | images/s | GFLOP/s | fraction of float32 GEMM rate | speed vs ").append(base).append(" |\n");
      s.append("|---|---|---|---:|---:|---:|---:|---:|\n");
      for (ImageResult r : images) {
        ImageResult b0 =
            images.stream()
                .filter(b -> b.model.equals(r.model) && b.batch == r.batch && b.precision == baseline && b.passes == baselinePasses)
                .findFirst().orElse(r);
        s.append(
            String.format(
                Locale.ROOT, "| %s | %s | %s | %d | %.2f | %.1f | %.0f%% | %.2f× |%n", r.model, r.precision, r.passes, r.batch, r.imagesPerSecond, r.gflops,
                100 * r.fractionOfGemm, r.imagesPerSecond / b0.imagesPerSecond));
      }
      s.append("\n| model (text tower) | precision | passes | caption tokens | captions a pass | p50 ms | p99 ms | its linear layers alone (DJL, float32), ms | speed vs ")
          .append(base).append(" (p50) |\n|---|---|---|---:|---:|---:|---:|---:|---:|\n");
      for (TextResult r : texts) {
        TextResult b0 =
            texts.stream()
                .filter(b -> b.model.equals(r.model) && b.tokens == r.tokens && b.batch == r.batch && b.precision == baseline
                    && b.passes == baselinePasses)
                .findFirst().orElse(r);
        s.append(
            String.format(
                Locale.ROOT, "| %s | %s | %s | %d | %d | %.2f | %.2f | %s | %.2f× |%n", r.model, r.precision, r.passes, r.tokens, r.batch, r.p50Millis,
                r.p99Millis, Double.isNaN(r.linearFloorMillis) ? "—" : String.format(Locale.ROOT, "%.2f", r.linearFloorMillis),
                b0.p50Millis / r.p50Millis));
      }
      if (!fidelity.isEmpty()) {
        s.append("\nFeatures against ").append(base).append("'s on the same inputs (random weights, the benchmark's images and captions):\n\n");
        s.append("| model | precision | passes | tower | rows | worst cosine | mean cosine |\n|---|---|---|---|---:|---:|---:|\n");
        for (Fidelity f : fidelity) {
          s.append(
              String.format(
                  Locale.ROOT, "| %s | %s | %s | %s | %d | %.6f | %.6f |%n", f.model, f.precision, f.passes, f.tower, f.rows, f.minCosine,
                  f.meanCosine));
        }
      }
      return s.toString();
    }
  }

  private EncoderBenchmark() {}

  public static Report run(Settings settings, Consumer<String> progress) {
    Engines.ensureOffline();
    String machine = MachineDescription.describe();
    progress.accept("machine: " + machine);
    double gemm = gemmGflops(settings.gemmSize(), progress);
    boolean bf16 = settings.precisions().contains(Precision.BF16);
    boolean emulated = bf16 && Bf16Kernels.emulatedOn(false);
    double bf16Gemm = bf16 ? bf16GemmGflops(settings.gemmSize(), emulated, progress) : 0;
    // PyTorch's generic bfloat16 kernels run near 1 GFLOP/s on such CPUs: a smaller product says what they cost
    double generic = emulated ? bf16GemmGflops(512, false, progress) : 0;
    List<ImageResult> images = new ArrayList<>();
    List<TextResult> texts = new ArrayList<>();
    List<Fidelity> fidelity = new ArrayList<>();
    for (String name : settings.models()) {
      ClipConfig config = ClipConfig.named(name);
      Map<String, float[][]> exact = new HashMap<>();
      for (Precision precision : settings.precisions()) {
        for (Passes passes : settings.passes()) {
          measure(settings, name, config, precision, passes, gemm, exact, images, texts, fidelity, progress);
        }
      }
    }
    return new Report(machine, gemm, bf16Gemm, emulated, generic, images, texts, fidelity, settings.precisions().get(0), settings.passes().get(0));
  }

  /** One variant (precision, passes) of one model: its image rates and caption latencies. */
  private static void measure(
      Settings settings, String name, ClipConfig config, Precision precision, Passes passes, double gemm, Map<String, float[][]> exact,
      List<ImageResult> images, List<TextResult> texts, List<Fidelity> fidelity, Consumer<String> progress) {
    double perImage = ModelFlops.image(config);
    int[] lengths = {12, config.contextLength()};
    boolean reference = precision == Precision.FLOAT32 && exact.isEmpty();
    String variant = precision + ", " + passes;
    progress.accept("building " + name + " with random weights, " + variant);
    // the same seed for every variant: the same weights, so features compare
    Engines.pytorch().setRandomSeed(20);
    EncoderOptions o =
        EncoderOptions.defaults().withPredictors(1).withBatchSize(64).withPrecision(precision).withFusedPasses(passes == Passes.FUSED);
    try (CirEncoder enc = CirEncoder.withRandomWeights(config, o)) {
      for (int b : settings.batches()) {
        List<float[]> batch = randomImages(b, config.imageResolution());
        // warm-up: the allocator's heap grows to its working size, kernels are chosen
        long warm = System.nanoTime();
        float[][] features = null;
        for (int i = 0; i < 3 || System.nanoTime() - warm < 5_000_000_000L && i < 20; i++) {
          features = enc.encodePixels(batch);
        }
        compare(fidelity, exact, reference, name, precision, passes, "image", "image batch " + b, features);
        double[] secs = new double[settings.imageRuns()];
        for (int i = 0; i < secs.length; i++) {
          long t = System.nanoTime();
          enc.encodePixels(batch);
          secs[i] = (System.nanoTime() - t) / 1e9;
        }
        double ips = b / median(secs);
        double gf = perImage * ips / 1e9;
        images.add(new ImageResult(name, precision, passes, b, ips, gf, gf / gemm));
        progress.accept(String.format(Locale.ROOT, "%s %s batch %d: %.2f images/s (%.0f%% of the float32 GEMM rate)", name, variant, b, ips, 100 * gf / gemm));
      }
      for (int tokens : lengths) {
        for (int rows : settings.textBatches()) {
          long[][] captions = new long[rows][];
          for (int i = 0; i < rows; i++) {
            captions[i] = caption(tokens, config, i);
          }
          float[][] features = null;
          for (int i = 0; i < 5; i++) {
            features = enc.encodeTokens(captions);
          }
          compare(fidelity, exact, reference, name, precision, passes, "text", "text " + tokens + "x" + rows, features);
          double[] ms = new double[Math.max(5, rows == 1 ? settings.textRuns() : settings.textRuns() / 3)];
          for (int i = 0; i < ms.length; i++) {
            long t = System.nanoTime();
            enc.encodeTokens(captions);
            ms[i] = (System.nanoTime() - t) / 1e6;
          }
          Arrays.sort(ms);
          double floor =
              precision == settings.precisions().get(0) && passes == settings.passes().get(0)
                  ? linearLayersMillis(config, tokens * rows, settings.textRuns())
                  : Double.NaN;
          TextResult r = new TextResult(name, precision, passes, tokens, rows, percentile(ms, 0.5), percentile(ms, 0.99), floor);
          texts.add(r);
          progress.accept(
              String.format(
                  Locale.ROOT, "%s %s text, %d tokens x %d: p50 %.2f ms, p99 %.2f ms%s", name, variant, tokens, rows, r.p50Millis,
                  r.p99Millis, Double.isNaN(floor) ? "" : String.format(Locale.ROOT, " (float32 linear layers alone: %.2f ms)", floor)));
        }
      }
    }
  }

  /**
   * Keeps the reference's features of {@code key} (the first float32 variant measured); for any
   * other variant, adds its cosine to them.
   */
  private static void compare(
      List<Fidelity> out, Map<String, float[][]> exact, boolean reference, String model, Precision p, Passes passes, String tower, String key,
      float[][] features) {
    if (reference) {
      exact.put(key, features);
      return;
    }
    float[][] ref = exact.get(key);
    if (ref == null) {
      return; // float32 not measured (or measured after): nothing to compare with
    }
    double min = 1;
    double sum = 0;
    for (int i = 0; i < ref.length; i++) {
      double c = cosine(ref[i], features[i]);
      min = Math.min(min, c);
      sum += c;
    }
    Fidelity f =
        out.stream().filter(x -> x.model.equals(model) && x.precision == p && x.passes == passes && x.tower.equals(tower)).findFirst().orElse(null);
    if (f != null) {
      out.remove(f);
      int rows = f.rows + ref.length;
      out.add(new Fidelity(model, p, passes, tower, rows, Math.min(f.minCosine, min), (f.meanCosine * f.rows + sum) / rows));
    } else {
      out.add(new Fidelity(model, p, passes, tower, ref.length, min, sum / ref.length));
    }
  }

  static double cosine(float[] a, float[] b) {
    double ab = 0;
    double aa = 0;
    double bb = 0;
    for (int i = 0; i < a.length; i++) {
      ab += (double) a[i] * b[i];
      aa += (double) a[i] * a[i];
      bb += (double) b[i] * b[i];
    }
    return ab / Math.sqrt(aa * bb);
  }

  /** Median rate of an n×n×n product on bfloat16 operands, by the native or the emulated kernels, in GFLOP/s. */
  static double bf16GemmGflops(int n, boolean emulated, Consumer<String> progress) {
    try (NDManager m = Engines.pytorch().newBaseManager();
        AutoCloseable noGrad = Engines.noGrad();
        Bf16Kernels k = Bf16Kernels.load(m, emulated)) {
      NDArray a = k.toBf16(m.randomNormal(new Shape(n, n)));
      NDArray b = k.toBf16(m.randomNormal(new Shape(n, n)));
      for (int i = 0; i < 2; i++) {
        k.matMul(a, b).close();
      }
      double[] rates = new double[10];
      for (int i = 0; i < rates.length; i++) {
        long t = System.nanoTime();
        try (NDArray c = k.matMul(a, b)) {
          c.getFloat(0, 0);
        }
        rates[i] = 2.0 * n * n * n / ((System.nanoTime() - t) / 1e9) / 1e9;
      }
      double r = median(rates);
      progress.accept(String.format(Locale.ROOT, "bf16 GEMM %dx%dx%d (%s kernels): %.2f GFLOP/s", n, n, n, emulated ? "emulated" : "bfloat16", r));
      return r;
    } catch (Exception e) {
      throw new IllegalStateException("bf16 GEMM measurement failed: " + e.getMessage(), e);
    }
  }

  /** Best sustained rate of an n×n×n float32 matrix product, in GFLOP/s (median of 10). */
  public static double gemmGflops(int n, Consumer<String> progress) {
    try (NDManager m = Engines.pytorch().newBaseManager();
        AutoCloseable noGrad = Engines.noGrad()) {
      NDArray a = m.randomNormal(new Shape(n, n));
      NDArray b = m.randomNormal(new Shape(n, n));
      for (int i = 0; i < 2; i++) {
        a.matMul(b).close();
      }
      double[] rates = new double[10];
      for (int i = 0; i < rates.length; i++) {
        long t = System.nanoTime();
        try (NDArray c = a.matMul(b)) {
          c.getFloat(0, 0);
        }
        rates[i] = 2.0 * n * n * n / ((System.nanoTime() - t) / 1e9) / 1e9;
      }
      double r = median(rates);
      progress.accept(String.format(Locale.ROOT, "float32 GEMM %dx%dx%d: %.1f GFLOP/s", n, n, n, r));
      return r;
    } catch (Exception e) {
      throw new IllegalStateException("GEMM measurement failed: " + e.getMessage(), e);
    }
  }

  /**
   * Median time of the text transformer's 4·layers linear layers (qkv, out, c_fc, c_proj) on
   * {@code rows} rows, each layer with its own weights as in the model, without anything else.
   */
  static double linearLayersMillis(ClipConfig c, int rows, int runs) {
    long w = c.textWidth();
    long[][] shapes = {{3 * w, w}, {w, w}, {4 * w, w}, {w, 4 * w}};
    try (NDManager m = Engines.pytorch().newBaseManager();
        AutoCloseable noGrad = Engines.noGrad()) {
      NDArray[][] weights = new NDArray[c.textLayers()][4];
      NDArray[] biases = new NDArray[4];
      NDArray[] inputs = new NDArray[4];
      for (int i = 0; i < 4; i++) {
        biases[i] = m.zeros(new Shape(shapes[i][0]));
        inputs[i] = m.randomNormal(new Shape(rows, shapes[i][1]));
        for (int l = 0; l < c.textLayers(); l++) {
          weights[l][i] = m.randomNormal(new Shape(shapes[i][0], shapes[i][1]));
        }
      }
      double[] ms = new double[Math.max(5, runs / 2)];
      for (int k = -3; k < ms.length; k++) {
        long t = System.nanoTime();
        for (int l = 0; l < c.textLayers(); l++) {
          for (int i = 0; i < 4; i++) {
            ai.djl.nn.core.Linear.linear(inputs[i], weights[l][i], biases[i]).singletonOrThrow().close();
          }
        }
        if (k >= 0) {
          ms[k] = (System.nanoTime() - t) / 1e6;
        }
      }
      return median(ms);
    } catch (Exception e) {
      throw new IllegalStateException("linear-layer measurement failed: " + e.getMessage(), e);
    }
  }

  private static List<float[]> randomImages(int n, int r) {
    Random rnd = new Random(7);
    List<float[]> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      float[] px = new float[3 * r * r];
      for (int k = 0; k < px.length; k++) {
        px[k] = (float) rnd.nextGaussian();
      }
      out.add(px);
    }
    return out;
  }

  /** A caption of {@code tokens} ids: start, words, end (the largest id), then padding. */
  static long[] caption(int tokens, ClipConfig c) {
    return caption(tokens, c, 0);
  }

  /** The {@code k}-th of several different captions of {@code tokens} ids. */
  static long[] caption(int tokens, ClipConfig c, int k) {
    long[] row = new long[c.contextLength()];
    int v = c.vocabSize();
    row[0] = v - 2;
    for (int i = 1; i < tokens - 1; i++) {
      row[i] = 100 + i + 37L * k;
    }
    row[tokens - 1] = v - 1;
    return row;
  }

  static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  static double percentile(double[] sorted, double q) {
    int i = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }
}
