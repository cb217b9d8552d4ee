package dev.cir.eval.validate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cir.clip.bundle.ModelBundle;
import dev.cir.clip.encoder.CirEncoder;
import dev.cir.clip.encoder.CombineMode;
import dev.cir.clip.encoder.EncoderOptions;
import dev.cir.clip.testing.TestBundles;
import dev.cir.eval.data.CirDataset;
import dev.cir.eval.data.JsonlReader;
import dev.cir.eval.data.Triplet;
import dev.cir.eval.metrics.RecallProtocol;
import dev.cir.eval.progress.ProgressReporter;
import dev.cir.eval.synth.SyntheticDataset;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CompositionEvaluatorTest {
  @TempDir static Path tmp;
  static Path data;
  static ModelBundle bundle;

  @BeforeAll
  static void setUp() throws IOException {
    data = tmp.resolve("synth");
    SyntheticDataset.generate(SyntheticDataset.Options.defaults().withSize(300).withSeed(3).withImageSize(48)).writeTo(data);
    bundle = TestBundles.small("small-vit", tmp.resolve("bundle"), true);
  }

  @Test
  void recallMatchesABruteForceRankingOfTheSameVectors() {
    CirDataset ds = new JsonlReader(data).read("val");
    try (CirEncoder enc = CirEncoder.open(bundle, EncoderOptions.defaults())) {
      Map<CombineMode, CompositionEvaluator.Result> r =
          new CompositionEvaluator(enc, null, ProgressReporter.none())
              .evaluate(ds, CompositionEvaluator.availableModes(enc), RecallProtocol.CIRR);
      assertEquals(List.of(CombineMode.IMAGE, CombineMode.TEXT, CombineMode.SUM, CombineMode.COMBINER), List.copyOf(r.keySet()));
      // independent check of the sum baseline: encode every image and text one at a time,
      // rank by cosine in double precision, reference removed (CIRR protocol)
      List<Path> paths = ds.gallery().images().stream().map(i -> i.path()).toList();
      float[][] gallery = enc.encodeImages(paths);
      int hitsAt1 = 0;
      int hitsAt5 = 0;
      for (Triplet t : ds.triplets()) {
        float[] ref = gallery[ds.gallery().indexOf(t.reference())];
        float[] txt = enc.encodeText(ds.captions().evaluationText(t));
        double[] q = new double[ref.length];
        for (int k = 0; k < q.length; k++) {
          q[k] = ref[k] + txt[k];
        }
        int target = ds.gallery().indexOf(t.target());
        double targetScore = cosine(q, gallery[target]);
        int better = 0;
        for (int g = 0; g < gallery.length; g++) {
          if (g != target && !ds.gallery().ids().get(g).equals(t.reference()) && cosine(q, gallery[g]) > targetScore) {
            better++;
          }
        }
        hitsAt1 += better < 1 ? 1 : 0;
        hitsAt5 += better < 5 ? 1 : 0;
      }
      double n = ds.triplets().size();
      assertEquals(100 * hitsAt1 / n, r.get(CombineMode.SUM).report().get("recall@1"), 1e-3);
      assertEquals(100 * hitsAt5 / n, r.get(CombineMode.SUM).report().get("recall@5"), 1e-3);
      assertEquals(ds.triplets().size(), r.get(CombineMode.SUM).report().queries());
      assertTrue(r.get(CombineMode.COMBINER).galleryImagesPerSecond() > 0);
    }
  }

  @Test
  void secondRunReadsTheCacheAndAChangedImageIsEncodedAgain() throws IOException {
    CirDataset ds = new JsonlReader(data).read("test");
    Path cacheDir = tmp.resolve("cache");
    String key = CompositionEvaluator.modelKey(bundle.fingerprint(), "targetpad", 1.25);
    try (CirEncoder enc = CirEncoder.open(bundle, EncoderOptions.defaults())) {
      var first =
          new CompositionEvaluator(enc, new FeatureCache(cacheDir, key), ProgressReporter.none())
              .evaluate(ds, List.of(CombineMode.SUM), RecallProtocol.CIRR).get(CombineMode.SUM);
      assertEquals(ds.gallery().size(), first.encodedImages());
      var second =
          new CompositionEvaluator(enc, new FeatureCache(cacheDir, key), ProgressReporter.none())
              .evaluate(ds, List.of(CombineMode.SUM), RecallProtocol.CIRR).get(CombineMode.SUM);
      assertEquals(0, second.encodedImages());
      assertEquals(ds.gallery().size(), second.cachedImages());
      assertEquals(first.report().metrics(), second.report().metrics());

      // another bundle (fingerprint) shares nothing
      FeatureCache other = new FeatureCache(cacheDir, CompositionEvaluator.modelKey("sha256:other", "targetpad", 1.25));
      assertEquals(0, other.size());

      // one image replaced: exactly one is encoded again
      Path img = ds.gallery().images().get(0).path();
      Files.copy(ds.gallery().images().get(1).path(), img, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      var third =
          new CompositionEvaluator(enc, new FeatureCache(cacheDir, key), ProgressReporter.none())
              .evaluate(ds, List.of(CombineMode.SUM), RecallProtocol.CIRR).get(CombineMode.SUM);
      assertEquals(0, third.encodedImages(), "its content now equals a cached image's");

      // a damaged cache file is recomputed, not trusted
      FeatureCache c = new FeatureCache(cacheDir, key);
      Files.write(c.file(), new byte[] {1, 2, 3});
      var fourth =
          new CompositionEvaluator(enc, new FeatureCache(cacheDir, key), ProgressReporter.none())
              .evaluate(ds, List.of(CombineMode.SUM), RecallProtocol.CIRR).get(CombineMode.SUM);
      assertTrue(fourth.encodedImages() > 0);
    }
  }

  @Test
  void splitsWithoutTargetsAreRefused() {
    CirDataset ds = new JsonlReader(data).read("test");
    CirDataset noTargets =
        new CirDataset(ds.name(), ds.split(),
            ds.triplets().stream().map(t -> new Triplet(t.id(), t.reference(), null, t.captions(), t.members())).toList(),
            ds.gallery(), ds.captions());
    try (CirEncoder enc = CirEncoder.open(bundle, EncoderOptions.defaults())) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class,
              () -> new CompositionEvaluator(enc, null, ProgressReporter.none()).evaluate(noTargets, List.of(CombineMode.SUM), RecallProtocol.CIRR));
      assertTrue(e.getMessage().contains("no targets"), e.getMessage());
    }
  }

  static double cosine(double[] a, float[] b) {
    double dot = 0;
    double na = 0;
    double nb = 0;
    for (int i = 0; i < a.length; i++) {
      dot += a[i] * b[i];
      na += a[i] * a[i];
      nb += (double) b[i] * b[i];
    }
    return dot / Math.sqrt(na * nb);
  }
}
