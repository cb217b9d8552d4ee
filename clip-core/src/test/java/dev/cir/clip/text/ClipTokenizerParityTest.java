package dev.cir.clip.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.cir.clip.io.SafeTensors;
import dev.cir.clip.io.Tensor;
import dev.cir.clip.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Ids identical to OpenAI's {@code clip.tokenize} on the reference fixture. */
class ClipTokenizerParityTest {
  private static final long SOT = 49406;
  private static final long EOT = 49407;

  @Test
  void textIdsEqualOpenAiSimpleTokenizer() throws IOException {
    Path ref = Fixtures.referenceOrSkip();
    JsonObject expected =
        JsonParser.parseString(Files.readString(ref.resolve("tokenizer-expected.json")))
            .getAsJsonObject();
    JsonArray texts = expected.getAsJsonArray("texts");
    JsonArray ids = expected.getAsJsonArray("ids");
    assertEquals(15, texts.size());
    try (ClipTokenizer tokenizer = ClipTokenizer.load(ref.resolve("tokenizer.json"))) {
      assertEquals(SOT, tokenizer.startId());
      assertEquals(EOT, tokenizer.endId());
      assertEquals(49408, tokenizer.vocabSize());
      assertEquals(77, tokenizer.contextLength());
      for (int i = 0; i < texts.size(); i++) {
        String text = texts.get(i).getAsString();
        long[] want = toLongs(ids.get(i).getAsJsonArray());
        assertArrayEquals(want, tokenizer.idsOfWholeText(text), text);
        long[] row = tokenizer.encode(text);
        assertArrayEquals(TestTokenizers.row(SOT, EOT, 77, want), row, text);
        assertEquals(want.length + 1, tokenizer.endPosition(row), text);
      }
    }
  }

  @Test
  void rowsEqualTheReferenceTokensOfBothModels() throws IOException {
    Path ref = Fixtures.referenceOrSkip();
    JsonArray manifestTexts =
        JsonParser.parseString(Files.readString(ref.resolve("manifest.json")))
            .getAsJsonObject()
            .getAsJsonArray("texts");
    List<String> texts = new ArrayList<>();
    manifestTexts.forEach(t -> texts.add(t.getAsString()));
    assertEquals(8, texts.size());
    try (ClipTokenizer tokenizer = ClipTokenizer.load(ref.resolve("tokenizer.json"))) {
      long[][] rows = tokenizer.encodeBatch(texts);
      for (String model : List.of("tiny-vit", "tiny-rn")) {
        Tensor tokens =
            SafeTensors.read(ref.resolve(model + ".expected.safetensors")).get("tokens");
        assertArrayEquals(new long[] {8, 77}, tokens.shape(), model);
        long[] flat = tokens.toLongArray();
        for (int r = 0; r < 8; r++) {
          long[] want = Arrays.copyOfRange(flat, r * 77, (r + 1) * 77);
          assertArrayEquals(want, rows[r], model + " row " + r + ": " + texts.get(r));
        }
      }
      // the last manifest text is longer than 75 tokens: cut, with eot in the last position
      long[] truncated = rows[7];
      assertEquals(EOT, truncated[76]);
      assertEquals(76, tokenizer.endPosition(truncated));
      assertEquals(true, tokenizer.idsOfWholeText(texts.get(7)).length > 75);
    }
  }

  private static long[] toLongs(JsonArray a) {
    long[] out = new long[a.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = a.get(i).getAsLong();
    }
    return out;
  }
}
