package dev.cir.clip.bundle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cir.clip.io.InvalidModelException;
import dev.cir.clip.model.ClipConfig;
import dev.cir.clip.text.PromptTemplate;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BundleManifestTest {
  private static BundleManifest manifest() {
    return new BundleManifest(
            BundleManifest.FORMAT_VERSION, "tiny", ClipConfig.tiny(53), "targetpad", 1.25, BundleManifest.CLIP_FILE,
            BundleManifest.TOKENIZER_FILE, null, null, Map.of("clip.safetensors", "sha256:00"), Map.of("command", "test"))
        .withCombiner(new int[] {128, 512, 1024})
        .withInversion(new InversionSpec(BundleManifest.INVERSION_FILE, 128, 512, 128, 1, PromptTemplate.DEFAULT_QUERY));
  }

  private static String fails(String json) {
    return assertThrows(InvalidModelException.class, () -> BundleManifest.parse(json, "b/bundle.json")).getMessage();
  }

  @Test
  void whatIsWrittenIsReadBack() {
    BundleManifest m = manifest();
    BundleManifest back = BundleManifest.parse(m.toJson(), "b/bundle.json");
    assertEquals(m.config(), back.config());
    assertEquals("tiny", back.architectureName());
    assertEquals(m.preprocess(), back.preprocess());
    assertEquals(m.targetRatio(), back.targetRatio());
    assertArrayEquals(m.combinerSizes(), back.combinerSizes());
    assertEquals(m.inversion(), back.inversion());
    assertEquals(m.checksums(), back.checksums());
    assertEquals(m.provenance(), back.provenance());
    assertEquals(m.toJson(), back.toJson());
  }

  @Test
  void errorsNameTheFileAndTheField() {
    String json = manifest().toJson();
    assertEquals("b/bundle.json: missing field 'architecture.vision_heads'", fails(json.replaceAll("\"vision_heads\": \\d+,", "")));
    assertEquals("b/bundle.json: field 'combiner.hidden_dim' must be a 32-bit integer, found a string (\"big\")",
        fails(json.replace("\"hidden_dim\": 1024", "\"hidden_dim\": \"big\"")));
    assertEquals("b/bundle.json: missing field 'files.tokenizer'", fails(json.replace("\"tokenizer\": \"tokenizer.json\",", "")));
    assertTrue(fails(json.replace("\"format_version\": 1", "\"format_version\": 9")).contains("format version 9 is not supported"));
    assertTrue(fails("{\"format\": \"other\"}").contains("not a model bundle manifest"));
    assertTrue(fails(json + "}").startsWith("b/bundle.json: malformed JSON"));
    assertTrue(fails(json.replace("\"combiner\": \"combiner.safetensors\",", "")).contains("a Combiner needs both"));
  }
}
