package dev.cir.clip.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import org.junit.jupiter.api.Test;

/**
 * Sequences of different lengths through the inference kernels without their padding give each
 * sequence's output at its end exactly as the padded pass, fused or operation by operation.
 */
class PackedTextPassTest {
  @Test
  void packedSequencesEqualThePaddedPassAtEachEnd() {
    try (NDManager m = NDManager.newBaseManager();
        InferenceKernels kernels = InferenceKernels.load(m)) {
      int width = 64;
      Transformer t = new Transformer(new RandomWeights(m), "transformer.", width, 3, 4, Activation.QUICK_GELU);
      ParameterStore ps = new ParameterStore(m, false);
      long n = 11;
      long[] ends = {10, 3, 0, 7, 10, 5};
      NDArray x = m.randomNormal(new Shape(ends.length, n, width));
      NDArray mask = TextTransformer.causalMask(x, n);
      assertNull(t.forwardPacked(x, ends, mask), "without inference kernels the caller runs the padded pass");
      NDArray ops = t.forward(ps, x, mask, false);
      for (InferenceKernels.Products products : InferenceKernels.Products.values()) {
        if (products == InferenceKernels.Products.BF16_PACKED || products == InferenceKernels.Products.BF16_EMULATED) {
          continue; // bfloat16 products differ from float32 by their rounding, not by the packing
        }
        t.useInferenceKernels(kernels, products);
        NDArray padded = t.forward(ps, x, mask, false);
        NDArray packed = t.forwardPacked(x, ends, mask);
        assertNotNull(packed);
        assertEquals(new Shape(ends.length, width), packed.getShape());
        for (int i = 0; i < ends.length; i++) {
          float[] want = ops.get(i).get(ends[i]).toFloatArray();
          float[] fusedPadded = padded.get(i).get(ends[i]).toFloatArray();
          float[] got = packed.get(i).toFloatArray();
          float scale = 0;
          for (float v : want) {
            scale = Math.max(scale, Math.abs(v));
          }
          for (int j = 0; j < width; j++) {
            assertTrue(Math.abs(got[j] - want[j]) <= 1e-5f * scale, products + " row " + i + " [" + j + "]: " + got[j] + " vs " + want[j]);
            assertTrue(Math.abs(got[j] - fusedPadded[j]) <= 1e-5f * scale, products + " row " + i + " against the fused padded pass");
          }
        }
      }
    }
  }

  @Test
  void outputsAtOnePositionEqualThePaddedPassThere() {
    try (NDManager m = NDManager.newBaseManager();
        InferenceKernels kernels = InferenceKernels.load(m)) {
      int width = 64;
      Transformer t = new Transformer(new RandomWeights(m), "transformer.", width, 3, 4, Activation.GELU);
      ParameterStore ps = new ParameterStore(m, false);
      long n = 9;
      long[] at = {8, 0, 4, 8, 0};
      NDArray x = m.randomNormal(new Shape(at.length, n, width));
      NDArray causal = TextTransformer.causalMask(x, n);
      assertNull(t.forwardAt(x, at, causal), "without inference kernels the caller runs the whole pass");
      NDArray[] masks = {causal, null};
      NDArray[] opsByMask = {t.forward(ps, x, causal, false), t.forward(ps, x, null, false)};
      for (int k = 0; k < masks.length; k++) {
        NDArray mask = masks[k];
        NDArray ops = opsByMask[k];
        for (InferenceKernels.Products products : InferenceKernels.Products.values()) {
          if (products == InferenceKernels.Products.BF16_PACKED || products == InferenceKernels.Products.BF16_EMULATED) {
            continue; // rounding, not the row selection, separates bfloat16 from float32
          }
          t.useInferenceKernels(kernels, products);
          NDArray got = t.forwardAt(x, at, mask);
          assertEquals(new Shape(at.length, width), got.getShape());
          for (int i = 0; i < at.length; i++) {
            float[] want = ops.get(i).get(at[i]).toFloatArray();
            float[] row = got.get(i).toFloatArray();
            float scale = 0;
            for (float v : want) {
              scale = Math.max(scale, Math.abs(v));
            }
            for (int j = 0; j < width; j++) {
              String what = products + (mask == null ? " unmasked" : " causal") + " row " + i + " [" + j + "]";
              assertTrue(Math.abs(row[j] - want[j]) <= 1e-5f * scale, what + ": " + row[j] + " vs " + want[j]);
            }
          }
        }
      }
    }
  }
}
