package dev.cir.modelimport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cir.clip.bundle.BundleWriter;
import dev.cir.clip.bundle.ModelBundle;
import dev.cir.clip.encoder.CirEncoder;
import dev.cir.clip.encoder.CombineMode;
import dev.cir.clip.encoder.EncoderOptions;
import dev.cir.clip.io.InvalidModelException;
import dev.cir.clip.io.SafeTensors;
import dev.cir.clip.io.StateDict;
import dev.cir.clip.io.Tensor;
import dev.cir.clip.testing.Fixtures;
import dev.cir.clip.testing.TestBundles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cir import}: every supported format gives the reference's features; bad input is named. */
class BundleImporterTest {
  @TempDir Path tmp;
  Path tokenizer;
  StateDict expected;

  @BeforeEach
  void setUp() throws IOException {
    tokenizer = tmp.resolve("tokenizer.json");
    Files.writeString(tokenizer, TestBundles.wordLevelTokenizer(1000));
    expected = TestBundles.expected("small-vit");
  }

  private BundleImporter.Request request(Path weights) {
    return new BundleImporter.Request(weights, tokenizer, null, "targetpad", 1.25, null, 4, null, null);
  }

  private float[][] imageFeatures(ModelBundle b) {
    try (CirEncoder enc = CirEncoder.open(b, EncoderOptions.defaults())) {
      return enc.encodePixels(pixels(expected.get("pixels_targetpad")));
    }
  }

  static List<float[]> pixels(Tensor t) {
    long[] s = t.shape();
    int per = (int) (s[1] * s[2] * s[3]);
    float[] all = t.toFloatArray();
    List<float[]> out = new ArrayList<>();
    for (int i = 0; i < s[0]; i++) {
      out.add(java.util.Arrays.copyOfRange(all, i * per, (i + 1) * per));
    }
    return out;
  }

  private void assertMatchesReference(float[][] features) {
    float[] e = expected.get("image_features").toFloatArray();
    int d = features[0].length;
    for (int i = 0; i < features.length; i++) {
      for (int k = 0; k < d; k++) {
        assertEquals(e[i * d + k], features[i][k], 1e-4, "image " + i + " dim " + k);
      }
    }
  }

  @Test
  void safetensorsTorchScriptAndHuggingFaceGiveTheSameFeatures() throws IOException {
    ModelBundle fromSafetensors = BundleImporter.importBundle(request(Fixtures.small("small-vit.safetensors")), tmp.resolve("st"));
    ModelBundle fromJit = BundleImporter.importBundle(request(Fixtures.small("small-vit.jit.pt")), tmp.resolve("jit"));
    Path hfDir = Files.createDirectories(tmp.resolve("hf-src"));
    SafeTensors.write(hfDir.resolve("model.safetensors"), ClipCheckpointsTest.toHuggingFace(Fixtures.smallTensors("small-vit.safetensors")), Map.of());
    Files.writeString(
        hfDir.resolve("config.json"),
        "{\"text_config\": {\"hidden_size\": 32, \"num_attention_heads\": 4}, \"vision_config\": {\"hidden_size\": 64,"
            + " \"num_attention_heads\": 1, \"hidden_act\": \"quick_gelu\"}}");
    ModelBundle fromHf =
        BundleImporter.importBundle(
            new BundleImporter.Request(hfDir.resolve("model.safetensors"), tokenizer, null, "targetpad", 1.25, null, null, null, null),
            tmp.resolve("hf"));

    float[][] a = imageFeatures(fromSafetensors);
    assertMatchesReference(a);
    float[][] b = imageFeatures(fromJit);
    float[][] c = imageFeatures(fromHf);
    for (int i = 0; i < a.length; i++) {
      assertArrayEquals(a[i], b[i], "TorchScript archive, image " + i);
      assertArrayEquals(a[i], c[i], "Hugging Face checkpoint, image " + i);
    }
    assertEquals(fromSafetensors.manifest().config(), fromJit.manifest().config());
    assertEquals(fromSafetensors.manifest().config(), fromHf.manifest().config());
    assertTrue(fromJit.manifest().provenance().get("source_format").contains("PyTorch archive"), fromJit.manifest().provenance().toString());
    assertTrue(fromHf.manifest().provenance().get("source_format").contains("Hugging Face"));
  }

