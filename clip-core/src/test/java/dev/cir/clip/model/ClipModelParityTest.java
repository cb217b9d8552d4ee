package dev.cir.clip.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.cir.clip.io.SafeTensors;
import dev.cir.clip.io.StateDict;
import dev.cir.clip.io.Tensor;
import dev.cir.clip.testing.Fixtures;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Pixels → image features and tokens → text features equal OpenAI's {@code clip/model.py}. */
class ClipModelParityTest {
  static Stream<Arguments> models() {
    return Stream.of(
        Arguments.of("small-vit", null, 4),
        Arguments.of("small-rn", null, 2));
  }

  @ParameterizedTest
  @MethodSource("models")
  void smallFixtureFeaturesMatch(String model, Integer visionHeads, int textHeads) {
    check(Fixtures.small(), model, visionHeads, textHeads);
  }

  static Stream<Arguments> referenceModels() {
    return Stream.of(Arguments.of("tiny-vit", null, 4), Arguments.of("tiny-rn", null, 2));
  }

  @ParameterizedTest
  @MethodSource("referenceModels")
  void referenceFixtureFeaturesMatch(String model, Integer visionHeads, int textHeads) {
    check(Fixtures.referenceOrSkip(), model, visionHeads, textHeads);
  }

  @ParameterizedTest
  @MethodSource("models")
  void smallFixtureFeaturesMatchWithFusedPasses(String model, Integer visionHeads, int textHeads) {
    check(Fixtures.small(), model, visionHeads, textHeads, true);
  }

  @ParameterizedTest
  @MethodSource("referenceModels")
  void referenceFixtureFeaturesMatchWithFusedPasses(String model, Integer visionHeads, int textHeads) {
    check(Fixtures.referenceOrSkip(), model, visionHeads, textHeads, true);
  }

  static void check(Path dir, String model, Integer visionHeads, int textHeads) {
    check(dir, model, visionHeads, textHeads, false);
  }

  /** @param fused through {@link InferenceKernels} in float32, as a served bundle runs on a CPU */
  static void check(Path dir, String model, Integer visionHeads, int textHeads, boolean fused) {
    StateDict weights = SafeTensors.read(dir.resolve(model + ".safetensors"));
    StateDict expected = SafeTensors.read(dir.resolve(model + ".expected.safetensors"));
    ClipConfig config = ClipConfig.infer(weights, visionHeads, textHeads, Activation.QUICK_GELU);
    try (NDManager m = NDManager.newBaseManager()) {
      ClipModel clip = ClipModel.fromStateDict(weights, config, m);
      InferenceKernels kernels = fused ? InferenceKernels.load(m) : null;
      if (fused) {
        clip.useInferenceKernels(kernels, Precision.FLOAT32, false);
        assertEquals(InferenceKernels.Products.FLOAT32_PACKED, clip.text().transformer().inferenceProducts());
      }
      ParameterStore ps = new ParameterStore(m, false);
      NDArray pixels = array(m, expected.get("pixels_targetpad"));
      NDArray tokens = m.create(expected.get("tokens").toLongArray(), new Shape(expected.get("tokens").shape()));
      float[] image = clip.encodeImage(ps, pixels, false).toFloatArray();
      float[] text = clip.encodeText(ps, tokens, false).toFloatArray();
      assertClose(expected.get("image_features").toFloatArray(), image, 1e-4, model + " image features");
      assertClose(expected.get("text_features").toFloatArray(), text, 1e-4, model + " text features");
      if (kernels != null) {
        kernels.close();
      }
    }
  }

  static NDArray array(NDManager m, Tensor t) {
    return m.create(t.toFloatArray(), new Shape(t.shape()));
  }

  static void assertClose(float[] expected, float[] actual, double tol, String what) {
    assertArrayEquals(new int[] {expected.length}, new int[] {actual.length}, what + " length");
    double max = 0;
    for (int i = 0; i < expected.length; i++) {
      max = Math.max(max, Math.abs(expected[i] - actual[i]));
    }
    System.out.printf("%s: max abs difference %.3g%n", what, max);
    assertTrue(max <= tol, what + ": max abs difference " + max + " > " + tol);
  }
}
