package dev.cir.clip.encoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cir.clip.bundle.ModelBundle;
import dev.cir.clip.io.StateDict;
import dev.cir.clip.io.Tensor;
import dev.cir.clip.testing.TestBundles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CirEncoderTest {
  @TempDir Path tmp;

  static List<float[]> images(Tensor pixels) {
    long[] s = pixels.shape();
    int per = (int) (s[1] * s[2] * s[3]);
    float[] all = pixels.toFloatArray();
    List<float[]> out = new ArrayList<>();
    for (int i = 0; i < s[0]; i++) {
      out.add(java.util.Arrays.copyOfRange(all, i * per, (i + 1) * per));
    }
    return out;
  }

  static long[][] tokens(Tensor t) {
    long[] s = t.shape();
    long[] all = t.toLongArray();
    long[][] out = new long[(int) s[0]][];
    for (int i = 0; i < s[0]; i++) {
      out[i] = java.util.Arrays.copyOfRange(all, (int) (i * s[1]), (int) ((i + 1) * s[1]));
    }
    return out;
  }

  static void assertRowsClose(float[] expectedFlat, float[][] actual, double tol) {
    int d = actual[0].length;
    double max = 0;
    for (int i = 0; i < actual.length; i++) {
      for (int k = 0; k < d; k++) {
        max = Math.max(max, Math.abs(expectedFlat[i * d + k] - actual[i][k]));
      }
    }
    assertTrue(max <= tol, "max abs difference " + max);
  }

  @Test
  void encodesLikeTheReferenceInSmallBatches() {
    ModelBundle bundle = TestBundles.small("small-vit", tmp.resolve("b"), true);
    StateDict expected = TestBundles.expected("small-vit");
    try (CirEncoder enc = CirEncoder.open(bundle, EncoderOptions.defaults().withBatchSize(3))) {
      assertEquals(32, enc.dimension());
      float[][] img = enc.encodePixels(images(expected.get("pixels_targetpad")));
      assertRowsClose(expected.get("image_features").toFloatArray(), img, 1e-4);
      float[][] txt = enc.encodeTokens(tokens(expected.get("tokens")));
      assertRowsClose(expected.get("text_features").toFloatArray(), txt, 1e-4);
    }
  }

  @Test
  void combinesLikeTheReference() {
    ModelBundle bundle = TestBundles.small("small-vit", tmp.resolve("b"), true);
    StateDict c = dev.cir.clip.testing.Fixtures.smallTensors("combiner.expected.safetensors");
    try (CirEncoder enc = CirEncoder.open(bundle, EncoderOptions.defaults().withBatchSize(4))) {
      float[][] img = rows(c.get("image_features"));
      float[][] txt = rows(c.get("text_features"));
      Combination comb = enc.combine(img, txt, CombineMode.COMBINER);
      assertRowsClose(c.get("combined").toFloatArray(), comb.vectors(), 1e-5);
      float[] lambda = c.get("dynamic_scalar").toFloatArray();
      for (int i = 0; i < lambda.length; i++) {
        assertEquals(lambda[i], comb.lambda(i), 1e-5);
      }
      Combination sum = enc.combine(img, txt, CombineMode.SUM);
      assertRowsClose(c.get("element_wise_sum").toFloatArray(), sum.vectors(), 1e-6);
      assertTrue(Float.isNaN(sum.lambda(0)));
      float[] onlyImage = enc.combine(img, txt, CombineMode.IMAGE).vector(0);
      assertEquals(1.0, norm(onlyImage), 1e-6);
      assertEquals(img[0][3] / norm(img[0]), onlyImage[3], 1e-6);
    }
  }

  @Test
  void refusesTheCombinerWhenTheBundleHasNone() {
    ModelBundle bundle = TestBundles.small("small-rn", tmp.resolve("rn"), false);
    try (CirEncoder enc = CirEncoder.open(bundle, EncoderOptions.defaults())) {
      float[][] x = new float[1][enc.dimension()];
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> enc.combine(x, x, CombineMode.COMBINER));
      assertTrue(e.getMessage().contains("no Combiner"), e.getMessage());
      IllegalArgumentException wrongDim =
          assertThrows(IllegalArgumentException.class, () -> enc.combine(new float[][] {new float[3]}, x, CombineMode.SUM));
      assertTrue(wrongDim.getMessage().contains("dimension 48"), wrongDim.getMessage());
      assertThrows(IllegalArgumentException.class, () -> enc.encodePixels(List.of(new float[5])));
      assertThrows(IllegalArgumentException.class, () -> enc.encodeTokens(new long[][] {new long[77 - 1]}));
      long[] badId = new long[77];
      badId[0] = 5000;
      assertThrows(IllegalArgumentException.class, () -> enc.encodeTokens(new long[][] {badId}));
    }
  }

  @Test
  void manyThreadsGetTheSameFeaturesAsOne() throws Exception {
    ModelBundle bundle = TestBundles.small("small-rn", tmp.resolve("rn"), false);
    StateDict expected = TestBundles.expected("small-rn");
    List<float[]> px = images(expected.get("pixels_targetpad"));
    long[][] tok = tokens(expected.get("tokens"));
    try (CirEncoder enc = CirEncoder.open(bundle, EncoderOptions.defaults().withPredictors(3).withBatchSize(2))) {
      float[][] img = enc.encodePixels(px);
      float[][] txt = enc.encodeTokens(tok);
      ExecutorService pool = Executors.newFixedThreadPool(6);
      try {
        List<Future<Boolean>> results = new ArrayList<>();
        for (int t = 0; t < 24; t++) {
          int k = t;
          results.add(
              pool.submit(
                  () -> {
                    if (k % 2 == 0) {
                      float[][] again = enc.encodePixels(px);
                      for (int i = 0; i < again.length; i++) {
                        assertArrayEquals(img[i], again[i], 1e-6f);
                      }
                    } else {
                      float[][] again = enc.encodeTokens(tok);
                      for (int i = 0; i < again.length; i++) {
                        assertArrayEquals(txt[i], again[i], 1e-6f);
                      }
                    }
                    return true;
                  }));
        }
        for (Future<Boolean> f : results) {
          assertTrue(f.get());
        }
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void imageBatchesAreCutToKeepActivationsUnderTheMmapThreshold() {
    // RN50x4: 320 channels at 72x72 after the first stage = 6.6 MB per image
    assertEquals(5, PassSizes.imageChunk(dev.cir.clip.model.ClipConfig.named("RN50x4"), 32));
    // ViT-B/32: 50 tokens x 3072 MLP units = 0.6 MB per image
    assertEquals(32, PassSizes.imageChunk(dev.cir.clip.model.ClipConfig.named("ViT-B/32"), 32));
    assertEquals(7, PassSizes.imageChunk(dev.cir.clip.model.ClipConfig.named("ViT-L/14"), 32));
    assertEquals(1, PassSizes.imageChunk(dev.cir.clip.model.ClipConfig.named("RN50x64"), 32));
  }

  static float[][] rows(Tensor t) {
    long[] s = t.shape();
    float[] all = t.toFloatArray();
    float[][] out = new float[(int) s[0]][];
    for (int i = 0; i < s[0]; i++) {
      out[i] = java.util.Arrays.copyOfRange(all, (int) (i * s[1]), (int) ((i + 1) * s[1]));
    }
    return out;
  }

  static double norm(float[] v) {
    double s = 0;
    for (float x : v) {
      s += x * x;
    }
    return Math.sqrt(s);
  }
}