  @Test
  void bundleWrittenAndReadBackGivesIdenticalFeatures() throws IOException {
    ModelBundle first = TestBundles.small("small-rn", tmp.resolve("one"), false);
    float[][] img;
    float[][] txt;
    long[][] tokens = tokens(TestBundles.expected("small-rn").get("tokens"));
    List<float[]> px = pixels(TestBundles.expected("small-rn").get("pixels_targetpad"));
    try (CirEncoder enc = CirEncoder.open(first, EncoderOptions.defaults())) {
      img = enc.encodePixels(px);
      txt = enc.encodeTokens(tokens);
    }
    // write the loaded model back out, read it again
    Map<String, Tensor> state;
    try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager()) {
      state = first.loadClip(m).stateDict();
    }
    ModelBundle second =
        BundleWriter.write(tmp.resolve("two"), first.manifest(), state, first.tokenizerFile(), null);
    ModelBundle third = BundleWriter.write(tmp.resolve("three"), first.manifest(), state, first.tokenizerFile(), null);
    assertEquals(second.manifest().checksums().get("clip.safetensors"), third.manifest().checksums().get("clip.safetensors"),
        "the same weights serialize to the same bytes");
    second.verify();
    try (CirEncoder enc = CirEncoder.open(second, EncoderOptions.defaults())) {
      float[][] img2 = enc.encodePixels(px);
      float[][] txt2 = enc.encodeTokens(tokens);
      for (int i = 0; i < img.length; i++) {
        assertArrayEquals(img[i], img2[i]);
      }
      for (int i = 0; i < txt.length; i++) {
        assertArrayEquals(txt[i], txt2[i]);
      }
    }
  }

  @Test
  void combinerIsImportedFromCombinerFiles() throws IOException {
    BundleImporter.Request r =
        new BundleImporter.Request(
            Fixtures.small("small-vit.safetensors"), tokenizer, Fixtures.small("combiner.safetensors"), "clip", 1.25, null, 4, null, "fixture");
    ModelBundle b = BundleImporter.importBundle(r, tmp.resolve("comb"));
    assertArrayEquals(new int[] {32, 64, 128}, b.manifest().combinerSizes());
    assertEquals("clip", b.manifest().preprocess());
    assertEquals("fixture", b.manifest().architectureName());
    StateDict c = Fixtures.smallTensors("combiner.expected.safetensors");
    try (CirEncoder enc = CirEncoder.open(b, EncoderOptions.defaults())) {
      float[][] out =
          enc.combine(rows(c.get("image_features")), rows(c.get("text_features")), CombineMode.COMBINER).vectors();
      float[] e = c.get("combined").toFloatArray();
      for (int i = 0; i < out.length; i++) {
        for (int k = 0; k < 32; k++) {
          assertEquals(e[i * 32 + k], out[i][k], 1e-5);
        }
      }
    }
    // a Combiner for another feature size is refused, naming both
    ModelBundle rn = null;
    InvalidModelException e =
        assertThrows(
            InvalidModelException.class,
            () ->
                BundleImporter.importBundle(
                    new BundleImporter.Request(Fixtures.small("small-rn.safetensors"), tokenizer, Fixtures.small("combiner.safetensors"), "targetpad", 1.25, null, 2, null, null),
                    tmp.resolve("bad")));
    assertNull(rn);
    assertTrue(e.getMessage().contains("32") && e.getMessage().contains("48"), e.getMessage());
  }

  @Test
  void missingOrMisshapenTensorsAreNamed() throws IOException {
    Map<String, Tensor> t = new LinkedHashMap<>(Fixtures.smallTensors("small-vit.safetensors").tensors());
    t.remove("visual.transformer.resblocks.1.mlp.c_fc.bias");
    Path missing = tmp.resolve("missing.safetensors");
    SafeTensors.write(missing, t, Map.of());
    InvalidModelException e =
        assertThrows(InvalidModelException.class, () -> BundleImporter.importBundle(request(missing), tmp.resolve("m")));
    assertTrue(e.getMessage().contains("missing.safetensors") && e.getMessage().contains("visual.transformer.resblocks.1.mlp.c_fc.bias"), e.getMessage());

    t = new LinkedHashMap<>(Fixtures.smallTensors("small-vit.safetensors").tensors());
    t.put("ln_final.bias", Tensor.ofFloats(new long[] {31}, new float[31]));
    Path shaped = tmp.resolve("shaped.safetensors");
    SafeTensors.write(shaped, t, Map.of());
    e = assertThrows(InvalidModelException.class, () -> BundleImporter.importBundle(request(shaped), tmp.resolve("s")));
    assertTrue(e.getMessage().contains("shaped.safetensors") && e.getMessage().contains("ln_final.bias")
        && e.getMessage().contains("[31]") && e.getMessage().contains("[32]"), e.getMessage());
    assertTrue(Files.notExists(tmp.resolve("s").resolve("bundle.json")), "nothing is written for a refused import");
  }

  @Test
  void tokenizerOfAnotherVocabularyIsRefused() throws IOException {
    Path small = tmp.resolve("tok500.json");
    Files.writeString(small, TestBundles.wordLevelTokenizer(500));
    InvalidModelException e =
        assertThrows(
            InvalidModelException.class,
            () ->
                BundleImporter.importBundle(
                    new BundleImporter.Request(Fixtures.small("small-vit.safetensors"), small, null, "targetpad", 1.25, null, 4, null, null),
                    tmp.resolve("t")));
    assertTrue(e.getMessage().contains("tok500.json") && e.getMessage().contains("500") && e.getMessage().contains("1000"), e.getMessage());
  }

  @Test
  void corruptBundlesAreRefusedNamingTheFile() throws IOException {
    ModelBundle b = TestBundles.small("small-vit", tmp.resolve("b"), true);
    // truncate the weights: refused at load, naming the file
    Path clip = b.clipFile();
    byte[] bytes = Files.readAllBytes(clip);
    Files.write(clip, java.util.Arrays.copyOf(bytes, bytes.length / 2));
    InvalidModelException e =
        assertThrows(InvalidModelException.class, () -> CirEncoder.open(ModelBundle.open(b.dir()), EncoderOptions.defaults()).close());
    assertTrue(e.getMessage().contains("clip.safetensors"), e.getMessage());
    e = assertThrows(InvalidModelException.class, () -> ModelBundle.open(b.dir()).verify());
    assertTrue(e.getMessage().contains("clip.safetensors") && e.getMessage().contains("checksum"), e.getMessage());
    // a missing tokenizer, another format version, a manifest that is not JSON
    Files.delete(b.tokenizerFile());
    e = assertThrows(InvalidModelException.class, () -> ModelBundle.open(b.dir()));
    assertTrue(e.getMessage().contains("tokenizer.json") && e.getMessage().contains("missing"), e.getMessage());
    Path json = b.dir().resolve("bundle.json");
    Files.writeString(json, Files.readString(json).replace("\"format_version\": 1", "\"format_version\": 7"));
    e = assertThrows(InvalidModelException.class, () -> ModelBundle.open(b.dir()));
    assertTrue(e.getMessage().contains("bundle.json") && e.getMessage().contains("version 7"), e.getMessage());
    Files.writeString(json, "{ not json");
    e = assertThrows(InvalidModelException.class, () -> ModelBundle.open(b.dir()));
    assertTrue(e.getMessage().contains("bundle.json"), e.getMessage());
    e = assertThrows(InvalidModelException.class, () -> ModelBundle.open(tmp.resolve("nowhere")));
    assertTrue(e.getMessage().contains("nowhere"), e.getMessage());
  }

  @Test
  void bundleWhoseShapesDisagreeWithItsManifestIsRefused() throws IOException {
    ModelBundle b = TestBundles.small("small-vit", tmp.resolve("b"), false);
    Path json = b.dir().resolve("bundle.json");
    Files.writeString(json, Files.readString(json).replace("\"transformer_width\": 32", "\"transformer_width\": 64"));
    InvalidModelException e =
        assertThrows(InvalidModelException.class, () -> CirEncoder.open(ModelBundle.open(b.dir()), EncoderOptions.defaults()).close());
    assertTrue(e.getMessage().contains("clip.safetensors") && e.getMessage().contains("'"), e.getMessage());
  }

  static long[][] tokens(Tensor t) {
    long[] s = t.shape();
    long[] all = t.toLongArray();
    long[][] out = new long[(int) s[0]][];
    for (int i = 0; i < s[0]; i++) {
      out[i] = java.util.Arrays.copyOfRange(all, (int) (i * s[1]), (int) ((i + 1) * s[1]));
    }
    return out;
  }

  static float[][] rows(Tensor t) {
    long[] s = t.shape();
    float[] all = t.toFloatArray();
    float[][] out = new float[(int) s[0]][];
    for (int i = 0; i < s[0]; i++) {
      out[i] = java.util.Arrays.copyOfRange(all, (int) (i * s[1]), (int) ((i + 1) * s[1]));
    }
    return out;
  }
}
