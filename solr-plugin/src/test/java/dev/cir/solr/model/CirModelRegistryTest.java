package dev.cir.solr.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cir.clip.bundle.ModelBundle;
import dev.cir.clip.encoder.CirEncoder;
import dev.cir.clip.encoder.EncoderOptions;
import dev.cir.clip.testing.TestBundles;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One load per bundle and run options, whatever the number of users; closed with the last one. */
class CirModelRegistryTest {
  @TempDir Path tmp;

  @Test
  void loadsOnceClosesWithTheLastLeaseAndSurvivesAReload() {
    ModelBundle bundle = TestBundles.small("small-vit", tmp.resolve("b"), true);
    AtomicInteger opened = new AtomicInteger();
    CirModelRegistry registry =
        new CirModelRegistry(
            key -> {
              opened.incrementAndGet();
              return new CirModel(bundle, CirEncoder.open(ModelBundle.open(key.dir()), EncoderOptions.defaults().withPredictors(1)), 8, 8);
            });
    BundleDefinition def = BundleDefinition.of("default", bundle.dir());
    BundleDefinition sameDirOtherName = BundleDefinition.of("other", bundle.dir().resolve("..").resolve("b"));
    CoreBundles core1 = new CoreBundles(registry, List.of(def, sameDirOtherName), Set.of(), "default");
    CirModel m = core1.model(null);
    assertSame(m, core1.model("other"), "two names of one directory share the model");
    // a reload: the new core opens before the old one closes
    CoreBundles core2 = new CoreBundles(registry, List.of(def), Set.of(), "default");
    assertSame(m, core2.model("default"));
    core1.close();
    assertEquals(1, registry.loadedCount());
    assertEquals(32, core2.model(null).dimension());
    core2.close();
    assertEquals(1, opened.get());
    assertEquals(0, registry.loadedCount());
    assertThrows(IllegalStateException.class, () -> m.encoder().encodeText("w3"), "the model was closed");
    assertThrows(IllegalStateException.class, () -> core2.model(null), "a closed core takes no new lease");
  }

  @Test
  void aBundleInBf16IsALoadOfItsOwnAndItsEncoderRunsInBf16() {
    ModelBundle bundle = TestBundles.small("small-vit", tmp.resolve("b"), true);
    CirModelRegistry registry = new CirModelRegistry(CirModel::load);
    BundleDefinition exact = BundleDefinition.of("exact", bundle.dir());
    BundleDefinition low =
        new BundleDefinition("low", bundle.dir(), "cpu", 1, 16, 0, 8, 8, dev.cir.clip.model.Precision.BF16);
    CoreBundles core = new CoreBundles(registry, List.of(exact, low), Set.of(), "exact");
    try {
      CirModel a = core.model("exact");
      CirModel b = core.model("low");
      assertTrue(a != b, "the same directory in two precisions is two loads");
      assertEquals(2, registry.loadedCount());
      assertEquals(dev.cir.clip.model.Precision.FLOAT32, a.encoder().precision());
      assertEquals(dev.cir.clip.model.Precision.BF16, b.encoder().precision());
      // native bfloat16 kernels where the CPU has them, the emulated ones elsewhere (the metrics' bf16Kernels)
      assertEquals(dev.cir.clip.model.Bf16Kernels.emulatedOn(false), b.encoder().bf16Emulated());
      assertFalse(a.encoder().bf16Emulated(), "float32 emulates nothing");
      float[] x = a.encoder().encodeText("w3 w4 w5");
      float[] y = b.encoder().encodeText("w3 w4 w5");
      double ab = 0, aa = 0, bb = 0;
      boolean differs = false;
      for (int i = 0; i < x.length; i++) {
        ab += (double) x[i] * y[i];
        aa += (double) x[i] * x[i];
        bb += (double) y[i] * y[i];
        differs |= x[i] != y[i];
      }
      assertTrue(differs, "bf16 is not float32");
      assertTrue(ab / Math.sqrt(aa * bb) > 0.999, "cosine " + ab / Math.sqrt(aa * bb));
    } finally {
      core.close();
    }
    assertEquals(0, registry.loadedCount());
  }

