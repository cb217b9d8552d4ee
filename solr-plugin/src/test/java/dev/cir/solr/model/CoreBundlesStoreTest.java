package dev.cir.solr.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cir.clip.bundle.ModelBundle;
import dev.cir.clip.encoder.CirEncoder;
import dev.cir.clip.encoder.EncoderOptions;
import dev.cir.clip.testing.TestBundles;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bundles added and removed while a core serves: a model in use is never closed under its query. */
class CoreBundlesStoreTest {
  @TempDir Path tmp;

  @Test
  void aModelInUseClosesOnlyWhenItsLastUseEnds() throws Exception {
    ModelBundle bundle = TestBundles.small("small-vit", tmp.resolve("b"), true);
    CirEncoder encoder = CirEncoder.open(bundle, EncoderOptions.defaults().withPredictors(1));
    CirModel model = CirModel.of(bundle, encoder, 8, 8);
    CirModel.Use a = model.use();
    CirModel.Use b = model.use();
    model.close();
    assertNull(model.use(), "a closing model takes no new use");
    float[] expected = a.model().encoder().encodeText("w5 w7");
    a.close();
    a.close(); // twice releases once
    assertEquals(expected.length, b.model().encoder().encodeText("w5 w7").length, "still open while a use holds it");
    b.close();
    assertThrows(RuntimeException.class, () -> encoder.encodeText("w5 w7"), "closed after the last use");
  }

  @Test
  void aStoreBundleIsServedAtOnceAndARemovedOneFinishesItsQuery() throws Exception {
    ModelBundle main = TestBundles.small("small-vit", tmp.resolve("main"), true);
    ModelBundle other = TestBundles.small("small-vit", tmp.resolve("other"), true);
    CirModelRegistry registry =
        new CirModelRegistry(key -> CirModel.of(ModelBundle.open(key.dir()), CirEncoder.open(ModelBundle.open(key.dir()), EncoderOptions.defaults().withPredictors(1)), 8, 8));
    try (CoreBundles bundles = new CoreBundles(registry, List.of(BundleDefinition.of("default", main.dir())), Set.of(), "default")) {
      bundles.add(BundleDefinition.of("fiq", other.dir()));
      assertThrows(IllegalArgumentException.class, () -> bundles.add(BundleDefinition.of("fiq", other.dir())));
      assertThrows(IllegalArgumentException.class, () -> bundles.add(BundleDefinition.of("default", other.dir())));
      CirModel.Use inFlight = bundles.use("fiq");
      assertTrue(bundles.remove("fiq"));
      UnknownBundleException gone = assertThrows(UnknownBundleException.class, () -> bundles.use("fiq"));
      assertTrue(gone.getMessage().contains("this core defines [default]"), gone.getMessage());
      // the query that held it finishes with it
      assertEquals(32, inFlight.model().encoder().encodeText("w9").length);
      CirEncoder removed = inFlight.model().encoder();
      inFlight.close();
      assertThrows(RuntimeException.class, () -> removed.encodeText("w9"), "the removed bundle closed once its query was done");
      try (CirModel.Use u = bundles.use(null)) {
        assertEquals(32, u.model().encoder().encodeText("w9").length);
      }
      assertEquals(1, registry.loadedCount(), "the default bundle alone stays loaded");
      assertThrows(IllegalArgumentException.class, () -> bundles.remove("default"), "solrconfig.xml's bundle stays");
    }
  }
}
