package dev.cir.clip.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.gson.JsonElement;
import dev.cir.clip.io.JsonBinding.Name;
import dev.cir.clip.io.JsonBinding.Optional;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonBindingTest {
  record Inner(int featureDim, @Optional Double ratio) {
    Inner {
      if (featureDim < 1) {
        throw new IllegalArgumentException("feature_dim must be positive, got " + featureDim);
      }
    }
  }

  record Outer(
      String format,
      long version,
      boolean flag,
      int[] layers,
      List<String> names,
      Map<String, String> sums,
      Inner inner,
      @Optional Inner other,
      @Name("img_set") @Optional JsonElement raw,
      @Optional List<Inner> more) {}

  private static final JsonBinding.Errors ERRORS = InvalidModelException::new;

  private static String fails(String json) {
    return assertThrows(InvalidModelException.class, () -> JsonBinding.read(json, Outer.class, "f.json", ERRORS)).getMessage();
  }

  private static final String OK =
      "{\"format\": \"x\", \"version\": 3, \"flag\": true, \"layers\": [1, 2], \"names\": [\"a\"], \"sums\": {\"b\": \"c\", \"a\": \"d\"},"
          + " \"inner\": {\"feature_dim\": 4, \"ratio\": 1.5}, \"img_set\": {\"k\": 1}, \"unknown\": 0}";

  @Test
  void bindsSnakeCaseFieldsToComponents() {
    Outer o = JsonBinding.read(OK, Outer.class, "f.json", ERRORS);
    assertEquals("x", o.format());
    assertEquals(3L, o.version());
    assertArrayEquals(new int[] {1, 2}, o.layers());
    assertEquals(List.of("a"), o.names());
    assertEquals(List.of("b", "a"), List.copyOf(o.sums().keySet()), "the file's order");
    assertEquals(4, o.inner().featureDim());
    assertEquals(1.5, o.inner().ratio());
    assertNull(o.other());
    assertNull(o.more());
    assertEquals(1, o.raw().getAsJsonObject().get("k").getAsInt());
  }

  @Test
  void errorsNameTheFileAndTheField() {
    assertEquals("f.json: missing field 'inner.feature_dim'", fails(OK.replace("\"feature_dim\": 4, ", "")));
    assertEquals("f.json: missing field 'format'", fails(OK.replace("\"format\": \"x\", ", "")));
    assertEquals("f.json: field 'format' must be a string, found a number (3)", fails(OK.replace("\"format\": \"x\"", "\"format\": 3")));
    assertEquals("f.json: field 'layers[1]' must be a 32-bit integer, found a number (2.5)", fails(OK.replace("[1, 2]", "[1, 2.5]")));
    assertEquals("f.json: field 'inner.feature_dim' must be a 32-bit integer, found a number (4000000000)",
        fails(OK.replace("\"feature_dim\": 4", "\"feature_dim\": 4000000000")));
    assertEquals("f.json: field 'names' must be a list of strings, element 0 is a number (1)", fails(OK.replace("[\"a\"]", "[1]")));
    assertEquals("f.json: field 'flag' must be true or false, found a string (\"yes\")", fails(OK.replace("true", "\"yes\"")));
    assertEquals("f.json: field 'inner' must be an object, found a list", fails(OK.replace("{\"feature_dim\": 4, \"ratio\": 1.5}", "[]")));
    assertEquals("f.json: field 'inner': feature_dim must be positive, got 0", fails(OK.replace("\"feature_dim\": 4", "\"feature_dim\": 0")));
    assertEquals("f.json: expected a JSON object, found a list", fails("[]"));
  }

  @Test
  void parsingIsStrict() {
    assertEquals(true, fails(OK + " {}").startsWith("f.json: malformed JSON: "));
    assertEquals(true, fails("{format: x}").startsWith("f.json: malformed JSON: "));
  }

  @Test
  void snakeCaseOfComponentNames() {
    assertEquals("embed_dim", JsonBinding.snakeCase("embedDim"));
    assertEquals("pairid", JsonBinding.snakeCase("pairid"));
    assertEquals("target_hard", JsonBinding.snakeCase("targetHard"));
  }
}
