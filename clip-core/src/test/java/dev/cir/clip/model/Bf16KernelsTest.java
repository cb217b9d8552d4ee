package dev.cir.clip.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.cir.clip.encoder.Engines;
import dev.cir.clip.testing.SystemProperties;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The bfloat16 kernels, native and emulated, against the same products computed here in double
 * precision from operands rounded to bfloat16 by hand (round to nearest, ties to even): they may
 * differ only by the kernel's float32 accumulation and the rounding of the result to bfloat16.
 */
class Bf16KernelsTest {
  /** float → bfloat16 → float, round to nearest even (no NaNs here). */
  static float bf16(float f) {
    int bits = Float.floatToRawIntBits(f);
    int rounded = bits + 0x7FFF + ((bits >>> 16) & 1);
    return Float.intBitsToFloat(rounded & 0xFFFF0000);
  }

  static float[] random(Random r, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return v;
  }

  /** |got − want| ≤ 2⁻⁸·|want| (the result's rounding) + 2⁻²⁰·Σ|terms| (float32 accumulation). */
  static void assertProduct(String what, double want, double absTerms, float got) {
    double bound = Math.abs(want) / 256 + absTerms / (1 << 20) + 1e-30;
    assertTrue(Math.abs(got - want) <= bound, what + ": got " + got + ", want " + want + " ± " + bound);
  }

  @Test
  void roundingByHandIsBfloat16() {
    assertEquals(1.0f, bf16(1.0f));
    assertEquals(1.0f, bf16(1.001f)); // below half a unit of 2⁻⁷
    assertEquals(1.0078125f, bf16(1.0078125f)); // exactly representable
    assertEquals(1.0f, bf16(1.00390625f)); // a tie goes to the even neighbour
    assertEquals(1.015625f, bf16(1.01171875f)); // a tie to the even one above
  }

  @ParameterizedTest(name = "emulated {0}")
  @ValueSource(booleans = {false, true})
  void linearMatMulAndConvolutionAgreeWithTheirDefinitionOnBfloat16Operands(boolean emulated) throws Exception {
    Random r = new Random(3);
    int rows = 5, in = 96, out = 40;
    float[] x = random(r, rows * in);
    float[] w = random(r, out * in);
    float[] b = random(r, out);
    try (NDManager m = Engines.pytorch().newBaseManager();
        AutoCloseable noGrad = Engines.noGrad();
        Bf16Kernels k = Bf16Kernels.load(m, emulated)) {
      assertEquals(emulated, k.emulated());
      NDArray xs = m.create(x, new Shape(rows, in));
      NDArray w16 = k.toBf16(m.create(w, new Shape(out, in)));
      NDArray b16 = k.toBf16(m.create(b, new Shape(out)));
      if (emulated) {
        assertEquals(DataType.FLOAT32, w16.getDataType(), "the emulated kernels' copy is float32");
        float[] rounded = w16.toFloatArray();
        for (int i = 0; i < w.length; i++) {
          assertEquals(bf16(w[i]), rounded[i], "the copy holds the weight rounded to bfloat16 [" + i + "]");
        }
      } else {
        assertFalse(w16.getDataType() == DataType.FLOAT32, "the copy is not float32");
      }
      NDArray y = k.linear(xs, w16, b16);
      NDArray y0 = k.linear(xs, w16, null);
      assertEquals(DataType.FLOAT32, y.getDataType());
      assertEquals(new Shape(rows, out), y.getShape());
      assertSame(xs.getManager(), y.getManager(), "the result belongs to the input's manager");
      float[] got = y.toFloatArray();
      float[] got0 = y0.toFloatArray();
      for (int i = 0; i < rows; i++) {
        for (int o = 0; o < out; o++) {
          double s = 0;
          double abs = 0;
          for (int j = 0; j < in; j++) {
            double t = (double) bf16(x[i * in + j]) * bf16(w[o * in + j]);
            s += t;
            abs += Math.abs(t);
          }
          assertProduct("linear without bias [" + i + "," + o + "]", s, abs, got0[i * out + o]);
          assertProduct("linear [" + i + "," + o + "]", s + bf16(b[o]), abs + Math.abs(b[o]), got[i * out + o]);
        }
      }
      // x·P with P [in, out]
      float[] p = random(r, in * out);
      float[] xp = k.matMul(xs, k.toBf16(m.create(p, new Shape(in, out)))).toFloatArray();
      for (int i = 0; i < rows; i++) {
        for (int o = 0; o < out; o++) {
          double s = 0;
          double abs = 0;
          for (int j = 0; j < in; j++) {
            double t = (double) bf16(x[i * in + j]) * bf16(p[j * out + o]);
            s += t;
            abs += Math.abs(t);
          }
          assertProduct("matmul [" + i + "," + o + "]", s, abs, xp[i * out + o]);
        }
      }
      // a strided, padded convolution: [1, 3, 9, 9] * [4, 3, 3, 3], stride 2, padding 1 → [1, 4, 5, 5]
      float[] img = random(r, 3 * 81);
      float[] kern = random(r, 4 * 27);
      NDArray conv = k.conv2d(m.create(img, new Shape(1, 3, 9, 9)), k.toBf16(m.create(kern, new Shape(4, 3, 3, 3))), 2, 1);
      assertEquals(new Shape(1, 4, 5, 5), conv.getShape());
      float[] c = conv.toFloatArray();
      for (int o = 0; o < 4; o++) {
        for (int oy = 0; oy < 5; oy++) {
          for (int ox = 0; ox < 5; ox++) {
            double s = 0;
            double abs = 0;
            for (int ch = 0; ch < 3; ch++) {
              for (int ky = 0; ky < 3; ky++) {
                for (int kx = 0; kx < 3; kx++) {
                  int iy = oy * 2 - 1 + ky;
                  int ix = ox * 2 - 1 + kx;
                  if (iy < 0 || ix < 0 || iy >= 9 || ix >= 9) {
                    continue;
                  }
                  double t = (double) bf16(img[ch * 81 + iy * 9 + ix]) * bf16(kern[((o * 3 + ch) * 3 + ky) * 3 + kx]);
                  s += t;
                  abs += Math.abs(t);
                }
              }
            }
            assertProduct("conv [" + o + "," + oy + "," + ox + "]", s, abs, c[(o * 5 + oy) * 5 + ox]);
          }
        }
      }
    }
  }