  @Test
  void passesOpsIsALoadOfItsOwnWithoutPrepackedCopiesAndTheSameFeatures() {
    ModelBundle bundle = TestBundles.small("small-vit", tmp.resolve("b"), true);
    CirModelRegistry registry = new CirModelRegistry(CirModel::load);
    BundleDefinition fused = BundleDefinition.of("fused", bundle.dir());
    BundleDefinition ops =
        new BundleDefinition(
            "ops", bundle.dir(), "cpu", 2, 16, 0, 8, 8, dev.cir.clip.model.Precision.FLOAT32, BundleDefinition.fusedPasses("ops", "ops"));
    assertEquals("fused", fused.passesLabel());
    assertEquals("ops", ops.passesLabel());
    IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> BundleDefinition.fusedPasses("x", "fast"));
    assertEquals("bundle 'x': passes must be fused or ops, got 'fast'", bad.getMessage());
    CoreBundles core = new CoreBundles(registry, List.of(fused, ops), Set.of(), "fused");
    try {
      CirModel a = core.model("fused");
      CirModel b = core.model("ops");
      assertTrue(a != b, "the same directory with other passes is two loads");
      assertTrue(a.encoder().fusedPasses());
      assertTrue(!b.encoder().fusedPasses());
      assertTrue(a.weightBytes() > b.weightBytes(), "fused passes hold prepacked copies: " + a.weightBytes() + " vs " + b.weightBytes());
      float[] x = a.encoder().encodeText("w3 w4 w5 w6");
      float[] y = b.encoder().encodeText("w3 w4 w5 w6");
      for (int i = 0; i < x.length; i++) {
        assertEquals(y[i], x[i], 1e-5 * Math.max(1, Math.abs(y[i])), "feature " + i);
      }
    } finally {
      core.close();
    }
    assertEquals(0, registry.loadedCount());
  }

  @Test
  void namesAnUnknownBundleAndOneWithoutPath() {
    CoreBundles core = new CoreBundles(new CirModelRegistry(k -> null), List.of(), Set.of("default"), "default");
    UnknownBundleException e = assertThrows(UnknownBundleException.class, () -> core.model(null));
    assertTrue(e.getMessage().contains("-Dcir.bundle.default"), e.getMessage());
    e = assertThrows(UnknownBundleException.class, () -> core.model("nope"));
    assertTrue(e.getMessage().contains("unknown bundle 'nope'"), e.getMessage());
  }

  @Test
  void aFailedLoadLeavesNothingBehind() {
    CirModelRegistry registry = new CirModelRegistry(CirModel::load);
    CoreBundles core = new CoreBundles(registry, List.of(BundleDefinition.of("default", tmp.resolve("missing"))), Set.of(), "default");
    RuntimeException e = assertThrows(RuntimeException.class, () -> core.model(null));
    assertTrue(e.getMessage().contains("missing") && e.getMessage().contains("not found"), e.getMessage());
    assertEquals(0, registry.loadedCount());
    core.close();
  }

  @Test
  void theTextCacheServesRepeatsAndEvictsTheLeastRecent() {
    AtomicInteger encodes = new AtomicInteger();
    FeatureCache<String> c = new FeatureCache<>(2);
    java.util.function.Function<String, float[]> enc = t -> {
      encodes.incrementAndGet();
      return new float[] {t.length()};
    };
    assertEquals(false, c.get("a", enc).cached());
    assertEquals(true, c.get("a", enc).cached());
    c.get("bb", enc);
    c.get("a", enc); // a is now the most recent
    c.get("ccc", enc); // evicts bb
    assertEquals(true, c.get("a", enc).cached());
    assertEquals(false, c.get("bb", enc).cached());
    assertEquals(4, encodes.get());
    float[] got = c.get("a", enc).features();
    got[0] = 42;
    assertEquals(1f, c.get("a", enc).features()[0], "callers get copies");
    assertEquals(false, new FeatureCache<String>(0).get("a", enc).cached());
  }
}
