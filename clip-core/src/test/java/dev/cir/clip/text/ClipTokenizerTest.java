package dev.cir.clip.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.cir.clip.io.InvalidModelException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ClipTokenizer} on word-level files: rows, file errors, compatibility, closing. */
class ClipTokenizerTest {
  @TempDir Path tmp;

  @Test
  void batchIsEachTextInOrder() {
    try (ClipTokenizer tokenizer = ClipTokenizer.load(TestTokenizers.wordLevel(tmp))) {
      List<String> texts = List.of("is red", "", "has 2 buttons!", repeat("and ", 1000));
      long[][] rows = tokenizer.encodeBatch(texts);
      assertEquals(4, rows.length);
      for (int i = 0; i < texts.size(); i++) {
        assertArrayEquals(tokenizer.encode(texts.get(i)), rows[i]);
      }
      assertThrows(
          NullPointerException.class, () -> tokenizer.encodeBatch(Arrays.asList("a", null)));
    }
  }

  @Test
  void wordLevelRowsAreCutAndPaddedLikeClip() {
    try (ClipTokenizer tokenizer = ClipTokenizer.load(TestTokenizers.wordLevel(tmp), 8)) {
      long sot = tokenizer.startId();
      long eot = tokenizer.endId();
      long[] is = tokenizer.idsOfWholeText("is");
      assertEquals(1, is.length);
      long[] row = tokenizer.encode("is is is is is is is is is is");
      assertArrayEquals(new long[] {sot, is[0], is[0], is[0], is[0], is[0], is[0], eot}, row);
      assertArrayEquals(new long[] {sot, is[0], eot, 0, 0, 0, 0, 0}, tokenizer.encode("IS"));
      assertEquals(2, tokenizer.endPosition(tokenizer.encode("IS")));
      assertThrows(IllegalArgumentException.class, () -> tokenizer.endPosition(new long[8]));
    }
  }

  /** CaptionVocabulary's words were counted in cleaned captions; queries are cleaned alike. */
  @Test
  void wordLevelTextsAreCleanedForCaptionVocabularyFiles() throws IOException {
    try (ClipTokenizer tokenizer = ClipTokenizer.load(TestTokenizers.wordLevel(tmp))) {
      assertTrue(tokenizer.cleansText());
      long[] plain = tokenizer.encode("is red and has short sleeves");
      assertFalse(Arrays.stream(plain).anyMatch(id -> id == CaptionVocabulary.UNKNOWN_ID));
      assertArrayEquals(plain, tokenizer.encode("ＩＳ ｒｅｄ ａｎｄ has short sleeves"));
      assertArrayEquals(plain, tokenizer.encode("&#x69;s red and has short sleeves"));
      assertArrayEquals(plain, tokenizer.encode("is\u00A0red and has short sleeves"));
    }
    // the same words in a file of other origin: no cleaning, full-width words are unknown
    Path other = tmp.resolve("other.json");
    Files.writeString(
        other, Files.readString(TestTokenizers.wordLevel(tmp)).replace("<|unk|>", "[UNK]"));
    try (ClipTokenizer tokenizer = ClipTokenizer.load(other)) {
      assertFalse(tokenizer.cleansText());
      long[] row = tokenizer.encode("ｒｅｄ");
      assertEquals(CaptionVocabulary.UNKNOWN_ID, row[1]);
    }
  }

  /** Truncation and padding written in the file are HF's; ours are clip.tokenize's. */
  @Test
  void truncationAndPaddingInTheFileAreIgnored() throws IOException {
    Path file = TestTokenizers.wordLevel(tmp);
    JsonObject root = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
    root.add(
        "truncation",
        JsonParser.parseString(
            "{\"direction\":\"Right\",\"max_length\":2,\"strategy\":\"LongestFirst\",\"stride\":0}"));
    root.add(
        "padding",
        JsonParser.parseString(
            "{\"strategy\":{\"Fixed\":12},\"direction\":\"Left\",\"pad_to_multiple_of\":null,"
                + "\"pad_id\":5,\"pad_type_id\":0,\"pad_token\":\"is\"}"));
    Path withLimits = tmp.resolve("limits.json");
    Files.writeString(withLimits, root.toString());
    try (ClipTokenizer plain = ClipTokenizer.load(file);
        ClipTokenizer limited = ClipTokenizer.load(withLimits)) {
      String text = "has a graphic of Mickey Mouse and is less formal";
      assertEquals(10, plain.idsOfWholeText(text).length);
      assertArrayEquals(plain.idsOfWholeText(text), limited.idsOfWholeText(text));
      assertArrayEquals(plain.encode(text), limited.encode(text));
      assertArrayEquals(plain.idsOfWholeText("red"), limited.idsOfWholeText("red"));
    }
  }

