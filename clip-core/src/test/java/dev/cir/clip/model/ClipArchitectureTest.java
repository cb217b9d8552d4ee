package dev.cir.clip.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import dev.cir.clip.io.InvalidModelException;
import dev.cir.clip.io.StateDict;
import dev.cir.clip.io.Tensor;
import dev.cir.clip.testing.Fixtures;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The blocks build OpenAI's architectures, and a state dict's shapes give back its configuration. */
class ClipArchitectureTest {

  /** Counts as OpenAI's README notebook reports them: sum of p.numel() over model.parameters(). */
  @ParameterizedTest
  @CsvSource({"RN50, 102007137", "RN50x4, 178300601", "ViT-B/32, 151277313", "ViT-L/14, 427616513"})
  void randomModelsHaveTheReferenceParameterCounts(String arch, long expected) {
    ClipConfig config = ClipConfig.named(arch);
    try (NDManager m = NDManager.newBaseManager()) {
      ClipModel model = ClipModel.random(config, m);
      assertEquals(expected, model.parameterCount(), arch);
      // the configuration is recovered from the shapes alone, as build_model does
      StateDict shapesOnly = shapes(model);
      assertEquals(config, ClipConfig.infer(shapesOnly, null, null, Activation.QUICK_GELU), arch);
    }
  }

  /** A state dict with the model's names and shapes whose tensors hold no data worth copying. */
  private static StateDict shapes(ClipModel model) {
    Map<String, Tensor> t = new LinkedHashMap<>();
    for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
      long[] shape = e.getValue().getArray().getShape().getShape();
      t.put(e.getKey(), new Tensor(dev.cir.clip.io.DType.U8, shape, java.nio.ByteBuffer.allocate((int) Tensor.numel(shape))));
    }
    return new StateDict(t, "shapes");
  }

  @Test
  void headsThatOpenAiRulesCannotInferMustBeGiven() {
    StateDict sd = Fixtures.smallTensors("small-vit.safetensors");
    InvalidModelException e =
        assertThrows(InvalidModelException.class, () -> ClipConfig.infer(sd, null, null, Activation.QUICK_GELU));
    assertTrue(e.getMessage().contains("small-vit.safetensors") && e.getMessage().contains("--text-heads"), e.getMessage());
    ClipConfig c = ClipConfig.infer(sd, null, 4, Activation.QUICK_GELU);
    assertEquals(32, c.embedDim());
    assertEquals(32, c.imageResolution());
    assertEquals(8, c.visionPatchSize());
    assertEquals(1, c.visionHeads());
    assertEquals(2, c.visionLayerCount());
    assertEquals(1000, c.vocabSize());
  }

  @Test
  void resNetConfigurationFromShapes() {
    ClipConfig c = ClipConfig.infer(Fixtures.smallTensors("small-rn.safetensors"), null, 2, Activation.QUICK_GELU);
    assertEquals(new ClipConfig(48, 64, new int[] {1, 1, 1, 1}, 8, 0, 4, 77, 1000, 32, 2, 1, Activation.QUICK_GELU), c);
  }

  @Test
  void namesAreCaseAndSeparatorInsensitive() {
    assertEquals(ClipConfig.named("ViT-B/32"), ClipConfig.named("vit-b-32"));
    assertEquals(ClipConfig.named("ViT-L/14@336px"), ClipConfig.named("ViT-L-14-336"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ClipConfig.named("ViT-H/99"));
    assertTrue(e.getMessage().contains("RN50x4"), e.getMessage());
  }
}