  @ParameterizedTest(name = "emulated {0}")
  @ValueSource(booleans = {false, true})
  void aLayerSwitchedToBf16StaysCloseToItsFloat32Self(boolean emulated) throws Exception {
    try (NDManager m = Engines.pytorch().newBaseManager();
        AutoCloseable noGrad = Engines.noGrad();
        Bf16Kernels k = Bf16Kernels.load(m, emulated)) {
      Linear layer = new Linear(new RandomWeights(m), "", 64, 32);
      NDArray x = m.randomNormal(new Shape(7, 64));
      ai.djl.training.ParameterStore ps = new ai.djl.training.ParameterStore(m, false);
      float[] a = layer.forward(ps, x, false).toFloatArray();
      layer.useBf16(k);
      layer.useBf16(k); // again: nothing changes
      float[] b = layer.forward(ps, x, false).toFloatArray();
      double num = 0, na = 0, nb = 0, maxDiff = 0;
      for (int i = 0; i < a.length; i++) {
        num += (double) a[i] * b[i];
        na += (double) a[i] * a[i];
        nb += (double) b[i] * b[i];
        maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
      }
      assertTrue(maxDiff > 0, "bf16 is not float32: the outputs differ");
      assertTrue(num / Math.sqrt(na * nb) > 0.9999, "cosine " + num / Math.sqrt(na * nb));
      assertThrows(IllegalArgumentException.class, () -> Precision.parse("int8"));
      assertEquals(Precision.BF16, Precision.parse("bfloat16"));
      assertEquals(Precision.FLOAT32, Precision.parse(null));
      assertTrue(Precision.cpuFlagsHaveBf16("fpu avx512f amx_bf16 amx_tile"));
      assertFalse(Precision.cpuFlagsHaveBf16("fpu avx512f avx512_vnni"));
    }
  }

  @Test
  void theKernelsAreNativeWhereTheCpuHasBfloat16OrOnAGpuAndThePropertyOverrides() throws Exception {
    String key = Bf16Kernels.KERNELS_PROPERTY;
    SystemProperties.with(key, null, () -> {
      assertEquals(!Precision.cpuHasNativeBf16(), Bf16Kernels.emulatedOn(false));
      assertFalse(Bf16Kernels.emulatedOn(true), "a GPU multiplies bfloat16");
      return null;
    });
    SystemProperties.with(key, "emulated", () -> {
      assertTrue(Bf16Kernels.emulatedOn(false));
      assertTrue(Bf16Kernels.emulatedOn(true));
      return null;
    });
    SystemProperties.with(key, "native", () -> {
      assertFalse(Bf16Kernels.emulatedOn(false));
      return null;
    });
    SystemProperties.with(key, "fast", () -> {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Bf16Kernels.emulatedOn(false));
      assertTrue(e.getMessage().contains("'fast'") && e.getMessage().contains("native or emulated"), e.getMessage());
      return null;
    });
  }
}
