package dev.cir.train.combiner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.cir.clip.encoder.Engines;
import dev.cir.clip.model.Combiner;
import dev.cir.clip.model.RandomWeights;
import dev.cir.eval.data.AlternativeCaptions;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Stage 2 with the whole cached gallery as candidates: the loss is the cross-entropy of each
 * query's target among every image but its own reference, computed here in plain Java from the
 * Combiner's outputs.
 */
class GalleryNegativesTest {
  private static final int D = 8;
  private static final int N = 6;

  @Test
  void lossRanksEveryImageButTheReference() {
    SplittableRandom r = new SplittableRandom(3);
    float[][] ref = rows(r, N);
    float[][] txt = rows(r, N);
    float[][] tgt = rows(r, N);
    TripletFeatures features = TripletFeatures.of(ref, txt, tgt);
    int[] batch = {0, 2, 3, 5};
    try (NDManager m = Engines.pytorch().newBaseManager()) {
      Engines.pytorch().setRandomSeed(11);
      Combiner c = new Combiner(new RandomWeights(m), D, 16, 32);
      try (CombinerTask withGallery = new CombinerTask(c, m.newSubManager(), features, null, AlternativeCaptions.INSTANCE, null, false, true);
          CombinerTask inBatch = new CombinerTask(c, m.newSubManager(), features, null, AlternativeCaptions.INSTANCE, null, false, false);
          NDManager step = m.newSubManager()) {
        float actual = withGallery.loss(step, batch, new SplittableRandom(0)).getFloat();
        float batchOnly = inBatch.loss(step, batch, new SplittableRandom(0)).getFloat();

        double expected = 0;
        double withReference = 0;
        for (int i : batch) {
          float[] q = query(c, m, ref[i], txt[i]);
          double[] logits = new double[2 * N]; // TripletFeatures.of: references 0..N-1, then targets N..2N-1
          for (int k = 0; k < 2 * N; k++) {
            logits[k] = 100 * dot(q, unit(k < N ? ref[k] : tgt[k - N]));
          }
          expected += -logSoftmax(logits, N + i, i);
          withReference += -logSoftmax(logits, N + i, -1);
        }
        expected /= batch.length;
        withReference /= batch.length;
        System.out.printf("gallery loss %.6f, plain Java %.6f (with the references as candidates %.6f; batch only %.6f)%n",
            actual, expected, withReference, batchOnly);
        assertEquals(expected, actual, 1e-4 * Math.max(1, Math.abs(expected)));
        assertTrue(Math.abs(withReference - expected) > 1e-2, "the check cannot tell whether the reference is left out");
        assertTrue(Math.abs(batchOnly - expected) > 1e-2, "the gallery loss equals the in-batch loss");
      }
    }
  }

  private static float[] query(Combiner c, NDManager m, float[] ref, float[] txt) {
    try (NDManager s = m.newSubManager()) {
      NDArray out = c.combine(new ParameterStore(s, false), s.create(ref, new Shape(1, D)), s.create(txt, new Shape(1, D)), false).get(0);
      return out.toFloatArray();
    }
  }

  /** log softmax(logits)[target], column {@code skip} left out (-1: none). */
  private static double logSoftmax(double[] logits, int target, int skip) {
    double max = Double.NEGATIVE_INFINITY;
    for (int k = 0; k < logits.length; k++) {
      if (k != skip) {
        max = Math.max(max, logits[k]);
      }
    }
    double sum = 0;
    for (int k = 0; k < logits.length; k++) {
      if (k != skip) {
        sum += Math.exp(logits[k] - max);
      }
    }
    return logits[target] - max - Math.log(sum);
  }

  private static float[][] rows(SplittableRandom r, int n) {
    float[][] x = new float[n][D];
    for (float[] row : x) {
      for (int k = 0; k < D; k++) {
        row[k] = (float) (r.nextDouble() * 2 - 1);
      }
    }
    return x;
  }

  private static float[] unit(float[] v) {
    double n = Math.sqrt(dot(v, v));
    float[] u = new float[v.length];
    for (int k = 0; k < v.length; k++) {
      u[k] = (float) (v[k] / n);
    }
    return u;
  }

  private static double dot(float[] a, float[] b) {
    double s = 0;
    for (int k = 0; k < a.length; k++) {
      s += (double) a[k] * b[k];
    }
    return s;
  }
}