  @Test
  void incompatibleVocabularyOrContextIsRefusedNamingBothSizes() {
    Path file = TestTokenizers.wordLevel(tmp);
    try (ClipTokenizer tokenizer = ClipTokenizer.load(file)) {
      int n = tokenizer.vocabSize();
      assertEquals(n - 1, tokenizer.endId());
      tokenizer.checkCompatible(n, 77);
      InvalidModelException vocab =
          assertThrows(InvalidModelException.class, () -> tokenizer.checkCompatible(n + 1, 77));
      assertMessage(vocab, file.toAbsolutePath().toString(), " " + n + " ", " " + (n + 1));
      InvalidModelException context =
          assertThrows(InvalidModelException.class, () -> tokenizer.checkCompatible(n, 64));
      assertMessage(context, file.toAbsolutePath().toString(), "77", "64");
    }
  }

  @Test
  void endTokenThatIsNotTheLargestIdIsRefused() throws IOException {
    Path file = tmp.resolve("eot-first.json");
    Files.writeString(
        file,
        "{\"model\":{\"type\":\"WordLevel\",\"unk_token\":\"<|unk|>\",\"vocab\":{\"<|pad|>\":0,"
            + "\"<|endoftext|>\":1,\"<|startoftext|>\":2,\"<|unk|>\":3,\"red\":4}},"
            + "\"pre_tokenizer\":{\"type\":\"WhitespaceSplit\"}}");
    try (ClipTokenizer tokenizer = ClipTokenizer.load(file)) {
      assertEquals(5, tokenizer.vocabSize());
      assertArrayEquals(new long[] {2, 4, 1, 0, 0}, Arrays.copyOf(tokenizer.encode("red"), 5));
      InvalidModelException e =
          assertThrows(InvalidModelException.class, () -> tokenizer.checkCompatible(5, 77));
      assertMessage(e, file.toAbsolutePath().toString(), "<|endoftext|>", "argmax", "4");
    }
  }

  @Test
  void missingOrInvalidFilesAreRefusedNamingTheFile() throws IOException {
    Path missing = tmp.resolve("nowhere/tokenizer.json");
    assertMessage(assertRefused(missing), missing.toAbsolutePath().toString(), "not found");
    assertMessage(assertRefused(tmp), tmp.toAbsolutePath().toString(), "directory");

    String[][] cases = {
      {"{\"model\": {\"vocab\": ", "malformed JSON"},
      {"", "not a tokenizer.json"},
      {"[1, 2]", "not a JSON object"},
      {"{}", "no \"model\""},
      {"{\"model\": {\"type\": \"BPE\"}}", "no \"vocab\""},
      {"{\"model\": {\"vocab\": {\"a\": \"x\"}}}", "field 'model.vocab.a' must be an integer, found a string"},
      {"{\"model\": {\"vocab\": {\"a\": 0}}, \"added_tokens\": [{\"id\": 1}]}", "missing field 'added_tokens[0].content'"},
      {"{\"model\": {\"vocab\": {\"a\": 0, \"<|startoftext|>\": 1}}}", "no <|endoftext|>"},
      // accepted by our checks, refused by the native library
      {
        "{\"model\": {\"type\": \"NoSuchModel\", \"vocab\": {\"<|startoftext|>\": 0,"
            + " \"<|endoftext|>\": 1}}}",
        "not a valid Hugging Face tokenizer.json"
      },
    };
    for (int i = 0; i < cases.length; i++) {
      Path file = tmp.resolve("bad-" + i + ".json");
      Files.writeString(file, cases[i][0]);
      assertMessage(assertRefused(file), file.toAbsolutePath().toString(), cases[i][1]);
    }
  }

  @Test
  void unreadableFileIsRefusedNamingTheFile() throws IOException {
    Path file = TestTokenizers.wordLevel(tmp);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("---------"));
    try {
      Assumptions.assumeFalse(Files.isReadable(file), "running as a user who reads any file");
      assertMessage(assertRefused(file), file.toAbsolutePath().toString(), "not readable");
    } finally {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    }
  }

  @Test
  void contextLengthMustHoldStartAndEnd() {
    Path file = TestTokenizers.wordLevel(tmp);
    assertThrows(IllegalArgumentException.class, () -> ClipTokenizer.load(file, 1));
    try (ClipTokenizer two = ClipTokenizer.load(file, 2)) {
      assertArrayEquals(new long[] {two.startId(), two.endId()}, two.encode("is red"));
    }
  }

  @Test
  void closeReleasesTheNativeTokenizer() {
    Path file = TestTokenizers.wordLevel(tmp);
    ClipTokenizer tokenizer = ClipTokenizer.load(file);
    assertNotNull(tokenizer.encode("red"));
    assertFalse(tokenizer.isReleased());
    tokenizer.close();
    assertTrue(tokenizer.isReleased());
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> tokenizer.encode("red"));
    assertMessage(e, file.toAbsolutePath().toString(), "closed");
    tokenizer.close(); // idempotent
    assertTrue(tokenizer.toString().contains(file.toAbsolutePath().toString()));
  }

  private static InvalidModelException assertRefused(Path file) {
    return assertThrows(InvalidModelException.class, () -> ClipTokenizer.load(file).close());
  }

  private static void assertMessage(Exception e, String... parts) {
    for (String part : parts) {
      assertTrue(e.getMessage().contains(part), () -> "'" + part + "' not in: " + e.getMessage());
    }
  }

  private static String repeat(String s, int chars) {
    return s.repeat(chars / s.length() + 1).substring(0, chars);
  }
}
