package dev.cir.clip.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cir.clip.io.SafeTensors;
import dev.cir.clip.io.StateDict;
import dev.cir.clip.testing.TestBundles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The image tower's fingerprint follows exactly what makes an image's vector: a change of any
 * visual weight or of the preprocessing changes it; the text tower, the Combiner and the
 * bundle's other files do not.
 */
class ImageTowerFingerprintTest {
  @TempDir Path tmp;

  @Test
  void onlyTheImageTowerAndItsPreprocessingChangeTheFingerprint() throws Exception {
    ModelBundle a = TestBundles.small("small-vit", tmp.resolve("a"), true);
    String fa = a.imageTowerFingerprint();
    assertTrue(fa.matches("image-tower:[0-9a-f]{24}"), fa);
    assertEquals(fa, ModelBundle.open(a.dir()).imageTowerFingerprint(), "the same files, the same fingerprint");

    ModelBundle noCombiner = TestBundles.small("small-vit", tmp.resolve("b"), false);
    assertNotEquals(a.fingerprint(), noCombiner.fingerprint(), "the bundles differ");
    assertEquals(fa, noCombiner.imageTowerFingerprint(), "a Combiner does not change the image tower");

    String textKey = "token_embedding.weight";
    ModelBundle otherText = TestBundles.withOneWeightChanged(a, textKey, tmp.resolve("c"));
    assertEquals(fa, otherText.imageTowerFingerprint(), "a retrained text tower keeps the image tower's vectors");

    String visualKey =
        SafeTensors.read(a.clipFile()).keys().stream().filter(k -> k.startsWith("visual.")).sorted().reduce((x, y) -> y).orElseThrow();
    ModelBundle otherImage = TestBundles.withOneWeightChanged(a, visualKey, tmp.resolve("d"));
    assertNotEquals(fa, otherImage.imageTowerFingerprint(), "one changed value of " + visualKey);

    ModelBundle otherPreprocess =
        BundleWriter.copy(a, tmp.resolve("e"), Map.of("source", "copy"));
    assertEquals(fa, otherPreprocess.imageTowerFingerprint(), "a copy is the same tower");
    BundleManifest squash = new BundleManifest(
        a.manifest().formatVersion(), a.manifest().architectureName(), a.manifest().config(), "squarepad", a.manifest().targetRatio(),
        a.manifest().clipFile(), a.manifest().tokenizerFile(), null, null, null, Map.of("source", "other preprocessing"));
    Path tok = Files.createTempFile(tmp, "tok", ".json");
    Files.copy(a.tokenizerFile(), tok, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    ModelBundle f = BundleWriter.write(tmp.resolve("f"), squash.withCombiner(a.manifest().combinerSizes()),
        SafeTensors.read(a.clipFile()).tensors(), tok, SafeTensors.read(a.combinerFile().get()).tensors());
    assertNotEquals(fa, f.imageTowerFingerprint(), "another preprocessing makes other vectors from the same pixels");
  }
}
