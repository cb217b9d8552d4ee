package dev.cir.clip.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.cir.clip.io.InvalidModelException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** {@link ClipTokenizer} over OpenAI's BPE (the reference fixture): long texts, threads, sizes. */
class ClipBpeTokenizerTest {
  private static final long SOT = 49406;
  private static final long EOT = 49407;
  // "a photo of a cat" in OpenAI's BPE, from the reference fixture
  private static final String CAT = "a photo of a cat ";
  private static final long[] CAT_IDS = {320, 1125, 539, 320, 2368};

  private static ClipTokenizer shared;

  /** Loaded once for the class; each test is reported skipped, with the reason, without it. */
  private static synchronized ClipTokenizer clip() {
    Path file = TestTokenizers.clipBpe();
    if (shared == null) {
      shared = ClipTokenizer.load(file);
    }
    return shared;
  }

  @AfterAll
  static synchronized void close() {
    if (shared != null) {
      shared.close();
    }
  }

  @Test
  void tenThousandCharactersKeepTheFirst75Ids() {
    ClipTokenizer tokenizer = clip();
    String text = repeat(CAT, 10_000);
    long[] first75 = new long[75];
    for (int i = 0; i < 75; i++) {
      first75[i] = CAT_IDS[i % CAT_IDS.length];
    }
    long[] row = tokenizer.encode(text);
    assertEquals(77, row.length);
    assertEquals(SOT, row[0]);
    assertEquals(EOT, row[76]);
    assertArrayEquals(first75, Arrays.copyOfRange(row, 1, 76));
    assertEquals(76, tokenizer.endPosition(row));
    // HF's own truncation (512 by default in DJL) is off: the whole text is there
    long[] whole = tokenizer.idsOfWholeText(text);
    assertEquals(10_000 / CAT.length() * 5 + 2, whole.length);
    assertArrayEquals(first75, Arrays.copyOf(whole, 75));
  }

  @Test
  void longTextsAreCutQuickly() {
    ClipTokenizer tokenizer = clip();
    tokenizer.encode("warm up");
    for (int chars : new int[] {10_000, 1_000_000}) {
      String words = repeat(CAT, chars);
      long start = System.nanoTime();
      long[] whole = tokenizer.idsOfWholeText(words);
      long wholeNanos = System.nanoTime() - start;
      long cutNanos = Long.MAX_VALUE;
      for (int i = 0; i < 5; i++) {
        start = System.nanoTime();
        assertArrayEquals(TestTokenizers.row(SOT, EOT, 77, whole), tokenizer.encode(words));
        cutNanos = Math.min(cutNanos, System.nanoTime() - start);
      }
      System.out.printf(
          "%,d chars of words: encode %.2f ms; whole text %.2f ms (%,d ids), %.0fx slower%n",
          chars, cutNanos / 1e6, wholeNanos / 1e6, whole.length, (double) wholeNanos / cutNanos);
      if (chars == 1_000_000) {
        assertTrue(cutNanos * 20 < wholeNanos, "the cut should make a long text cheap");
      }
    }
    // no whitespace: one word, which no cut can shorten safely, so it is encoded whole
    String oneWord = "x".repeat(1_000_000);
    long start = System.nanoTime();
    long[] row = tokenizer.encode(oneWord);
    System.out.printf(
        "1,000,000 chars without whitespace: encode %.2f ms%n", (System.nanoTime() - start) / 1e6);
    assertArrayEquals(TestTokenizers.row(SOT, EOT, 77, tokenizer.idsOfWholeText(oneWord)), row);
  }

