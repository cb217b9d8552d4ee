package dev.cir.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.cir.clip.encoder.CirEncoder;
import dev.cir.clip.encoder.EncoderOptions;
import dev.cir.clip.encoder.Engines;
import dev.cir.clip.model.ClipConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.Consumer;

/**
 * Measures, in one run: the machine's float32 matrix-multiply rate through DJL's PyTorch engine,
 * image throughput of full-size CLIP towers with random weights at given batch sizes (as a fraction
 * of that rate), and the latency of encoding one short and one full-context caption.
 */
public final class EncoderBenchmark {
  /** @param models architecture names; @param batches image batch sizes */
  public record Settings(List<String> models, int[] batches, int imageRuns, int textRuns, int gemmSize) {
    public static Settings defaults() {
      return new Settings(List.of("ViT-B/32", "RN50x4"), new int[] {8, 32}, 5, 60, 2048);
    }
  }

  /** Images per second at one batch size. */
  public record ImageResult(String model, int batch, double imagesPerSecond, double gflops, double fractionOfGemm) {}

  /**
   * Latency percentiles of one caption length, and the time of the text tower's linear layers
   * alone on that many rows (the matrix products every implementation must do).
   */
  public record TextResult(String model, int tokens, double p50Millis, double p99Millis, double linearFloorMillis) {}

  public record Report(String machine, double gemmGflops, List<ImageResult> images, List<TextResult> texts) {
    public String toMarkdown() {
      StringBuilder s = new StringBuilder();
      s.append("Machine: ").append(machine).append("\n\n");
      s.append(String.format(Locale.ROOT, "float32 GEMM rate (%s): **%.1f GFLOP/s**%n%n", "DJL PyTorch matMul", gemmGflops));
      s.append("| model | batch | images/s | GFLOP/s | fraction of GEMM rate |\n|---|---:|---:|---:|---:|\n");
      for (ImageResult r : images) {
        s.append(String.format(Locale.ROOT, "| %s | %d | %.2f | %.1f | %.0f%% |%n", r.model, r.batch, r.imagesPerSecond, r.gflops, 100 * r.fractionOfGemm));
      }
      s.append("\n| model (text tower) | caption tokens | p50 ms | p99 ms | its linear layers alone, ms |\n|---|---:|---:|---:|---:|\n");
      for (TextResult r : texts) {
        s.append(String.format(Locale.ROOT, "| %s | %d | %.2f | %.2f | %.2f |%n", r.model, r.tokens, r.p50Millis, r.p99Millis, r.linearFloorMillis));
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
    List<ImageResult> images = new ArrayList<>();
    List<TextResult> texts = new ArrayList<>();
    for (String name : settings.models()) {
      ClipConfig config = ClipConfig.named(name);
      progress.accept("building " + name + " with random weights");
      try (CirEncoder enc = CirEncoder.withRandomWeights(config, EncoderOptions.defaults().withPredictors(1).withBatchSize(64))) {
        double perImage = ModelFlops.image(config);
        for (int b : settings.batches()) {
          List<float[]> batch = randomImages(b, config.imageResolution());
          // warm-up: the allocator's heap grows to its working size, kernels are chosen
          long warm = System.nanoTime();
          for (int i = 0; i < 3 || System.nanoTime() - warm < 5_000_000_000L && i < 20; i++) {
            enc.encodePixels(batch);
          }
          double[] secs = new double[settings.imageRuns()];
          for (int i = 0; i < secs.length; i++) {
            long t = System.nanoTime();
            enc.encodePixels(batch);
            secs[i] = (System.nanoTime() - t) / 1e9;
          }
          double median = median(secs);
          double ips = b / median;
          double gf = perImage * ips / 1e9;
          images.add(new ImageResult(name, b, ips, gf, gf / gemm));
          progress.accept(String.format(Locale.ROOT, "%s batch %d: %.2f images/s (%.0f%% of GEMM rate)", name, b, ips, 100 * gf / gemm));
        }
        for (int tokens : new int[] {12, config.contextLength()}) {
          long[][] caption = {caption(tokens, config)};
          for (int i = 0; i < 5; i++) {
            enc.encodeTokens(caption);
          }
          double[] ms = new double[settings.textRuns()];
          for (int i = 0; i < ms.length; i++) {
            long t = System.nanoTime();
            enc.encodeTokens(caption);
            ms[i] = (System.nanoTime() - t) / 1e6;
          }
          Arrays.sort(ms);
          double floor = linearLayersMillis(config, tokens, settings.textRuns());
          TextResult r = new TextResult(name, tokens, percentile(ms, 0.5), percentile(ms, 0.99), floor);
          texts.add(r);
          progress.accept(
              String.format(
                  Locale.ROOT, "%s text, %d tokens: p50 %.2f ms, p99 %.2f ms (its linear layers alone: %.2f ms)", name, tokens,
                  r.p50Millis, r.p99Millis, floor));
        }
      }
    }
    return new Report(machine, gemm, images, texts);
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
    long[] row = new long[c.contextLength()];
    int v = c.vocabSize();
    row[0] = v - 2;
    for (int i = 1; i < tokens - 1; i++) {
      row[i] = 100 + i;
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
