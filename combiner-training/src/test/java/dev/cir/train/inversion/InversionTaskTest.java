package dev.cir.train.inversion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.cir.clip.encoder.Engines;
import dev.cir.clip.model.ClipConfig;
import dev.cir.clip.model.ClipModel;
import dev.cir.clip.model.Inversion;
import dev.cir.clip.model.RandomWeights;
import dev.cir.clip.text.ClipTokenizer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * φ's two objectives against the same formulas written out in plain Java: φ as the sums of its
 * weights, the frozen text tower's features of the prompt with that pseudo-word, then the loss in
 * doubles.
 */
class InversionTaskTest {
  private static final int VOCAB = 300;
  private static final long EOT = VOCAB - 1;
  private static final int N = 6;

  /** "w5 w7 $ w9": start, two words, the placeholder (any id), a word, end. */
  private static ClipTokenizer.PromptTokens prompt(int context) {
    long[] row = new long[context];
    long[] ids = {VOCAB - 2, 5, 7, 1, 9, EOT};
    System.arraycopy(ids, 0, row, 0, ids.length);
    return new ClipTokenizer.PromptTokens(row, 3);
  }

  private record Fixture(NDManager manager, ClipModel clip, Inversion phi, float[][] features, ClipTokenizer.PromptTokens prompt)
      implements AutoCloseable {
    @Override
    public void close() {
      manager.close();
    }
  }

  private static Fixture fixture(long seed) {
    NDManager m = Engines.pytorch().newBaseManager();
    Engines.pytorch().setRandomSeed((int) seed);
    ClipModel clip = ClipModel.random(ClipConfig.tiny(VOCAB), m);
    int d = clip.config().embedDim();
    Inversion phi = Inversion.pic2word(new RandomWeights(m), d, clip.config().textWidth());
    SplittableRandom r = new SplittableRandom(seed);
    float[][] x = new float[N][d];
    for (float[] row : x) {
      for (int k = 0; k < d; k++) {
        row[k] = (float) (3 * r.nextGaussian());
      }
    }
    return new Fixture(m, clip, phi, x, prompt(clip.config().contextLength()));
  }

  /** Row i: the text tower's features of the prompt with φ(input_i), φ computed in plain Java. */
  private static double[][] prompted(Fixture f, float[][] input, int[] batch) {
    Map<String, NDArray> p = new HashMap<>();
    f.phi().namedParameters().forEach((k, v) -> p.put(k, v.getArray()));
    ParameterStore ps = new ParameterStore(f.manager(), false);
    double[][] out = new double[batch.length][];
    for (int i = 0; i < batch.length; i++) {
      double[] h = Arrays.stream(toDouble(input[batch[i]])).toArray();
      h = relu(dense(h, p.get("layers.0.0.weight"), p.get("layers.0.0.bias")));
      h = relu(dense(h, p.get("layers.1.0.weight"), p.get("layers.1.0.bias")));
      h = dense(h, p.get("fc_out.weight"), p.get("fc_out.bias"));
      float[] word = new float[h.length];
      for (int k = 0; k < h.length; k++) {
        word[k] = (float) h[k];
      }
      long[] row = f.prompt().row();
      NDArray tokens = f.manager().create(row, new Shape(1, row.length));
      NDArray features =
          f.clip().encodeTextAt(ps, tokens, new long[] {f.prompt().position()}, f.manager().create(word, new Shape(1, word.length)), false);
      out[i] = toDouble(features.toFloatArray());
    }
    return out;
  }

