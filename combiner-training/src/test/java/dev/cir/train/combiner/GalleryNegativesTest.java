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
      try (CombinerTask withGallery = new CombinerTask(c, m.newSubManager(), features, null, AlternativeCaptions.INSTANCE, null, false, true, 0, 0);
          CombinerTask inBatch = new CombinerTask(c, m.newSubManager(), features, null, AlternativeCaptions.INSTANCE, null, false, false, 0, 0);
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

  @Test
  void sampledGalleryRanksTheDrawnImagesAndTheBatch() {
    SplittableRandom r = new SplittableRandom(5);
    int n = 40;
    float[][] ref = rows(r, n);
    float[][] txt = rows(r, n);
    float[][] tgt = rows(r, n);
    TripletFeatures features = TripletFeatures.of(ref, txt, tgt);
    int[] batch = {1, 7, 12, 30};
    int k = 9;
    try (NDManager m = Engines.pytorch().newBaseManager()) {
      Engines.pytorch().setRandomSeed(13);
      Combiner c = new Combiner(new RandomWeights(m), D, 16, 32);
      try (CombinerTask sampled = new CombinerTask(c, m.newSubManager(), features, null, AlternativeCaptions.INSTANCE, null, false, true, k, 0);
          CombinerTask whole = new CombinerTask(c, m.newSubManager(), features, null, AlternativeCaptions.INSTANCE, null, false, true, 0, 0);
          NDManager step = m.newSubManager()) {
        float actual = sampled.loss(step, batch, new SplittableRandom(21)).getFloat();
        float all = whole.loss(step, batch, new SplittableRandom(21)).getFloat();
        // the same draw the task made: one caption variant per triplet, so the random is untouched before it
        int[] refs = new int[batch.length];
        int[] tgts = new int[batch.length];
        for (int i = 0; i < batch.length; i++) {
          refs[i] = batch[i];
          tgts[i] = n + batch[i];
        }
        int[] chosen = CombinerTask.sample(2 * n, k, new SplittableRandom(21), refs, tgts);
        double expected = 0;
        for (int i = 0; i < batch.length; i++) {
          float[] q = query(c, m, ref[batch[i]], txt[batch[i]]);
          double[] logits = new double[chosen.length];
          int target = -1;
          int skip = -1;
          for (int j = 0; j < chosen.length; j++) {
            int g = chosen[j];
            logits[j] = 100 * dot(q, unit(g < n ? ref[g] : tgt[g - n]));
            target = g == tgts[i] ? j : target;
            skip = g == refs[i] ? j : skip;
          }
          expected += -logSoftmax(logits, target, skip);
        }
        expected /= batch.length;
        System.out.printf("sampled gallery loss %.6f over %d candidates, plain Java %.6f (whole gallery %.6f)%n",
            actual, chosen.length, expected, all);
        assertEquals(expected, actual, 1e-4 * Math.max(1, Math.abs(expected)));
        assertTrue(Math.abs(all - expected) > 1e-2, "the sampled loss equals the whole gallery's");
      }
    }
  }

  @Test
  void minedNegativesAreTheImagesNearestToTheTarget() {
    SplittableRandom r = new SplittableRandom(8);
    int n = 30;
    float[][] ref = rows(r, n);
    float[][] txt = rows(r, n);
    float[][] tgt = rows(r, n);
    TripletFeatures features = TripletFeatures.of(ref, txt, tgt);
    int k = 3;
    try (NDManager m = Engines.pytorch().newBaseManager()) {
      float[] all = new float[2 * n * D];
      for (int g = 0; g < 2 * n; g++) {
        System.arraycopy(unit(g < n ? ref[g] : tgt[g - n]), 0, all, g * D, D);
      }
      int[][] mined = CombinerTask.mine(features, m.create(all, new Shape(2 * n, D)), k, m);
      for (int i = 0; i < n; i++) {
        int self = i;
        float[] t = unit(tgt[i]);
        java.util.List<Integer> order = new java.util.ArrayList<>();
        for (int g = 0; g < 2 * n; g++) {
          if (g != i && g != n + i) {
            order.add(g);
          }
        }
        order.sort((a, b) -> Double.compare(dot(t, unit(b < n ? ref[b] : tgt[b - n])), dot(t, unit(a < n ? ref[a] : tgt[a - n]))));
        int[] expected = order.subList(0, k).stream().mapToInt(Integer::intValue).toArray();
        org.junit.jupiter.api.Assertions.assertArrayEquals(expected, mined[i], "triplet " + self);
      }
    }
  }

  @Test
  void sampleDrawsDistinctImagesAndKeepsTheBatch() {
    int[] refs = {3, 50};
    int[] tgts = {4, 99};
    for (int seed = 0; seed < 20; seed++) {
      int[] s = CombinerTask.sample(100, 10, new SplittableRandom(seed), refs, tgts);
      java.util.Set<Integer> set = new java.util.TreeSet<>();
      for (int i = 0; i < s.length; i++) {
        set.add(s[i]);
        assertTrue(i == 0 || s[i] > s[i - 1], "not increasing");
      }
      assertTrue(set.containsAll(java.util.List.of(3, 4, 50, 99)), "a batch image is missing: " + set);
      assertTrue(s.length >= 10 && s.length <= 14, "drew " + s.length);
    }
    int[] all = CombinerTask.sample(100, 100, new SplittableRandom(1), refs, tgts);
    assertEquals(100, all.length);
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
