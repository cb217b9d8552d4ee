package dev.cir.clip.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import dev.cir.clip.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/** {@link ClipTextCleaner}: OpenAI's {@code basic_clean}, end to end. */
class ClipTextCleanerTest {
  static final String[][] BASIC_CLEAN = {
    {"It’s a “test” &amp; more", "It's a \"test\" & more"},
    {"It's a \"test\" & more", "It's a \"test\" & more"},
    {"&amp;lt;b&amp;gt;", "<b>"},
    {"<p>&amp;amp;</p>", "<p>&</p>"}, // ftfy leaves HTML alone, html.unescape twice does not
    {"&CounterClockwiseContourIntegral;", "∳"}, // too long for ftfy, not for html.unescape
    {"  ＢＩＧ\u3000", "BIG"},
    {"\u00A0 x \u2028", "x"},
    {"&nbsp;x&nbsp;", "x"},
    {"&#x1c;x", "x"},
    {"ﬁne cafÃ©", "fine café"},
    {"\u001C\u001Dx\u001E\u001F", "x"},
    {"<|endoftext|> &amp;", "<|endoftext|> &"},
    {"  a photo of a cat \n", "a photo of a cat"},
  };

  @Test
  void basicClean() {
    for (String[] c : BASIC_CLEAN) {
      assertEquals(c[1], ClipTextCleaner.clean(c[0]), c[0]);
    }
  }

  /** The reference texts are clean already: the cleaning leaves their ids as they were. */
  @Test
  void referenceTextsAreLeftAsTheyAre() throws IOException {
    JsonArray texts =
        JsonParser.parseString(
                Files.readString(Fixtures.referenceOrSkip().resolve("tokenizer-expected.json")))
            .getAsJsonObject()
            .getAsJsonArray("texts");
    assertEquals(15, texts.size());
    for (JsonElement t : texts) {
      assertEquals(t.getAsString(), ClipTextCleaner.clean(t.getAsString()));
    }
  }

  @Test
  void nullIsRefused() {
    assertThrows(NullPointerException.class, () -> ClipTextCleaner.clean(null));
  }
}