  @Test
  void imagesLossIsPic2WordsSymmetricContrastiveLoss() {
    try (Fixture f = fixture(3)) {
      int[] batch = {0, 2, 3, 5};
      InversionTask task =
          new InversionTask(f.clip(), f.phi(), f.manager().newSubManager(), f.features(), InversionObjective.IMAGES, f.prompt(), 0f, null, null, false);
      float actual;
      try (NDManager step = f.manager().newSubManager()) {
        actual = task.loss(step, batch, new SplittableRandom(0)).getFloat();
      }
      double[][] q = prompted(f, f.features(), batch);
      int b = batch.length;
      double s = Math.min(100, Math.exp(f.clip().logitScale().getArray().getFloat()));
      assertEquals(1 / 0.07, s, 1e-3, "OpenAI's initial scale");
      double[][] logits = new double[b][b];
      for (int i = 0; i < b; i++) {
        for (int j = 0; j < b; j++) {
          logits[i][j] = s * dot(unit(q[i]), unit(toDouble(f.features()[batch[j]])));
        }
      }
      double rows = 0;
      double columns = 0;
      for (int i = 0; i < b; i++) {
        double[] row = logits[i];
        double[] column = new double[b];
        for (int j = 0; j < b; j++) {
          column[j] = logits[j][i];
        }
        rows += logSumExp(row) - row[i];
        columns += logSumExp(column) - column[i];
      }
      double expected = (rows / b + columns / b) / 2;
      System.out.printf("images loss %.6f, plain Java %.6f (rows %.6f, columns %.6f)%n", actual, expected, rows / b, columns / b);
      assertEquals(expected, actual, 1e-4 * Math.max(1, expected));
      assertTrue(Math.abs(rows - columns) / b > 1e-3, "rows and columns differ, so the check sees both directions");
      task.optimizer().close();
    }
  }

  @Test
  void textsLossIsTheSquaredDistanceOfNormalizedFeatures() {
    try (Fixture f = fixture(5)) {
      int[] batch = {1, 4, 5};
      InversionTask clean =
          new InversionTask(f.clip(), f.phi(), f.manager().newSubManager(), f.features(), InversionObjective.TEXTS, f.prompt(), 0f, null, null, false);
      InversionTask noisy =
          new InversionTask(f.clip(), f.phi(), f.manager().newSubManager(), f.features(), InversionObjective.TEXTS, f.prompt(), 1f, null, null, false);
      float actual;
      float withNoise;
      try (NDManager step = f.manager().newSubManager()) {
        actual = clean.loss(step, batch, new SplittableRandom(0)).getFloat();
        withNoise = noisy.loss(step, batch, new SplittableRandom(0)).getFloat();
      }
      double[][] q = prompted(f, f.features(), batch);
      double expected = 0;
      for (int i = 0; i < batch.length; i++) {
        double[] a = unit(q[i]);
        double[] t = unit(toDouble(f.features()[batch[i]]));
        for (int k = 0; k < a.length; k++) {
          expected += (a[k] - t[k]) * (a[k] - t[k]);
        }
      }
      expected /= batch.length;
      System.out.printf("texts loss %.6f, plain Java %.6f; with noise %.6f%n", actual, expected, withNoise);
      assertEquals(expected, actual, 1e-5 * Math.max(1, expected));
      assertTrue(Math.abs(withNoise - actual) > 1e-6, "the noise reaches φ's input");
      clean.optimizer().close();
      noisy.optimizer().close();
    }
  }

  private static double[] dense(double[] x, NDArray weight, NDArray bias) {
    float[] w = weight.toFloatArray();
    float[] c = bias.toFloatArray();
    double[] y = new double[c.length];
    for (int o = 0; o < c.length; o++) {
      double s = c[o];
      for (int k = 0; k < x.length; k++) {
        s += w[o * x.length + k] * x[k];
      }
      y[o] = s;
    }
    return y;
  }

  private static double[] relu(double[] x) {
    return Arrays.stream(x).map(v -> Math.max(0, v)).toArray();
  }

  private static double[] toDouble(float[] x) {
    double[] y = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      y[i] = x[i];
    }
    return y;
  }

  private static double[] unit(double[] x) {
    double n = Math.sqrt(dot(x, x));
    return Arrays.stream(x).map(v -> v / n).toArray();
  }

  private static double dot(double[] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }

  private static double logSumExp(double[] x) {
    double max = Arrays.stream(x).max().orElseThrow();
    return max + Math.log(Arrays.stream(x).map(v -> Math.exp(v - max)).sum());
  }
}
