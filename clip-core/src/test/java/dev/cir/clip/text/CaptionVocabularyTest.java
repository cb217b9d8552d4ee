package dev.cir.clip.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CaptionVocabularyTest {
  private static final List<String> CORPUS = List.of("a red dress", "a blue dress", "A red shirt!");

  @TempDir Path tmp;

  @Test
  void ordersWordsByFrequencyThenAlphabetically() {
    CaptionVocabulary v = CaptionVocabulary.builder().build(CORPUS);
    // a:3, dress:2, red:2, then the words seen once: "!" sorts before letters
    assertEquals(List.of("a", "dress", "red", "!", "blue", "shirt"), v.words());
    assertEquals(10, v.size());
    assertEquals(8, v.startId());
    assertEquals(9, v.endId());
  }

  @Test
  void sameCorpusInAnyOrderGivesTheSameFile() {
    List<String> shuffled = new ArrayList<>(TestTokenizers.CAPTIONS);
    Collections.shuffle(shuffled, new Random(5));
    assertEquals(
        CaptionVocabulary.builder().build(TestTokenizers.CAPTIONS).toTokenizerJson(),
        CaptionVocabulary.builder().build(shuffled).toTokenizerJson());
  }

  @Test
  void minFrequencyAndMaxWordsDropRareWords() {
    assertEquals(
        List.of("a", "dress", "red"),
        CaptionVocabulary.builder().minFrequency(2).build(CORPUS).words());
    assertEquals(
        List.of("a", "dress"), CaptionVocabulary.builder().maxWords(2).build(CORPUS).words());
    assertEquals(4, CaptionVocabulary.builder().minFrequency(4).build(CORPUS).size());
    assertThrows(IllegalArgumentException.class, () -> CaptionVocabulary.builder().minFrequency(0));
    assertThrows(IllegalArgumentException.class, () -> CaptionVocabulary.builder().maxWords(-1));
  }

  @Test
  void writesAHuggingFaceWordLevelTokenizerJson() {
    CaptionVocabulary v = CaptionVocabulary.builder().build(CORPUS);
    JsonObject root = JsonParser.parseString(v.toTokenizerJson()).getAsJsonObject();
    JsonObject model = root.getAsJsonObject("model");
    assertEquals("WordLevel", model.get("type").getAsString());
    assertEquals("<|unk|>", model.get("unk_token").getAsString());
    JsonObject vocab = model.getAsJsonObject("vocab");
    Map<String, Integer> expected = new HashMap<>();
    expected.put("<|pad|>", 0);
    expected.put("<|unk|>", 1);
    List<String> words = List.of("a", "dress", "red", "!", "blue", "shirt");
    for (int i = 0; i < words.size(); i++) {
      expected.put(words.get(i), i + 2);
    }
    expected.put("<|startoftext|>", 8);
    expected.put("<|endoftext|>", 9);
    Map<String, Integer> actual = new HashMap<>();
    vocab.entrySet().forEach(e -> actual.put(e.getKey(), e.getValue().getAsInt()));
    assertEquals(expected, actual);

    JsonArray added = root.getAsJsonArray("added_tokens");
    assertEquals(4, added.size());
    for (JsonElement t : added) {
      JsonObject token = t.getAsJsonObject();
      assertEquals(
          expected.get(token.get("content").getAsString()).intValue(), token.get("id").getAsInt());
      assertTrue(token.get("special").getAsBoolean());
    }
    JsonArray normalizers = root.getAsJsonObject("normalizer").getAsJsonArray("normalizers");
    assertEquals("NFC", normalizers.get(0).getAsJsonObject().get("type").getAsString());
    assertEquals("Lowercase", normalizers.get(1).getAsJsonObject().get("type").getAsString());
    assertEquals(
        "BertPreTokenizer", root.getAsJsonObject("pre_tokenizer").get("type").getAsString());
    assertTrue(root.get("truncation").isJsonNull());
    assertTrue(root.get("padding").isJsonNull());
  }

  @Test
  void roundTripsThroughClipTokenizer() throws IOException {
    Path file = tmp.resolve("tokenizer.json");
    CaptionVocabulary v = CaptionVocabulary.builder().build(CORPUS);
    v.writeTokenizerJson(file);
    try (ClipTokenizer tokenizer = ClipTokenizer.load(file)) {
      assertEquals(10, tokenizer.vocabSize());
      assertEquals(8, tokenizer.startId());
      assertEquals(9, tokenizer.endId());
      tokenizer.checkCompatible(10, 77);
      // a=2 dress=3 red=4 !=5 blue=6 shirt=7; unknown words and punctuation are <|unk|> = 1
      assertArrayEquals(
          row(8, 2, 4, 3, 9), tokenizer.encode("a red dress"), "known words get their ids");
      assertArrayEquals(
          row(8, 2, 4, 3, 9), tokenizer.encode("  A RED\tDress\n"), "case and whitespace");
      assertArrayEquals(row(8, 6, 5, 5, 9), tokenizer.encode("BLUE!!"), "punctuation splits");
      assertArrayEquals(
          row(8, 2, 1, 3, 1, 4, 1, 9),
          tokenizer.encode("a green dress, red?"),
          "unknown words and punctuation");
      assertArrayEquals(row(8, 9), tokenizer.encode(""));
    }
  }

  @Test
  void huggingFaceUsersGetStartAndEndFromThePostProcessor() throws IOException {
    Path file = tmp.resolve("tokenizer.json");
    CaptionVocabulary.builder().build(CORPUS).writeTokenizerJson(file);
    Map<String, String> options =
        Map.of("addSpecialTokens", "true", "truncation", "false", "padding", "false");
    try (HuggingFaceTokenizer hf = HuggingFaceTokenizer.newInstance(file, options)) {
      assertArrayEquals(new long[] {8, 4, 7, 9}, hf.encode("Red shirt").getIds());
    }
  }

  /**
   * The Java word split must be HF's, or the vocabulary would hold words HF never produces: every
   * word of every caption the vocabulary was built from must come back as its own id, never unk.
   */
  @Test
  void javaWordSplitAgreesWithHuggingFace() throws IOException {
    String[] pieces = {
      "Red",
      "DRESS",
      "naïve",
      "cafe\u0301",
      "Ωmega",
      "ΣΟΦΙΑ",
      "ΟΔΟΣ",
      "İstanbul",
      "straße",
      "ǅ",
      "\u212Bngstrom",
      "日本語",
      "👕",
      "x\uD83D\uDE00y",
      "3.50€",
      "100%",
      "T-shirt",
      "w/",
      "(XL)",
      "don't",
      "«quote»",
      "“curly”",
      "—",
      "_under_",
      "a\u00A0b",
      "a\u3000b",
      "a\u2028b",
      "a\u0085b",
      "a\u001Cb",
      "a\u200Bb",
      "tab\tnl\ncr\r",
      "<|endoftext|>",
      "<|PAD|>",
      "x<|endoftext|>y",
      "¿qué?",
      "١٢٣",
      "ｆｕｌｌ",
      "e\u0301\u0323",
      "a\u0301 b",
      " \u0301",
      "#tag",
      "@user",
      "~~",
      "`code`",
      "^_^",
      "a|b",
      "$5",
      "+1",
      "<b>",
      "=",
      "\\n",
      "'s",
      "Ǆ",
      "ﬁ"
    };
    Random r = new Random(11);
    List<String> captions = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      StringBuilder c = new StringBuilder();
      int n = 1 + r.nextInt(12);
      for (int k = 0; k < n; k++) {
        c.append(pieces[r.nextInt(pieces.length)]);
        c.append(r.nextInt(4) == 0 ? "" : r.nextBoolean() ? " " : "  ");
      }
      captions.add(c.toString());
    }
    CaptionVocabulary v = CaptionVocabulary.builder().build(captions);
    Map<String, Integer> ids = new HashMap<>();
    for (int i = 0; i < v.words().size(); i++) {
      ids.put(v.words().get(i), i + 2);
    }
    Path file = tmp.resolve("tokenizer.json");
    v.writeTokenizerJson(file);
    try (ClipTokenizer tokenizer = ClipTokenizer.load(file)) {
      for (String caption : captions) {
        long[] got = tokenizer.idsOfWholeText(caption);
        List<String> words = CaptionVocabulary.words(caption);
        long[] wordIds = words.stream().mapToLong(ids::get).toArray();
        // HF also keeps the special tokens typed in a caption; the Java split sets them aside
        long[] withoutSpecials =
            Arrays.stream(got).filter(id -> id != 0 && id < v.startId()).toArray();
        assertArrayEquals(wordIds, withoutSpecials, () -> caption + " -> " + words);
        assertFalse(Arrays.stream(got).anyMatch(id -> id == CaptionVocabulary.UNKNOWN_ID), caption);
      }
      assertArrayEquals(
          new long[] {v.endId(), 0, CaptionVocabulary.UNKNOWN_ID},
          tokenizer.idsOfWholeText("<|endoftext|><|pad|><|UNK|>"));
    }
    assertEquals(List.of("σοφια", "οδοσ"), CaptionVocabulary.words("ΣΟΦΙΑ ΟΔΟΣ"));
    assertEquals(List.of("i\u0307stanbul"), CaptionVocabulary.words("İstanbul"));
    assertEquals(List.of("café", "!"), CaptionVocabulary.words("CAFE\u0301!"));
  }

  /** Words are counted in captions cleaned as OpenAI's CLIP cleans them, as queries will be. */
  @Test
  void captionsAreCleanedBeforeTheirWordsAreCounted() {
    assertEquals(
        CaptionVocabulary.words("it's a \"fine\" big café & more"),
        CaptionVocabulary.words("It’s a “ﬁne” ＢＩＧ cafÃ© &amp;amp; more"));
    assertEquals(
        List.of("it", "'", "s", "a", "\"", "fine", "\"", "big", "café", "&", "more"),
        CaptionVocabulary.words("It’s a “ﬁne” ＢＩＧ cafÃ© &amp;amp; more"));
    CaptionVocabulary v =
        CaptionVocabulary.builder().build(List.of("a “red” dress", "a ＲＥＤ dress"));
    assertEquals(List.of("\"", "a", "dress", "red"), v.words());
  }

  @Test
  void writeIsAtomicAndReplacesAnOldFile() throws IOException {
    Path dir = tmp.resolve("bundle");
    Path file = dir.resolve("tokenizer.json");
    CaptionVocabulary.builder().build(List.of("old words")).writeTokenizerJson(file);
    CaptionVocabulary v = CaptionVocabulary.builder().build(CORPUS);
    v.writeTokenizerJson(file);
    assertEquals(v.toTokenizerJson(), Files.readString(file));
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(List.of(file), files.toList(), "no temporary file left behind");
    }
  }

  private static long[] row(long... ids) {
    long[] row = new long[77];
    System.arraycopy(ids, 0, row, 0, ids.length);
    return row;
  }
}
