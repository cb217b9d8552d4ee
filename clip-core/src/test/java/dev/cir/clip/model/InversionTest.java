package dev.cir.clip.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class InversionTest {
  @Test
  void parametersCarryPic2WordsNamesAndShapes() {
    try (NDManager m = NDManager.newBaseManager()) {
      Inversion phi = Inversion.pic2word(new RandomWeights(m), 768, 768);
      Map<String, long[]> shapes = new java.util.LinkedHashMap<>();
      phi.namedParameters().forEach((k, v) -> shapes.put(k, v.getArray().getShape().getShape()));
      assertEquals(
          List.of("layers.0.0.weight", "layers.0.0.bias", "layers.1.0.weight", "layers.1.0.bias", "fc_out.weight", "fc_out.bias"),
          List.copyOf(shapes.keySet()));
      assertArrayEquals(new long[] {512, 768}, shapes.get("layers.0.0.weight"));
      assertArrayEquals(new long[] {512, 512}, shapes.get("layers.1.0.weight"));
      assertArrayEquals(new long[] {768, 512}, shapes.get("fc_out.weight"));
    }
  }

  /** φ(x) against the same sums written out in plain Java from its weights. */
  @Test
  void forwardIsTheMlpOfItsWeights() {
    try (NDManager m = NDManager.newBaseManager()) {
      Inversion phi = new Inversion(new RandomWeights(m), 6, 5, 4, 2, 0.1f);
      ParameterStore ps = new ParameterStore(m, false);
      SplittableRandom r = new SplittableRandom(1);
      int b = 3;
      float[] x = new float[b * 6];
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) r.nextGaussian();
      }
      float[] actual = phi.forward(ps, m.create(x, new Shape(b, 6)), false).toFloatArray();
      Map<String, NDArray> p = new java.util.HashMap<>();
      phi.namedParameters().forEach((k, v) -> p.put(k, v.getArray()));
      float[] expected = new float[b * 4];
      for (int i = 0; i < b; i++) {
        double[] h = new double[6];
        for (int k = 0; k < 6; k++) {
          h[k] = x[i * 6 + k];
        }
        h = relu(dense(h, p.get("layers.0.0.weight"), p.get("layers.0.0.bias")));
        h = relu(dense(h, p.get("layers.1.0.weight"), p.get("layers.1.0.bias")));
        h = dense(h, p.get("fc_out.weight"), p.get("fc_out.bias"));
        for (int j = 0; j < 4; j++) {
          expected[i * 4 + j] = (float) h[j];
        }
      }
      assertArrayEquals(expected, actual, 1e-5f);
    }
  }

  @Test
  void dropoutActsOnlyWhileTraining() {
    try (NDManager m = NDManager.newBaseManager()) {
      Inversion phi = new Inversion(new RandomWeights(m), 64, 256, 32, 2, 0.5f);
      ParameterStore ps = new ParameterStore(m, false);
      NDArray x = m.randomNormal(new Shape(8, 64));
      float[] a = phi.forward(ps, x, false).toFloatArray();
      assertArrayEquals(a, phi.forward(ps, x, false).toFloatArray(), 0f);
      assertFalse(Arrays.equals(a, phi.forward(ps, x, true).toFloatArray()));
    }
  }

  @Test
  void featuresOfAnotherSizeAreRefused() {
    try (NDManager m = NDManager.newBaseManager()) {
      Inversion phi = new Inversion(new RandomWeights(m), 6, 5, 4, 1, 0f);
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> phi.forward(new ParameterStore(m, false), m.zeros(new Shape(2, 7)), false));
      assertEquals("image features must be [batch, 6], got (2, 7)", e.getMessage());
    }
  }

  private static double[] dense(double[] x, NDArray weight, NDArray bias) {
    float[] w = weight.toFloatArray();
    float[] c = bias.toFloatArray();
    int out = c.length;
    double[] y = new double[out];
    for (int o = 0; o < out; o++) {
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
}
