package dev.cir.clip.encoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.cir.clip.bundle.BundleManifest;
import dev.cir.clip.bundle.InversionSpec;
import dev.cir.clip.bundle.ModelBundle;
import dev.cir.clip.io.InvalidModelException;
import dev.cir.clip.model.ClipModel;
import dev.cir.clip.model.Inversion;
import dev.cir.clip.testing.TestBundles;
import dev.cir.clip.text.ClipTokenizer;
import dev.cir.clip.text.PromptTemplate;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Zero-shot queries (combine=inversion): the bundle's φ, the encoder's inversion tower. */
class ZeroShotEncodingTest {
  private static final String TEMPLATE = "w5 $ w7 {text}";
  @TempDir Path tmp;

  /** The small ViT fixture with a random φ of Pic2Word's shape. */
  private ModelBundle bundleWithInversion() {
    return TestBundles.smallWithInversion(tmp.resolve("b"), TEMPLATE);
  }

  private static float[][] randomFeatures(SplittableRandom r, int n, int d) {
    float[][] out = new float[n][d];
    for (float[] row : out) {
      for (int k = 0; k < d; k++) {
        row[k] = (float) r.nextGaussian();
      }
    }
    return out;
  }

  @Test
  void theManifestKeepsTheInversionNetworkAndItsTemplate() throws IOException {
    ModelBundle b = bundleWithInversion();
    ModelBundle reopened = ModelBundle.open(b.dir());
    InversionSpec spec = reopened.manifest().inversion();
    assertEquals(TEMPLATE, spec.template());
    assertEquals(32, spec.featureDim());
    assertEquals(2, spec.hiddenLayers());
    assertTrue(reopened.manifest().checksums().containsKey(BundleManifest.INVERSION_FILE));
    reopened.verify();
    String json = Files.readString(b.dir().resolve(BundleManifest.FILE_NAME));
    assertTrue(json.contains("\"placeholder\": \"$\""), json);
    assertTrue(reopened.manifest().hasCombiner(), "the Combiner stays");
    Files.writeString(b.dir().resolve(BundleManifest.FILE_NAME), json.replace(TEMPLATE, "w5 w7 {text}"));
    InvalidModelException e = assertThrows(InvalidModelException.class, () -> ModelBundle.open(b.dir()));
    assertTrue(e.getMessage().contains("inversion") && e.getMessage().contains("exactly once"), e.getMessage());
  }

  @Test
  void aZeroShotQueryIsTheTextTowerOfThePromptWithPhiOfTheImageAtThePlaceholder() throws IOException {
    ModelBundle b = bundleWithInversion();
    SplittableRandom r = new SplittableRandom(3);
    int n = 7;
    float[][] image = randomFeatures(r, n, 32);
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      StringBuilder t = new StringBuilder();
      for (int k = 0, words = r.nextInt(6); k < words; k++) {
        t.append(k == 0 ? "" : " ").append("w").append(10 + r.nextInt(900));
      }
      texts.add(t.toString());
    }
    float[][] expected = new float[n][];
    try (NDManager m = NDManager.newBaseManager();
        ClipTokenizer tok = ClipTokenizer.load(b.tokenizerFile(), b.manifest().config().contextLength())) {
      ClipModel clip = b.loadClip(m);
      Inversion phi = b.loadInversion(m);
      ParameterStore ps = new ParameterStore(m, false);
      PromptTemplate template = PromptTemplate.query(TEMPLATE);
      for (int i = 0; i < n; i++) {
        ClipTokenizer.PromptTokens p = tok.encodePrompt(template.fill(texts.get(i)));
        NDArray pseudoWord = phi.forward(ps, m.create(image[i], new Shape(1, 32)), false);
        NDArray tokens = m.create(p.row(), new Shape(1, p.row().length));
        expected[i] = clip.encodeTextAt(ps, tokens, new long[] {p.position()}, pseudoWord, false).toFloatArray();
      }
    }
    try (CirEncoder enc = CirEncoder.open(b, EncoderOptions.defaults().withBatchSize(3))) {
      assertTrue(enc.hasInversion());
      float[][] raw = enc.zeroShotFeatures(image, texts, null);
      Combination c = enc.zeroShot(image, texts, null);
      assertEquals(CombineMode.INVERSION, c.mode());
      for (int i = 0; i < n; i++) {
        float[] one = enc.zeroShotFeatures(new float[][] {image[i]}, List.of(texts.get(i)), null)[0];
        for (int k = 0; k < 32; k++) {
          assertEquals(expected[i][k], raw[i][k], 1e-5, "row " + i + ", batched");
          assertEquals(expected[i][k], one[k], 1e-5, "row " + i + ", alone");
        }
        float[] unit = Fusion.normalize(raw[i].clone());
        for (int k = 0; k < 32; k++) {
          assertEquals(unit[k], c.vector(i)[k], 1e-6);
        }
      }
      float[] other = enc.zeroShotFeatures(new float[][] {image[0]}, List.of(texts.get(0)), PromptTemplate.query("{text} w9 $"))[0];
      assertFalse(java.util.Arrays.equals(raw[0], other), "another template, another query");
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> enc.combine(image, image, CombineMode.INVERSION));
      assertTrue(e.getMessage().contains("zeroShot"), e.getMessage());
    }
  }

  @Test
  void aBundleWithoutPhiRefusesZeroShotQueries() {
    ModelBundle plain = TestBundles.small("small-vit", tmp.resolve("plain"), false);
    try (CirEncoder enc = CirEncoder.open(plain, EncoderOptions.defaults())) {
      assertFalse(enc.hasInversion());
      IllegalStateException e =
          assertThrows(IllegalStateException.class, () -> enc.zeroShot(new float[1][32], List.of("w5"), null));
      assertTrue(e.getMessage().contains("cir train inversion"), e.getMessage());
    }
  }
}
