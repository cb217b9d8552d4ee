package dev.cir.clip.text;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import dev.cir.clip.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A word-level vocabulary built from a caption corpus, for CLIP models trained from scratch,
 * written as a Hugging Face {@code tokenizer.json} that {@link ClipTokenizer} (and any HF
 * tokenizer) loads.
 *
 * <p>Strategy: captions are cleaned as OpenAI's CLIP cleans them ({@link ClipTextCleaner}, which
 * {@link ClipTokenizer} applies to these files too), normalized (NFC, then lowercase) and split at
 * whitespace and around each punctuation character, as the file's {@code BertPreTokenizer} will
 * split them; the words are counted and ordered by decreasing frequency, then alphabetically
 * (UTF-16 order), so the same corpus always gives the same ids. The ids follow CLIP's conventions:
 * {@code <|pad|>} is 0 (the value rows are padded with), {@code <|unk|>} is 1, the words follow,
 * and {@code <|startoftext|>} and {@code <|endoftext|>} are the last two ids, the end token the
 * largest because CLIP pools the text feature at the argmax of the ids. Words hold neither
 * whitespace nor punctuation, so none can collide with a special token.
 */
public final class CaptionVocabulary {
  public static final String PAD = "<|pad|>";
  public static final String UNKNOWN = "<|unk|>";
  public static final int PAD_ID = 0;
  public static final int UNKNOWN_ID = 1;

  private static final List<String> SPECIALS =
      List.of(PAD, UNKNOWN, TokenizerJson.START_OF_TEXT, TokenizerJson.END_OF_TEXT);
  // HF matches added tokens in the normalized text before pre-tokenizing it
  private static final Pattern SPECIAL_TOKEN =
      Pattern.compile(String.join("|", SPECIALS.stream().map(Pattern::quote).toList()));

  private final List<String> words;

