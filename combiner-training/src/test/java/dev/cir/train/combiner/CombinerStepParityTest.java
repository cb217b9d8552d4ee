package dev.cir.train.combiner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import dev.cir.clip.encoder.Engines;
import dev.cir.clip.io.SafeTensors;
import dev.cir.clip.io.StateDict;
import dev.cir.clip.model.Combiner;
import dev.cir.clip.model.StateDictWeights;
import dev.cir.clip.testing.Fixtures;
import dev.cir.eval.data.AlternativeCaptions;
import dev.cir.train.loop.TrainingLoop;
import dev.cir.train.optim.AdamW;
import dev.cir.train.optim.ParameterGroup;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * One and two training steps of the Combiner on the reference fixture's batch, dropout off: the
 * loss equals the reference's (CLIP4Cir's {@code combiner.py} and cross-entropy, computed in
 * PyTorch), and the parameters equal an Adam / AdamW update computed here in plain Java from the
 * gradients.
 */
class CombinerStepParityTest {
  private static final int[] BATCH = {0, 1, 2, 3, 4, 5};

  @Test
  void smallFixtureStepMatchesReferenceLossAndJavaAdam() {
    check(Fixtures.small("combiner.safetensors"), Fixtures.small("combiner.expected.safetensors"), 0);
  }

  @Test
  void sharedFixtureStepMatchesReferenceLossAndJavaAdamW() {
    Path ref = Fixtures.referenceOrSkip();
    check(ref.resolve("combiner.safetensors"), ref.resolve("combiner.expected.safetensors"), 0.01);
  }

  private static void check(Path weightsFile, Path expectedFile, double weightDecay) {
    StateDict expected = SafeTensors.read(expectedFile);
    float[][] image = rows(expected.get("image_features").toFloatArray(), 32);
    float[][] text = rows(expected.get("text_features").toFloatArray(), 32);
    float[][] target = rows(expected.get("target_features").toFloatArray(), 32);
    double expectedLoss = expected.get("loss").toFloatArray()[0];
    Engine engine = Engines.pytorch();
    try (NDManager m = engine.newBaseManager()) {
      StateDictWeights w = new StateDictWeights(SafeTensors.read(weightsFile), m);
      Combiner c = new Combiner(w, 32, 64, 128);
      w.checkAllUsed();
      CombinerTask task =
          new CombinerTask(c, m, TripletFeatures.of(image, text, target), null, AlternativeCaptions.INSTANCE, null, false);
      Map<String, Parameter> params = new LinkedHashMap<>(c.namedParameters());
      // Adam (no decay, CLIP4Cir's stage 2) or AdamW over two groups: decay for matrices, none for biases
      AdamW opt =
          weightDecay == 0
              ? task.optimizer()
              : new AdamW(ParameterGroup.split(params, weightDecay, false), 0.9, 0.999, 1e-8, m);
      double eps = 1e-8;
      params.values().forEach(p -> p.getArray().setRequiresGradient(true));
      double lr = 1e-3;
      Map<String, double[]> javaP = new LinkedHashMap<>();
      Map<String, double[]> javaM = new LinkedHashMap<>();
      Map<String, double[]> javaV = new LinkedHashMap<>();
      params.forEach((k, p) -> {
        javaP.put(k, toDouble(p.getArray().toFloatArray()));
        javaM.put(k, new double[(int) p.getArray().size()]);
        javaV.put(k, new double[(int) p.getArray().size()]);
      });
      for (int step = 1; step <= 2; step++) {
        Map<String, double[]> grads = gradients(m, task, params);
        double[] lossAndNorm = TrainingLoop.update(m, task, opt, params, BATCH, lr, new SplittableRandom(0), 0);
        if (step == 1) {
          System.out.printf("loss %.8f, reference %.8f%n", lossAndNorm[0], expectedLoss);
          assertEquals(expectedLoss, lossAndNorm[0], 1e-5, "loss of the first step");
        }
        double maxDiff = 0;
        for (String k : params.keySet()) {
          double decay = weightDecay == 0 || ParameterGroup.exemptFromDecay(k, params.get(k)) ? 0 : weightDecay;
          adamW(javaP.get(k), grads.get(k), javaM.get(k), javaV.get(k), step, lr, 0.9, 0.999, eps, decay);
          float[] actual = params.get(k).getArray().toFloatArray();
          double[] want = javaP.get(k);
          for (int i = 0; i < actual.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(actual[i] - want[i]));
          }
        }
        System.out.printf("step %d: max |engine - Java AdamW| = %.3g%n", step, maxDiff);
        // the update moves each weight by about lr = 1e-3; float32 rounding of weights ~0.1 is ~1e-8
        assertTrue(maxDiff < 1e-6, "parameters differ from the Java AdamW update by " + maxDiff);
      }
      if (opt != task.optimizer()) {
        opt.close();
      }
      task.close();
    }
  }

  /** The batch's gradients, computed on their own and cleared again. */
  private static Map<String, double[]> gradients(NDManager m, CombinerTask task, Map<String, Parameter> params) {
    Map<String, double[]> out = new LinkedHashMap<>();
    try (NDManager s = m.newSubManager();
        NDScope scope = new NDScope()) {
      try (GradientCollector g = m.getEngine().newGradientCollector()) {
        g.backward(task.loss(s, BATCH, new SplittableRandom(0)));
      }
      for (Map.Entry<String, Parameter> e : params.entrySet()) {
        NDArray grad = e.getValue().getArray().getGradient();
        out.put(e.getKey(), toDouble(grad.toFloatArray()));
        grad.subi(grad);
      }
    }
    return out;
  }

  /** torch.optim.AdamW's update in double precision (Adam when decay is 0). */
  static void adamW(double[] p, double[] g, double[] m, double[] v, int t, double lr, double b1, double b2, double eps, double wd) {
    double bc1 = 1 - Math.pow(b1, t);
    double bc2 = 1 - Math.pow(b2, t);
    for (int i = 0; i < p.length; i++) {
      p[i] *= 1 - lr * wd;
      m[i] = b1 * m[i] + (1 - b1) * g[i];
      v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
      p[i] -= lr / bc1 * m[i] / (Math.sqrt(v[i]) / Math.sqrt(bc2) + eps);
    }
  }

  static double[] toDouble(float[] f) {
    double[] d = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      d[i] = f[i];
    }
    return d;
  }

  static float[][] rows(float[] flat, int d) {
    float[][] out = new float[flat.length / d][];
    for (int i = 0; i < out.length; i++) {
      out[i] = java.util.Arrays.copyOfRange(flat, i * d, (i + 1) * d);
    }
    return out;
  }

}
