package dev.cir.clip.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Templates with a placeholder, and their token rows. */
class PromptTokensTest {
  @TempDir Path tmp;

  /** The caption's row with the word at {@code k} (of the whitespace-split caption) taken out as $. */
  private static void assertPromptMatchesCaption(ClipTokenizer tokenizer, String caption, int k) {
    String[] words = caption.split(" ");
    String before = String.join(" ", List.of(words).subList(0, k));
    String after = String.join(" ", List.of(words).subList(k + 1, words.length));
    PromptTemplate template = new PromptTemplate((before.isEmpty() ? "" : before + " ") + "$" + (after.isEmpty() ? "" : " " + after));
    ClipTokenizer.PromptTokens prompt = tokenizer.encodePrompt(template.fill(""));
    long[] plain = tokenizer.encode(caption);
    long[] wordIds = tokenizer.idsOfWholeText(words[k]);
    assertEquals(1, wordIds.length, words[k] + " is one token");
    assertEquals(plain[prompt.position()], wordIds[0], caption + ": the placeholder sits where " + words[k] + " was");
    long[] filled = prompt.row().clone();
    filled[prompt.position()] = wordIds[0];
    assertArrayEquals(plain, filled, caption + " with word " + k + " as $");
  }

  @Test
  void aPromptIsTheCaptionsRowWithThePlaceholderWhereTheWordWas() {
    try (ClipTokenizer tokenizer = ClipTokenizer.load(TestTokenizers.wordLevel(tmp))) {
      int checked = 0;
      for (String caption : List.of("is red and has short sleeves", "change the color to green and add a logo")) {
        for (int k = 0; k < caption.split(" ").length; k++) {
          assertPromptMatchesCaption(tokenizer, caption, k);
          checked++;
        }
      }
      assertEquals(6 + 9, checked);
    }
  }

  @Test
  void aPromptIsTheCaptionsRowWithThePlaceholderWhereTheWordWasInOpenAisBpe() {
    try (ClipTokenizer tokenizer = ClipTokenizer.load(TestTokenizers.clipBpe())) {
      for (String caption : List.of("a photo of a cat that is red", "is darker and has two buttons")) {
        for (int k = 0; k < caption.split(" ").length; k++) {
          assertPromptMatchesCaption(tokenizer, caption, k);
        }
      }
    }
  }

  @Test
  void aLongTextLosesItsEndNeverThePlaceholder() {
    try (ClipTokenizer tokenizer = ClipTokenizer.load(TestTokenizers.wordLevel(tmp), 8)) {
      ClipTokenizer.PromptTokens p =
          tokenizer.encodePrompt(PromptTemplate.query("is $ and {text}").fill("has short sleeves and is red"));
      assertEquals(2, p.position());
      assertEquals(8, p.row().length);
      assertEquals(tokenizer.endId(), p.row()[7]);
      long[] plain = tokenizer.encode("is red and has short sleeves and is red");
      long[] filled = p.row().clone();
      filled[2] = plain[2];
      assertArrayEquals(plain, filled);
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () -> tokenizer.encodePrompt(new PromptTemplate("is red and has short sleeves $").fill("")));
      assertTrue(e.getMessage().contains("before $"), e.getMessage());
    }
  }

  @Test
  void aTemplateHoldsThePlaceholderOnceAndTheTextAtMostOnce() {
    assertEquals("a photo of ", new PromptTemplate("a photo of $").fill("ignored").before());
    PromptTemplate.Prompt p = PromptTemplate.query("a photo of $ that {text}").fill("costs $5 {text}");
    assertEquals("a photo of ", p.before());
    assertEquals(" that costs $5 {text}", p.after());
    assertEquals("{text}, like ", PromptTemplate.query("{text}, like $").fill("{text}").before());
    for (String bad : List.of("a photo that {text}", "$ and $ that {text}", "")) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PromptTemplate.query(bad));
      assertTrue(e.getMessage().contains("exactly once"), e.getMessage());
    }
    IllegalArgumentException noText = assertThrows(IllegalArgumentException.class, () -> PromptTemplate.query("a photo of $"));
    assertTrue(noText.getMessage().contains("no {text}"), noText.getMessage());
    IllegalArgumentException twice =
        assertThrows(IllegalArgumentException.class, () -> PromptTemplate.query("$ {text} {text}"));
    assertTrue(twice.getMessage().contains("2 times"), twice.getMessage());
  }
}
