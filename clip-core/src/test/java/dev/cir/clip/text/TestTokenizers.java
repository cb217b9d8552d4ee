package dev.cir.clip.text;

import dev.cir.clip.testing.Fixtures;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;

/** Tokenizer files for the tests of this package. */
final class TestTokenizers {
  /** Captions for a small word-level vocabulary. */
  static final List<String> CAPTIONS =
      List.of(
          "is red and has short sleeves",
          "Is darker and has 2 buttons",
          "has a graphic of Mickey Mouse and is less formal",
          "The dress is longer; it has sleeves.",
          "change the color to green and add a logo",
          "T-shirt w/ V-neck (size XL)",
          "is blue, with stripes!");

  private TestTokenizers() {}

  /** OpenAI's BPE as a tokenizer.json, or the calling test is reported skipped. */
  static Path clipBpe() {
    return Fixtures.referenceOrSkip().resolve("tokenizer.json");
  }

  /** A word-level tokenizer.json built from {@link #CAPTIONS}, written into {@code dir}. */
  static Path wordLevel(Path dir) {
    Path file = dir.resolve("tokenizer.json");
    try {
      CaptionVocabulary.builder().build(CAPTIONS).writeTokenizerJson(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
  }

  /** {@code clip.tokenize}'s row for text ids, written out independently of the tokenizer. */
  static long[] row(long sot, long eot, int contextLength, long[] textIds) {
    long[] row = new long[contextLength];
    row[0] = sot;
    int i = 1;
    for (long id : textIds) {
      if (i == contextLength - 1) {
        break;
      }
      row[i++] = id;
    }
    row[i] = eot;
    return row;
  }
}
