package dev.cir.clip.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizerJsonTest {
  private static final String CLIP_NORMALIZER =
      "{\"type\":\"Sequence\",\"normalizers\":[{\"type\":\"NFC\"},{\"type\":\"Replace\","
          + "\"pattern\":{\"Regex\":\"\\\\s+\"},\"content\":\" \"},{\"type\":\"Lowercase\"}]}";
  private static final String CLIP_PRE_TOKENIZER =
      "{\"type\":\"Sequence\",\"pretokenizers\":[{\"type\":\"Split\",\"pattern\":{\"Regex\":"
          + quote(TokenizerJson.CLIP_SPLIT_PATTERN)
          + "},\"behavior\":\"Removed\",\"invert\":true},"
          + "{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"trim_offsets\":true,"
          + "\"use_regex\":false}]}";
  private static final String SPECIALS =
      "[{\"id\":1,\"content\":\"<|startoftext|>\",\"lstrip\":false,\"rstrip\":false},"
          + "{\"id\":2,\"content\":\"<|endoftext|>\",\"lstrip\":false,\"rstrip\":false}]";

  @TempDir Path tmp;

  @Test
  void clipAndWordLevelPipelinesMayBeCutAtWhitespace() {
    assertTrue(cuts(CLIP_NORMALIZER, CLIP_PRE_TOKENIZER, SPECIALS));
    JsonObject wordLevel =
        JsonParser.parseString(
                CaptionVocabulary.builder().build(TestTokenizers.CAPTIONS).toTokenizerJson())
            .getAsJsonObject();
    assertTrue(TokenizerJson.cutsAtWhitespace(wordLevel));
    assertTrue(cuts("null", "{\"type\":\"WhitespaceSplit\"}", "[]"));
    assertTrue(
        cuts(
            "{\"type\":\"NFKC\"}",
            "{\"type\":\"Sequence\",\"pretokenizers\":[{\"type\":\"Whitespace\"},"
                + "{\"type\":\"Digits\",\"individual_digits\":true},{\"type\":\"Punctuation\"}]}",
            "null"));
  }

  @Test
  void otherPipelinesAreEncodedWhole() {
    List<String[]> refused =
        List.of(
            // no pre-tokenizer: the whole text is one piece
            new String[] {CLIP_NORMALIZER, "null", SPECIALS},
            // splits inside pieces only
            new String[] {CLIP_NORMALIZER, "{\"type\":\"Punctuation\"}", SPECIALS},
            // Metaspace keeps the whitespace in the next piece
            new String[] {"null", "{\"type\":\"Metaspace\",\"replacement\":\"▁\"}", SPECIALS},
            // a space added before every piece
            new String[] {
              "null",
              "{\"type\":\"Sequence\",\"pretokenizers\":[{\"type\":\"WhitespaceSplit\"},"
                  + "{\"type\":\"ByteLevel\",\"add_prefix_space\":true}]}",
              SPECIALS
            },
            // a regex we cannot vouch for
            new String[] {
              "null",
              "{\"type\":\"Split\",\"pattern\":{\"Regex\":\" ?\\\\w+\"},\"behavior\":\"Isolated\","
                  + "\"invert\":false}",
              SPECIALS
            },
            // normalizers that look at more than one character
            new String[] {
              "{\"type\":\"Strip\",\"left\":true,\"right\":true}", "{\"type\":\"Whitespace\"}", "[]"
            },
            new String[] {
              "{\"type\":\"Prepend\",\"prepend\":\"▁\"}", "{\"type\":\"Whitespace\"}", "[]"
            },
            new String[] {
              "{\"type\":\"Replace\",\"pattern\":{\"String\":\"a b\"},\"content\":\"x\"}",
              "{\"type\":\"Whitespace\"}",
              "[]"
            },
            // added tokens that reach over whitespace
            new String[] {
              "null",
              "{\"type\":\"Whitespace\"}",
              "[{\"id\":3,\"content\":\"<mask>\",\"lstrip\":true,\"rstrip\":false}]"
            },
            new String[] {
              "null", "{\"type\":\"Whitespace\"}", "[{\"id\":3,\"content\":\"new york\"}]"
            });
    for (String[] c : refused) {
      assertFalse(cuts(c[0], c[1], c[2]), String.join(" | ", c));
    }
  }

  @Test
  void vocabularySizeCountsAddedTokensAndUnigramPieces() throws IOException {
    TokenizerJson bpe =
        read(
            "{\"added_tokens\":[{\"id\":7,\"content\":\"<|endoftext|>\"}],"
                + "\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0,\"<|startoftext|>\":3},"
                + "\"merges\":[]}}");
    assertEquals(8, bpe.vocabSize);
    assertEquals(3, bpe.startId);
    assertEquals(7, bpe.endId);
    TokenizerJson unigram =
        read(
            "{\"model\":{\"type\":\"Unigram\",\"vocab\":[[\"<|startoftext|>\",0.0],"
                + "[\"<|endoftext|>\",0.0],[\"a\",-1.5],[\"b\",-2.0]]}}");
    assertEquals(4, unigram.vocabSize);
    assertEquals(0, unigram.startId);
    assertEquals(1, unigram.endId);
  }

  @Test
  void clipReferenceFileMayBeCut() {
    TokenizerJson clip = TokenizerJson.read(TestTokenizers.clipBpe());
    assertTrue(clip.cutsAtWhitespace);
    assertEquals(49408, clip.vocabSize);
    assertTrue(clip.cleansText);
  }

  @Test
  void textsAreCleanedForClipsBpeAndCaptionVocabulariesOnly() throws IOException {
    String ends = "\"<|startoftext|>\":3,\"<|endoftext|>\":4";
    // OpenAI's BPE: words end in </w>, named by the model or seen in the vocabulary
    assertTrue(
        read("{\"model\":{\"type\":\"BPE\",\"end_of_word_suffix\":\"</w>\",\"vocab\":{"
                + ends
                + "},\"merges\":[]}}")
            .cleansText);
    assertTrue(
        read("{\"model\":{\"type\":\"BPE\",\"vocab\":{\"a</w>\":0," + ends + "},\"merges\":[]}}")
            .cleansText);
    // a byte-level BPE of another family
    assertFalse(
        read("{\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0,\"Ġa\":1,"
                + ends
                + "},\"merges\":[]}}")
            .cleansText);
    // CaptionVocabulary's layout, and a word-level file of other origin
    Path ours = TestTokenizers.wordLevel(tmp);
    assertTrue(TokenizerJson.read(ours).cleansText);
    assertFalse(
        read("{\"model\":{\"type\":\"WordLevel\",\"unk_token\":\"[UNK]\",\"vocab\":{"
                + "\"[PAD]\":0,\"[UNK]\":1,"
                + ends
                + "}}}")
            .cleansText);
    assertFalse(
        read("{\"model\":{\"type\":\"Unigram\",\"vocab\":[[\"<|startoftext|>\",0.0],"
                + "[\"<|endoftext|>\",0.0]]}}")
            .cleansText);
  }

  private TokenizerJson read(String json) throws IOException {
    Path file = Files.createTempFile(tmp, "tokenizer", ".json");
    Files.writeString(file, json);
    return TokenizerJson.read(file);
  }

  private static boolean cuts(String normalizer, String preTokenizer, String added) {
    return TokenizerJson.cutsAtWhitespace(
        JsonParser.parseString(
                "{\"normalizer\":"
                    + normalizer
                    + ",\"pre_tokenizer\":"
                    + preTokenizer
                    + ",\"added_tokens\":"
                    + added
                    + "}")
            .getAsJsonObject());
  }

  private static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\") + "\"";
  }
}