  /** The cut must never change a row: compare with the row of the whole text's ids. */
  @Test
  void cuttingLongTextsNeverChangesTheRow() {
    ClipTokenizer tokenizer = clip();
    String[] pieces = {
      "a photo of a cat",
      "Make it BLUE, with",
      "it's",
      "don't",
      "'s",
      "'",
      "<|endoftext|>",
      "naïve café",
      "e\u0301",
      "\u0301",
      "\u0323\u0301",
      "日本語のテキスト",
      "👕",
      "3.50€",
      "100%",
      "123456",
      "T-shirt w/ V-neck (size XL)",
      "!!!",
      "...",
      "veryveryverylongwordwithoutspaces",
      "Σ",
      "İ",
      "\u00A0",
      "\u3000",
      "\u2028",
      "\u0085",
      "\u001C"
    };
    String[] gaps = {" ", "  ", "\t", "\n", "\r\n", " \u0301", "", "\u00A0", " \u00A0 "};
    Random r = new Random(7);
    for (int t = 0; t < 600; t++) {
      StringBuilder text = new StringBuilder();
      int length = 600 + r.nextInt(4000);
      // dense texts; texts with about as many tokens as the first cut's characters allow, so the
      // 75th id falls near it; texts so sparse that the first cut comes up short
      int spaces = t % 3 == 0 ? 0 : t % 3 == 1 ? 6 : 40;
      while (text.length() < length) {
        text.append(pieces[r.nextInt(pieces.length)]);
        text.append(spaces == 0 ? gaps[r.nextInt(gaps.length)] : " ".repeat(r.nextInt(2 * spaces)));
      }
      String s = text.toString();
      assertArrayEquals(
          TestTokenizers.row(SOT, EOT, 77, tokenizer.idsOfWholeText(s)),
          tokenizer.encode(s),
          () -> "text " + s);
    }
  }

  @Test
  void emptyTextIsStartEndThenPadding() {
    ClipTokenizer tokenizer = clip();
    long[] row = tokenizer.encode("");
    long[] expected = new long[77];
    expected[0] = SOT;
    expected[1] = EOT;
    assertArrayEquals(expected, row);
    assertEquals(1, tokenizer.endPosition(row));
    assertArrayEquals(expected, tokenizer.encode("   \t\n"));
  }

  @Test
  void concurrentEncodingGivesTheSequentialResults() throws Exception {
    ClipTokenizer tokenizer = clip();
    List<String> texts = new ArrayList<>();
    Random r = new Random(3);
    for (int i = 0; i < 400; i++) {
      texts.add(repeat("text " + i + " is red and has short sleeves 👕 ", 20 + r.nextInt(1500)));
    }
    long[][] sequential = tokenizer.encodeBatch(texts);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<long[][]>> results = new ArrayList<>();
      for (int thread = 0; thread < 8; thread++) {
        int offset = thread * 50;
        results.add(
            pool.submit(
                () -> {
                  long[][] rows = new long[texts.size()][];
                  for (int k = 0; k < texts.size(); k++) {
                    int i = (k + offset) % texts.size();
                    rows[i] = tokenizer.encode(texts.get(i));
                  }
                  return rows;
                }));
      }
      for (Future<long[][]> f : results) {
        long[][] rows = f.get(120, TimeUnit.SECONDS);
        for (int i = 0; i < texts.size(); i++) {
          assertArrayEquals(sequential[i], rows[i], texts.get(i));
        }
      }
    } finally {
      pool.shutdownNow();
      assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
    }
  }

  /** OpenAI's basic_clean: ftfy, then html.unescape twice, before the BPE. */
  @Test
  void textsAreCleanedLikeOpenAis() throws IOException {
    ClipTokenizer tokenizer = clip();
    assertTrue(tokenizer.cleansText());
    String[][] same = {
      {"It’s a “test” &amp; more", "It's a \"test\" & more"},
      {"a ﬁne ＢＩＧ cafÃ© &lt;3", "a fine BIG café <3"},
      {"&amp;amp; &#x2019;s t\u001B[1mee\u0000", "& 's tee"},
      {"ｶﾞ\u2028e\u0301", "ガ\né"},
    };
    Map<String, String> raw =
        Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false");
    try (HuggingFaceTokenizer hf =
        HuggingFaceTokenizer.newInstance(TestTokenizers.clipBpe(), raw)) {
      for (String[] pair : same) {
        assertArrayEquals(tokenizer.encode(pair[1]), tokenizer.encode(pair[0]), pair[0]);
        assertArrayEquals(
            tokenizer.idsOfWholeText(pair[1]), tokenizer.idsOfWholeText(pair[0]), pair[0]);
        // without the cleaning, the BPE itself tells them apart
        assertFalse(
            Arrays.equals(hf.encode(pair[1]).getIds(), hf.encode(pair[0]).getIds()), pair[0]);
      }
    }
  }

  @Test
  void compatibleWithTheModelItWasBuiltFor() {
    ClipTokenizer tokenizer = clip();
    tokenizer.checkCompatible(49408, 77);
    InvalidModelException e =
        assertThrows(InvalidModelException.class, () -> tokenizer.checkCompatible(1000, 77));
    assertMessage(e, "tokenizer.json", "49408", "1000");
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
