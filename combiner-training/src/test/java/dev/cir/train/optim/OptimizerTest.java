package dev.cir.train.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.cir.clip.encoder.Engines;
import dev.cir.clip.io.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class OptimizerTest {
  private static Parameter param(NDManager m, String name, float[] values, long... shape) {
    NDArray a = m.create(values, new Shape(shape));
    return Parameter.builder().setName(name).setType(Parameter.Type.WEIGHT).optArray(a).build();
  }

  @Test
  void decayGroupsExemptBiasesNormsEmbeddingsAndTheLogitScale() {
    try (NDManager m = Engines.pytorch().newBaseManager()) {
      Map<String, Parameter> ps = new LinkedHashMap<>();
      ps.put("visual.proj", param(m, "proj", new float[4], 2, 2));
      ps.put("transformer.resblocks.0.attn.in_proj_bias", param(m, "b", new float[2], 2));
      ps.put("ln_final.weight", param(m, "w", new float[2], 2));
      ps.put("token_embedding.weight", param(m, "e", new float[4], 2, 2));
      ps.put("positional_embedding", param(m, "pe", new float[4], 2, 2));
      ps.put("logit_scale", param(m, "s", new float[1]));
      ps.put("text_projection", param(m, "tp", new float[4], 2, 2));
      List<ParameterGroup> g = ParameterGroup.split(ps, 0.01, false);
      assertEquals(List.of("visual.proj", "text_projection"), List.copyOf(g.get(0).parameters().keySet()));
      assertEquals(0.01, g.get(0).weightDecay());
      assertEquals(0, g.get(1).weightDecay());
      assertEquals(5, g.get(1).parameters().size());
      List<ParameterGroup> all = ParameterGroup.split(ps, 0.01, true);
      assertEquals(1, all.size());
      assertEquals(7, all.get(0).parameters().size());
    }
  }

  @Test
  void stateRoundTripContinuesExactlyLikeAnUninterruptedOptimizer() {
    Random r = new Random(3);
    float[] init = new float[12];
    for (int i = 0; i < init.length; i++) {
      init[i] = (float) r.nextGaussian();
    }
    float[][] grads = new float[6][12];
    for (float[] g : grads) {
      for (int i = 0; i < g.length; i++) {
        g[i] = (float) r.nextGaussian();
      }
    }
    try (NDManager m = Engines.pytorch().newBaseManager()) {
      Parameter a = param(m, "a", init.clone(), 3, 4);
      Parameter b = param(m, "b", init.clone(), 3, 4);
      AdamW oa = new AdamW(List.of(new ParameterGroup("g", Map.of("w", a), 0.1)), 0.9, 0.999, 1e-7, m);
      AdamW ob = new AdamW(List.of(new ParameterGroup("g", Map.of("w", b), 0.1)), 0.9, 0.999, 1e-7, m);
      Map<String, Tensor> saved = null;
      for (int s = 0; s < 6; s++) {
        oa.step(Map.of("w", m.create(grads[s], new Shape(3, 4))), 1e-2);
        if (s < 3) {
          ob.step(Map.of("w", m.create(grads[s], new Shape(3, 4))), 1e-2);
          saved = ob.state();
        } else {
          if (s == 3) {
            // a fresh optimizer restored from the saved state, as after a restart
            ob = new AdamW(List.of(new ParameterGroup("g", Map.of("w", b), 0.1)), 0.9, 0.999, 1e-7, m);
            ob.load(saved);
            assertEquals(3, ob.steps());
          }
          ob.step(Map.of("w", m.create(grads[s], new Shape(3, 4))), 1e-2);
        }
      }
      assertArrayEquals(a.getArray().toFloatArray(), b.getArray().toFloatArray());
      Map<String, Tensor> wrong = new LinkedHashMap<>(saved);
      wrong.remove("m.w");
      AdamW oc = new AdamW(List.of(new ParameterGroup("g", Map.of("w", b), 0.1)), 0.9, 0.999, 1e-7, m);
      assertThrows(IllegalArgumentException.class, () -> oc.load(wrong));
    }
  }

  @Test
  void clippingScalesToTheGlobalNormOnlyWhenAbove() {
    try (NDManager m = Engines.pytorch().newBaseManager()) {
      Map<String, NDArray> g = new LinkedHashMap<>();
      g.put("a", m.create(new float[] {3, 0}));
      g.put("b", m.create(new float[] {0, 4}));
      assertEquals(5, GradientClipping.clipGlobalNorm(g, 10), 1e-6);
      assertArrayEquals(new float[] {3, 0}, g.get("a").toFloatArray());
      assertEquals(5, GradientClipping.clipGlobalNorm(g, 1), 1e-6);
      // direction kept: elementwise clamping would give (1, 1)
      assertArrayEquals(new float[] {0.6f, 0}, g.get("a").toFloatArray(), 1e-6f);
      assertArrayEquals(new float[] {0, 0.8f}, g.get("b").toFloatArray(), 1e-6f);
    }
  }

  @Test
  void warmupThenCosineReachesZeroAtTheEnd() {
    LearningRateSchedule s = new LearningRateSchedule(1e-3, 10, 110, true);
    assertEquals(1e-4, s.at(0), 1e-12);
    assertEquals(1e-3, s.at(9), 1e-12);
    assertEquals(1e-3, s.at(10), 1e-12);
    assertEquals(5e-4, s.at(60), 1e-12);
    assertTrue(s.at(109) < 1e-6);
    LearningRateSchedule constant = new LearningRateSchedule(2e-6, 0, 100, false);
    assertEquals(2e-6, constant.at(0));
    assertEquals(2e-6, constant.at(99));
    assertThrows(IllegalArgumentException.class, () -> new LearningRateSchedule(0, 0, 1, false));
  }
}
