package dev.cir.clip.model;

import static dev.cir.clip.model.ClipModelParityTest.array;
import static dev.cir.clip.model.ClipModelParityTest.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import dev.cir.clip.io.StateDict;
import dev.cir.clip.testing.Fixtures;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The Combiner's output, λ, logits and loss equal CLIP4Cir's {@code combiner.py}. */
class CombinerParityTest {
  @Test
  void combinerMatchesReference() {
    check(false);
  }

  @Test
  void combinerOnPrepackedWeightsMatchesReference() {
    check(true);
  }

  /** @param packed the Combiner's layers on oneDNN's prepacked weights, as a served bundle runs on a CPU */
  static void check(boolean packed) {
    StateDict weights = Fixtures.smallTensors("combiner.safetensors");
    StateDict expected = Fixtures.smallTensors("combiner.expected.safetensors");
    try (NDManager m = NDManager.newBaseManager()) {
      StateDictWeights w = new StateDictWeights(weights, m);
      Combiner combiner = new Combiner(w, 32, 64, 128);
      w.checkAllUsed();
      InferenceKernels kernels = packed ? InferenceKernels.load(m) : null;
      if (packed) {
        combiner.usePackedLinears(kernels);
      }
      ParameterStore ps = new ParameterStore(m, false);
      NDArray image = array(m, expected.get("image_features"));
      NDArray text = array(m, expected.get("text_features"));
      NDArray target = array(m, expected.get("target_features"));
      NDList out = combiner.combine(ps, image, text, false);
      assertClose(expected.get("combined").toFloatArray(), out.get(0).toFloatArray(), 1e-5, "combined");
      assertClose(expected.get("dynamic_scalar").toFloatArray(), out.get(1).toFloatArray(), 1e-5, "lambda");
      NDArray logits = ContrastiveLoss.logits(out.get(0), target, Combiner.LOGIT_SCALE);
      // logits reach |x| > 128, where one float32 step is 1.5e-5: compare relative to magnitude
      assertCloseRelative(expected.get("logits").toFloatArray(), logits.toFloatArray(), 1e-5, "logits");
      NDArray loss = ContrastiveLoss.crossEntropyOnDiagonal(logits);
      assertClose(expected.get("loss").toFloatArray(), new float[] {loss.getFloat()}, 1e-5, "loss");
      // the first rows alone: one row runs the plain matrix-vector products, two rows on (packed) the prepacked kernels
      for (int rows = 1; rows <= 2; rows++) {
        NDList few = combiner.combine(ps, image.get(":" + rows), text.get(":" + rows), false);
        int d = (int) image.getShape().get(1);
        assertClose(Arrays.copyOf(expected.get("combined").toFloatArray(), rows * d), few.get(0).toFloatArray(), 1e-5, "combined, first " + rows);
        assertClose(
            Arrays.copyOf(expected.get("dynamic_scalar").toFloatArray(), rows), few.get(1).toFloatArray(), 1e-5, "lambda, first " + rows);
      }
      NDArray sum = Combiner.normalize(image.add(text));
      assertClose(expected.get("element_wise_sum").toFloatArray(), sum.toFloatArray(), 1e-5, "element-wise sum");
      if (kernels != null) {
        kernels.close();
      }
    }
  }

  static void assertCloseRelative(float[] expected, float[] actual, double tol, String what) {
    assertEquals(expected.length, actual.length, what + " length");
    double max = 0;
    for (int i = 0; i < expected.length; i++) {
      max = Math.max(max, Math.abs(expected[i] - actual[i]) / Math.max(1.0, Math.abs(expected[i])));
    }
    System.out.printf("%s: max relative difference %.3g%n", what, max);
    org.junit.jupiter.api.Assertions.assertTrue(max <= tol, what + ": max relative difference " + max + " > " + tol);
  }

  @Test
  void dropoutOnlyWhileTraining() {
    try (NDManager m = NDManager.newBaseManager()) {
      StateDict weights = Fixtures.smallTensors("combiner.safetensors");
      Combiner combiner = new Combiner(new StateDictWeights(weights, m), 32, 64, 128);
      ParameterStore ps = new ParameterStore(m, false);
      NDArray image = m.randomNormal(new ai.djl.ndarray.types.Shape(4, 32));
      NDArray text = m.randomNormal(new ai.djl.ndarray.types.Shape(4, 32));
      float[] eval1 = combiner.combine(ps, image, text, false).get(0).toFloatArray();
      float[] eval2 = combiner.combine(ps, image, text, false).get(0).toFloatArray();
      float[] train = combiner.combine(ps, image, text, true).get(0).toFloatArray();
      assertEquals(Arrays.toString(eval1), Arrays.toString(eval2));
      assertFalse(Arrays.equals(eval1, train), "dropout must change the training output");
    }
  }

  @Test
  void startingAtSumRanksAsTheSumUntilTrained() {
    try (NDManager m = NDManager.newBaseManager()) {
      ai.djl.engine.Engine.getEngine("PyTorch").setRandomSeed(3);
      Combiner atSum = new Combiner(Combiner.startingAtSum(new RandomWeights(m)), 32, 64, 128);
      Combiner random = new Combiner(new RandomWeights(m), 32, 64, 128);
      ParameterStore ps = new ParameterStore(m, false);
      NDArray image = m.randomNormal(new ai.djl.ndarray.types.Shape(6, 32));
      NDArray text = m.randomNormal(new ai.djl.ndarray.types.Shape(6, 32)).mul(3f);
      float[] sum = Combiner.normalize(image.add(text)).toFloatArray();
      NDList out = atSum.combine(ps, image, text, false);
      assertClose(sum, out.get(0).toFloatArray(), 1e-6, "a Combiner started at the sum");
      float[] lambda = out.get(1).toFloatArray();
      float[] half = new float[lambda.length];
      Arrays.fill(half, 0.5f);
      assertClose(half, lambda, 0, "lambda");
      // with dropout the projections change, but the output does not depend on them yet
      assertClose(sum, atSum.combine(ps, image, text, true).get(0).toFloatArray(), 1e-6, "training output");
      float[] drawn = random.combine(ps, image, text, false).get(0).toFloatArray();
      double max = 0;
      for (int i = 0; i < sum.length; i++) {
        max = Math.max(max, Math.abs(sum[i] - drawn[i]));
      }
      org.junit.jupiter.api.Assertions.assertTrue(max > 1e-2, "CLIP4Cir's random start is not the sum: " + max);
      // only the output layer and the dynamic scalar's last layer start at zero
      for (var p : atSum.namedParameters().entrySet()) {
        boolean zero = p.getKey().startsWith("output_layer.") || p.getKey().startsWith("dynamic_scalar.3.");
        float absMax = p.getValue().getArray().abs().max().getFloat();
        org.junit.jupiter.api.Assertions.assertEquals(zero, absMax == 0f, p.getKey() + " max |w| " + absMax);
      }
    }
  }
}