  private CaptionVocabulary(List<String> words) {
    this.words = List.copyOf(words);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Tokens in the vocabulary: the words and the four special tokens. */
  public int size() {
    return words.size() + SPECIALS.size();
  }

  /** The words in id order; the first has id 2. */
  public List<String> words() {
    return words;
  }

  /** The id of {@code <|startoftext|>}: {@code size() - 2}. */
  public int startId() {
    return size() - 2;
  }

  /** The id of {@code <|endoftext|>}, the largest: {@code size() - 1}. */
  public int endId() {
    return size() - 1;
  }

  /** The Hugging Face {@code tokenizer.json} text of this vocabulary. */
  public String toTokenizerJson() {
    JsonObject vocab = new JsonObject();
    vocab.addProperty(PAD, PAD_ID);
    vocab.addProperty(UNKNOWN, UNKNOWN_ID);
    for (int i = 0; i < words.size(); i++) {
      vocab.addProperty(words.get(i), i + 2);
    }
    vocab.addProperty(TokenizerJson.START_OF_TEXT, startId());
    vocab.addProperty(TokenizerJson.END_OF_TEXT, endId());

    JsonArray added = new JsonArray();
    added.add(addedToken(PAD_ID, PAD));
    added.add(addedToken(UNKNOWN_ID, UNKNOWN));
    added.add(addedToken(startId(), TokenizerJson.START_OF_TEXT));
    added.add(addedToken(endId(), TokenizerJson.END_OF_TEXT));

    JsonObject normalizer = new JsonObject();
    normalizer.addProperty("type", "Sequence");
    JsonArray normalizers = new JsonArray();
    normalizers.add(typed("NFC"));
    normalizers.add(typed("Lowercase"));
    normalizer.add("normalizers", normalizers);

    JsonObject model = new JsonObject();
    model.addProperty("type", "WordLevel");
    model.add("vocab", vocab);
    model.addProperty("unk_token", UNKNOWN);

    JsonObject root = new JsonObject();
    root.addProperty("version", "1.0");
    root.add("truncation", JsonNull.INSTANCE);
    root.add("padding", JsonNull.INSTANCE);
    root.add("added_tokens", added);
    root.add("normalizer", normalizer);
    root.add("pre_tokenizer", typed("BertPreTokenizer"));
    root.add("post_processor", startEndTemplate());
    root.add("decoder", JsonNull.INSTANCE);
    root.add("model", model);
    Gson gson =
        new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().serializeNulls().create();
    return gson.toJson(root) + "\n";
  }

  /**
   * Writes {@link #toTokenizerJson()} to {@code file}, atomically (temporary file, then rename).
   */
  public void writeTokenizerJson(Path file) throws IOException {
    AtomicFiles.writeString(file, toTokenizerJson());
  }

  @Override
  public String toString() {
    return "CaptionVocabulary[" + size() + " tokens]";
  }

  /**
   * The words of {@code caption} as {@link ClipTokenizer} over the written file sees them: cleaned,
   * NFC, lowercased, special tokens set aside (and not returned), split at whitespace and around
   * punctuation.
   */
  static List<String> words(String caption) {
    String cleaned = ClipTextCleaner.clean(caption);
    String text = lowercase(Normalizer.normalize(cleaned, Normalizer.Form.NFC));
    List<String> out = new ArrayList<>();
    Matcher special = SPECIAL_TOKEN.matcher(text);
    int from = 0;
    while (special.find()) {
      split(text, from, special.start(), out);
      from = special.end();
    }
    split(text, from, text.length(), out);
    return out;
  }

  /** HF's {@code BertPreTokenizer}: whitespace removed, each punctuation character its own word. */
  private static void split(String text, int from, int to, List<String> out) {
    int wordStart = from;
    for (int i = from; i < to; ) {
      int c = text.codePointAt(i);
      int next = i + Character.charCount(c);
      if (TokenizerJson.isWhitespace(c) || isPunctuation(c)) {
        if (i > wordStart) {
          out.add(text.substring(wordStart, i));
        }
        if (!TokenizerJson.isWhitespace(c)) {
          out.add(text.substring(i, next));
        }
        wordStart = next;
      }
      i = next;
    }
    if (to > wordStart) {
      out.add(text.substring(wordStart, to));
    }
  }

  /** Rust's {@code is_ascii_punctuation() || is_punctuation()}, which HF's BERT splitter uses. */
  private static boolean isPunctuation(int c) {
    if (c < 0x80) {
      return (c >= '!' && c <= '/')
          || (c >= ':' && c <= '@')
          || (c >= '[' && c <= '`')
          || (c >= '{' && c <= '~');
    }
    switch (Character.getType(c)) {
      case Character.CONNECTOR_PUNCTUATION:
      case Character.DASH_PUNCTUATION:
      case Character.START_PUNCTUATION:
      case Character.END_PUNCTUATION:
      case Character.INITIAL_QUOTE_PUNCTUATION:
      case Character.FINAL_QUOTE_PUNCTUATION:
      case Character.OTHER_PUNCTUATION:
        return true;
      default:
        return false;
    }
  }

  /**
   * HF's {@code Lowercase}: each character's full lowercase mapping, without context (so a final
   * capital sigma becomes σ, not ς as {@link String#toLowerCase(Locale)} would make it).
   */
  private static String lowercase(String s) {
    StringBuilder out = new StringBuilder(s.length());
    s.codePoints()
        .forEach(
            c -> {
              if (c == 0x130) {
                out.append("i\u0307"); // the one unconditional multi-character lowercase mapping
              } else if (c == 0x3A3) {
                out.append('\u03C3');
              } else {
                out.appendCodePoint(Character.toLowerCase(c));
              }
            });
    return out.toString();
  }

  private static JsonObject typed(String type) {
    JsonObject o = new JsonObject();
    o.addProperty("type", type);
    return o;
  }

  private static JsonObject addedToken(int id, String content) {
    JsonObject t = new JsonObject();
    t.addProperty("id", id);
    t.addProperty("content", content);
    t.addProperty("single_word", false);
    t.addProperty("lstrip", false);
    t.addProperty("rstrip", false);
    t.addProperty("normalized", true);
    t.addProperty("special", true);
    return t;
  }

  /** Adds start and end like CLIP when a Hugging Face user encodes with special tokens. */
  private JsonObject startEndTemplate() {
    JsonArray single = new JsonArray();
    single.add(templateToken("SpecialToken", TokenizerJson.START_OF_TEXT, 0));
    single.add(templateToken("Sequence", "A", 0));
    single.add(templateToken("SpecialToken", TokenizerJson.END_OF_TEXT, 0));
    JsonArray pair = single.deepCopy();
    pair.add(templateToken("Sequence", "B", 1));
    pair.add(templateToken("SpecialToken", TokenizerJson.END_OF_TEXT, 1));
    JsonObject specials = new JsonObject();
    specials.add(
        TokenizerJson.START_OF_TEXT, templateSpecial(TokenizerJson.START_OF_TEXT, startId()));
    specials.add(TokenizerJson.END_OF_TEXT, templateSpecial(TokenizerJson.END_OF_TEXT, endId()));
    JsonObject template = typed("TemplateProcessing");
    template.add("single", single);
    template.add("pair", pair);
    template.add("special_tokens", specials);
    return template;
  }

  private static JsonObject templateToken(String kind, String id, int typeId) {
    JsonObject inner = new JsonObject();
    inner.addProperty("id", id);
    inner.addProperty("type_id", typeId);
    JsonObject o = new JsonObject();
    o.add(kind, inner);
    return o;
  }

  private static JsonObject templateSpecial(String token, int id) {
    JsonObject o = new JsonObject();
    o.addProperty("id", token);
    JsonArray ids = new JsonArray();
    ids.add(id);
    o.add("ids", ids);
    JsonArray tokens = new JsonArray();
    tokens.add(token);
    o.add("tokens", tokens);
    return o;
  }

  /** Options for building a vocabulary, then {@link #build(Iterable)}. */
  public static final class Builder {
    private int minFrequency = 1;
    private int maxWords = Integer.MAX_VALUE;

    private Builder() {}

    /**
     * Keeps only words seen at least {@code minFrequency} times (default 1); rarer words become
     * {@code <|unk|>}.
     *
     * @throws IllegalArgumentException if {@code minFrequency} is less than 1
     */
    public Builder minFrequency(int minFrequency) {
      if (minFrequency < 1) {
        throw new IllegalArgumentException("minFrequency must be at least 1, got " + minFrequency);
      }
      this.minFrequency = minFrequency;
      return this;
    }

    /**
     * Keeps at most the {@code maxWords} most frequent words (default: all).
     *
     * @throws IllegalArgumentException if {@code maxWords} is negative
     */
    public Builder maxWords(int maxWords) {
      if (maxWords < 0) {
        throw new IllegalArgumentException("maxWords must not be negative, got " + maxWords);
      }
      this.maxWords = maxWords;
      return this;
    }

    /** Counts the words of every caption and orders them (see the class comment). */
    public CaptionVocabulary build(Iterable<String> captions) {
      Map<String, Integer> counts = new HashMap<>();
      for (String caption : Objects.requireNonNull(captions, "captions")) {
        for (String word : words(Objects.requireNonNull(caption, "caption"))) {
          counts.merge(word, 1, Integer::sum);
        }
      }
      List<Map.Entry<String, Integer>> kept = new ArrayList<>();
      for (Map.Entry<String, Integer> e : counts.entrySet()) {
        if (e.getValue() >= minFrequency) {
          kept.add(e);
        }
      }
      kept.sort(
          Map.Entry.<String, Integer>comparingByValue(Collections.reverseOrder())
              .thenComparing(Map.Entry.comparingByKey(Comparator.naturalOrder())));
      List<String> words = new ArrayList<>();
      for (int i = 0; i < kept.size() && i < maxWords; i++) {
        words.add(kept.get(i).getKey());
      }
      return new CaptionVocabulary(words);
    }
  }
}
