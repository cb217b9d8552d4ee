package dev.cir.clip.encoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cir.clip.bundle.ModelBundle;
import dev.cir.clip.model.Bf16Kernels;
import dev.cir.clip.model.Precision;
import dev.cir.clip.testing.Fixtures;
import dev.cir.clip.testing.SystemProperties;
import dev.cir.clip.testing.TestBundles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code precision=bf16} against float32 on the reference fixtures' models: every tower's features
 * (images, captions; the Combiner and the zero-shot query where the bundle has them) keep a cosine of at least 0.999 to the
 * exact ones, alone and in shared passes.
 */
class Bf16EncodingTest {
  @TempDir Path tmp;

  static double cosine(float[] a, float[] b) {
    double ab = 0, aa = 0, bb = 0;
    for (int i = 0; i < a.length; i++) {
      ab += (double) a[i] * b[i];
      aa += (double) a[i] * a[i];
      bb += (double) b[i] * b[i];
    }
    return ab / Math.sqrt(aa * bb);
  }

  @ParameterizedTest
  @ValueSource(strings = {"small-vit", "small-rn"})
  void bf16FeaturesStayWithinCosine0999OfFloat32(String model) throws Exception {
    ModelBundle bundle =
        model.equals("small-vit")
            ? TestBundles.smallWithInversion(tmp.resolve("b"), "w5 $ w7 {text}")
            : TestBundles.small(model, tmp.resolve("b"), false); // the fixture Combiner is 32-d, small-rn 48-d
    List<byte[]> images = new ArrayList<>();
    for (String f : List.of("img_near.png", "img_square.png", "img_tall.png", "img_wide.png")) {
      images.add(Files.readAllBytes(Fixtures.small(f)));
    }
    Random r = new Random(17);
    for (int i = 0; i < 8; i++) {
      images.add(ConcurrentEncodingTest.png(r, 24 + r.nextInt(60), 24 + r.nextInt(60)));
    }
    List<String> captions = new ArrayList<>();
    for (int i = 0; i < images.size(); i++) {
      captions.add(ConcurrentEncodingTest.caption(r));
    }
    EncoderOptions base = EncoderOptions.defaults().withPredictors(1).withMaxBatch(4);
    float[][][] exact = features(bundle, base, images, captions);
    float[][][] low = features(bundle, base.withPrecision(Precision.BF16), images, captions);
    String[] kinds = {"image", "text", "Combiner", "zero-shot"};
    double worst = 1;
    double differs = 0;
    for (int kind = 0; kind < exact.length; kind++) {
      for (int i = 0; i < exact[kind].length; i++) {
        double c = cosine(exact[kind][i], low[kind][i]);
        worst = Math.min(worst, c);
        for (int k = 0; k < exact[kind][i].length; k++) {
          differs = Math.max(differs, Math.abs(exact[kind][i][k] - low[kind][i][k]));
        }
        assertTrue(c >= 0.999, model + " " + kinds[kind] + " " + i + ": cosine " + c);
      }
    }
    assertTrue(differs > 0, "bf16 ran: its features are not float32's");
    assertTrue(worst < 1, "worst cosine " + worst);
  }

  /**
   * The emulated kernels (float32 kernels on operands rounded to bfloat16, what a CPU without
   * native bfloat16 runs) give bf16's features: against PyTorch's bfloat16 kernels they differ far
   * less than bf16 differs from float32.
   */
  @Test
  void emulatedKernelsGiveTheFeaturesOfTheNativeOnes() throws Exception {
    ModelBundle bundle = TestBundles.smallWithInversion(tmp.resolve("b"), "w5 $ w7 {text}");
    List<byte[]> images = new ArrayList<>();
    for (String f : List.of("img_near.png", "img_square.png", "img_tall.png", "img_wide.png")) {
      images.add(Files.readAllBytes(Fixtures.small(f)));
    }
    Random r = new Random(29);
    List<String> captions = new ArrayList<>();
    for (int i = 0; i < images.size(); i++) {
      captions.add(ConcurrentEncodingTest.caption(r));
    }
    EncoderOptions base = EncoderOptions.defaults().withPredictors(1).withMaxBatch(4);
    float[][][] exact = features(bundle, base, images, captions);
    float[][][] nativeKernels = SystemProperties.with(Bf16Kernels.KERNELS_PROPERTY, "native", () -> features(bundle, base.withPrecision(Precision.BF16), images, captions));
    float[][][] emulated = SystemProperties.with(Bf16Kernels.KERNELS_PROPERTY, "emulated", () -> features(bundle, base.withPrecision(Precision.BF16), images, captions));
    String[] kinds = {"image", "text", "Combiner", "zero-shot"};
    for (int kind = 0; kind < exact.length; kind++) {
      for (int i = 0; i < exact[kind].length; i++) {
        double apart = 1 - cosine(nativeKernels[kind][i], emulated[kind][i]);
        double fromExact = 1 - cosine(exact[kind][i], nativeKernels[kind][i]);
        String what = kinds[kind] + " " + i + ": 1 − cosine native/emulated " + apart + ", bf16/float32 " + fromExact;
        assertTrue(fromExact > 0, what);
        assertTrue(apart <= 1e-5 && apart < fromExact / 4, what);
      }
    }
  }

  /** image, text, Combiner and (where the bundle has φ) zero-shot features, in that order. */
  private static float[][][] features(ModelBundle bundle, EncoderOptions o, List<byte[]> images, List<String> captions) {
    try (CirEncoder enc = CirEncoder.open(bundle, o)) {
      float[][] im = new float[images.size()][];
      for (int i = 0; i < images.size(); i++) {
        im[i] = enc.encodeImage(images.get(i), "image " + i);
      }
      float[][] tx = enc.encodeTexts(captions);
      if (!enc.hasCombiner()) {
        return new float[][][] {im, tx};
      }
      float[][] fused = new float[im.length][];
      Combination c = enc.combine(im, tx, CombineMode.COMBINER);
      for (int i = 0; i < im.length; i++) {
        fused[i] = c.vector(i);
      }
      assertEquals(enc.dimension(), fused[0].length);
      if (!enc.hasInversion()) {
        return new float[][][] {im, tx, fused};
      }
      return new float[][][] {im, tx, fused, enc.zeroShotFeatures(im, captions, null)};
    }
  }
}
