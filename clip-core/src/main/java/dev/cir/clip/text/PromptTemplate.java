package dev.cir.clip.text;

import java.util.Objects;

/**
 * A prompt of zero-shot composed retrieval: text around one placeholder, {@code $}, that stands
 * for the reference image (its pseudo-word), and, for a query, a {@code {text}} slot for the
 * modification: {@code "a photo of $ that {text}"}. φ's training prompt has no slot ({@code "a photo
 * of $"}).
 *
 * <p>The placeholder is always a token of its own: the text before it and the text after it are
 * tokenized apart ({@link ClipTokenizer#encodePrompt}), so {@code "of $, that"} reads as {@code of},
 * the placeholder, {@code ,}, {@code that}, whatever the vocabulary.
 *
 * @param template the template, with {@code $} once and {@code {text}} at most once
 */
public record PromptTemplate(String template) {
  public static final String PLACEHOLDER = "$";
  public static final String TEXT_SLOT = "{text}";
  /** The query template of a bundle that names none. */
  public static final String DEFAULT_QUERY = "a photo of $ that {text}";
  /** The prompt φ is trained with (Pic2Word's "a photo of *"). */
  public static final String DEFAULT_TRAINING = "a photo of $";

  public PromptTemplate {
    Objects.requireNonNull(template, "template");
    int placeholders = count(template, PLACEHOLDER);
    if (placeholders != 1) {
      throw new IllegalArgumentException(
          "template '" + template + "' must hold the placeholder $ (the reference image) exactly once, not "
              + placeholders + " times; for example '" + DEFAULT_QUERY + "'");
    }
    int slots = count(template, TEXT_SLOT);
    if (slots > 1) {
      throw new IllegalArgumentException(
          "template '" + template + "' holds {text} " + slots + " times; it takes the modification text once");
    }
  }

  /**
   * A template for queries: {@code $} once and {@code {text}} once.
   *
   * @throws IllegalArgumentException saying what is missing
   */
  public static PromptTemplate query(String template) {
    PromptTemplate t = new PromptTemplate(template);
    if (!t.hasTextSlot()) {
      throw new IllegalArgumentException(
          "template '" + template + "' has no {text}, where the modification text goes; for example '"
              + DEFAULT_QUERY + "'");
    }
    return t;
  }

  public boolean hasTextSlot() {
    return template.contains(TEXT_SLOT);
  }

  /** The text before the placeholder and after it, with {@code text} in the slot (if there is one). */
  public Prompt fill(String text) {
    Objects.requireNonNull(text, "text");
    int at = template.indexOf(PLACEHOLDER);
    String before = template.substring(0, at);
    String after = template.substring(at + PLACEHOLDER.length());
    // the slot is filled in its own half, so a '$' or '{text}' in the text is only text
    return new Prompt(before.replace(TEXT_SLOT, text), after.replace(TEXT_SLOT, text));
  }

  /** A prompt cut at its placeholder. */
  public record Prompt(String before, String after) {
    public Prompt {
      Objects.requireNonNull(before, "before");
      Objects.requireNonNull(after, "after");
    }

    @Override
    public String toString() {
      return before + PLACEHOLDER + after;
    }
  }

  private static int count(String s, String part) {
    int n = 0;
    for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + part.length())) {
      n++;
    }
    return n;
  }

  @Override
  public String toString() {
    return template;
  }
}
