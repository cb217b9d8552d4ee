package dev.cir.clip.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.cir.clip.encoder.Engines;
import org.junit.jupiter.api.Test;

/**
 * A transformer's fused pass in {@link InferenceKernels.Products#BF16_EMULATED} (float32 kernels on
 * weights and inputs rounded to bfloat16) against the same layers run operation by operation on
 * the emulated {@link Bf16Kernels}: the same arithmetic, so they agree far closer than bfloat16
 * agrees with float32; both differ from float32.
 */
class EmulatedBf16PassTest {
  @Test
  void theFusedEmulatedPassEqualsTheEmulatedOperationByOperationPass() throws Exception {
    try (NDManager m = Engines.pytorch().newBaseManager();
        AutoCloseable noGrad = Engines.noGrad();
        InferenceKernels kernels = InferenceKernels.load(m);
        Bf16Kernels bf16 = Bf16Kernels.load(m, true)) {
      m.getEngine().setRandomSeed(41);
      int width = 64;
      long n = 9;
      Transformer t = new Transformer(new RandomWeights(m), "transformer.", width, 3, 4, Activation.QUICK_GELU);
      ParameterStore ps = new ParameterStore(m, false);
      NDArray x = m.randomNormal(new Shape(4, n, width));
      NDArray mask = TextTransformer.causalMask(x, n);
      float[] exact = t.forward(ps, x, mask, false).toFloatArray();
      t.useBf16(bf16);
      float[] ops = t.forward(ps, x, mask, false).toFloatArray();
      t.useInferenceKernels(kernels, InferenceKernels.Products.BF16_EMULATED);
      assertEquals(InferenceKernels.Products.BF16_EMULATED, t.inferenceProducts());
      float[] fused = t.forward(ps, x, mask, false).toFloatArray();
      double scale = 0;
      double opsVsFused = 0;
      double bf16VsExact = 0;
      double sumOpsVsFused = 0;
      double sumBf16VsExact = 0;
      for (int i = 0; i < exact.length; i++) {
        scale = Math.max(scale, Math.abs(exact[i]));
        opsVsFused = Math.max(opsVsFused, Math.abs(ops[i] - fused[i]));
        bf16VsExact = Math.max(bf16VsExact, Math.abs(ops[i] - exact[i]));
        sumOpsVsFused += Math.pow(ops[i] - fused[i], 2);
        sumBf16VsExact += Math.pow(ops[i] - exact[i], 2);
      }
      assertTrue(bf16VsExact > 0, "the emulated pass rounds: it is not float32's");
      // at most a bfloat16 unit (2⁻⁸ relative) where the two accumulations round a product's result apart
      assertTrue(opsVsFused <= scale / 256, "fused against operation by operation: " + opsVsFused + " of " + scale);
      // and nearly everywhere exactly: a tenth of bf16's distance to float32 at most, root mean square
      double rms = Math.sqrt(sumOpsVsFused / sumBf16VsExact);
      assertTrue(rms <= 0.1, "the two emulated passes agree far closer than bf16 and float32: " + rms + " of the distance, root mean square");
    }
  }
}
