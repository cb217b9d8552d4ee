package dev.cir.clip.text;

import dev.cir.clip.testing.Fixtures;
import java.nio.file.Path;

/** Tokenizer files for the tests of this package. */
final class TestTokenizers {
  private TestTokenizers() {}

  /** OpenAI's BPE as a tokenizer.json, or the calling test is reported skipped. */
  static Path clipBpe() {
    return Fixtures.referenceOrSkip().resolve("tokenizer.json");
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
