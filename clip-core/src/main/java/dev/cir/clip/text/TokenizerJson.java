package dev.cir.clip.text;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.cir.clip.io.InvalidModelException;
import dev.cir.clip.io.JsonBinding;
import dev.cir.clip.io.JsonBinding.Optional;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What {@link ClipTokenizer} reads from a Hugging Face {@code tokenizer.json} itself, beside what
 * DJL loads from it: the ids of the start and end tokens, the vocabulary size, whether texts are
 * cleaned first, and whether the pipeline lets a long text be cut before a whitespace character
 * without changing its first ids.
 */
final class TokenizerJson {
  static final String START_OF_TEXT = "<|startoftext|>";
  static final String END_OF_TEXT = "<|endoftext|>";
  static final String END_OF_WORD = "</w>";

  /**
   * The pre-tokenizer pattern of OpenAI's {@code simple_tokenizer.py}, as CLIP's file spells it.
   */
  static final String CLIP_SPLIT_PATTERN =
      "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+";

  private static final Set<String> PER_CHARACTER_NORMALIZERS =
      Set.of("NFC", "NFD", "NFKC", "NFKD", "Lowercase");
  private static final Set<String> WHITESPACE_SPLITTERS =
      Set.of("BertPreTokenizer", "WhitespaceSplit", "Whitespace");
  private static final Set<String> IN_PIECE_SPLITTERS = Set.of("Punctuation", "Digits");

  final String source;
  final String json;
  final int vocabSize;
  final long startId;
  final long endId;
  final boolean cleansText;
  final boolean cutsAtWhitespace;

  private TokenizerJson(
      String source,
      String json,
      int vocabSize,
      long startId,
      long endId,
      boolean cleansText,
      boolean cuts) {
    this.source = source;
    this.json = json;
    this.vocabSize = vocabSize;
    this.startId = startId;
    this.endId = endId;
    this.cleansText = cleansText;
    this.cutsAtWhitespace = cuts;
  }

  /**
   * Reads and checks {@code file}.
   *
   * @throws InvalidModelException naming the file when it is missing, unreadable, not JSON, not a
   *     tokenizer, or has no start or end token
   */
  static TokenizerJson read(Path file) {
    String source = file.toAbsolutePath().normalize().toString();
    if (Files.isDirectory(file)) {
      throw new InvalidModelException(
          source + ": is a directory; pass the tokenizer.json file inside the model bundle");
    }
    String json;
    try {
      json = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new InvalidModelException(source + ": tokenizer file not found", e);
    } catch (AccessDeniedException e) {
      throw new InvalidModelException(source + ": tokenizer file is not readable", e);
    } catch (IOException e) {
      throw new InvalidModelException(source + ": cannot read tokenizer file: " + e, e);
    }
    JsonElement parsed = JsonBinding.parse(json, source, InvalidModelException::new);
    if (!parsed.isJsonObject()) {
      throw new InvalidModelException(source + ": not a tokenizer.json (not a JSON object)");
    }
    JsonObject root = parsed.getAsJsonObject();
    try {
      return of(source, json, root);
    } catch (ClassCastException | IllegalStateException | UnsupportedOperationException e) {
      // the pipeline's optional parts are walked leniently; a part of the wrong shape lands here
      throw new InvalidModelException(
          source + ": not a Hugging Face tokenizer.json (" + e.getMessage() + ")", e);
    }
  }

  /** The parts of {@code tokenizer.json} that give token ids. */
  private record TokenizerFile(TokenizerModel model, @Optional List<AddedToken> addedTokens) {}

  /** {@code vocab}: token → id (BPE, WordLevel, WordPiece), or [piece, score] pairs (Unigram). */
  private record TokenizerModel(JsonElement vocab) {}

  private record AddedToken(long id, String content) {}

  private static TokenizerJson of(String source, String json, JsonObject root) {
    JsonObject model = object(root, "model");
    if (model == null) {
      throw new InvalidModelException(
          source + ": not a Hugging Face tokenizer.json (no \"model\" object)");
    }
    JsonElement vocab = model.get("vocab");
    if (vocab == null || !(vocab.isJsonObject() || vocab.isJsonArray())) {
      throw new InvalidModelException(
          source + ": not a Hugging Face tokenizer.json (the model has no \"vocab\")");
    }
    TokenizerFile file = JsonBinding.bind(root, TokenizerFile.class, source, InvalidModelException::new);
    Map<String, Long> ids = new HashMap<>();
    long largest = -1;
    if (vocab.isJsonObject()) {
      for (Map.Entry<String, JsonElement> e : vocab.getAsJsonObject().entrySet()) {
        JsonElement v = e.getValue();
        if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isNumber() || v.getAsDouble() != Math.rint(v.getAsDouble())) {
          throw new InvalidModelException(
              source + ": field 'model.vocab." + e.getKey() + "' must be an integer, found " + JsonBinding.describe(v));
        }
        ids.put(e.getKey(), v.getAsLong());
        largest = Math.max(largest, v.getAsLong());
      }
    } else {
      // Unigram: [piece, score] pairs, the id is the position
      JsonArray pieces = vocab.getAsJsonArray();
      for (int i = 0; i < pieces.size(); i++) {
        JsonElement p = pieces.get(i);
        if (!p.isJsonArray() || p.getAsJsonArray().isEmpty() || !JsonBinding.isString(p.getAsJsonArray().get(0))) {
          throw new InvalidModelException(
              source + ": field 'model.vocab[" + i + "]' must be a [piece, score] pair, found " + JsonBinding.describe(p));
        }
        ids.put(p.getAsJsonArray().get(0).getAsString(), (long) i);
      }
      largest = pieces.size() - 1;
    }
    if (file.addedTokens() != null) {
      for (AddedToken t : file.addedTokens()) {
        ids.put(t.content(), t.id());
        largest = Math.max(largest, t.id());
      }
    }
    if (largest < 0 || largest >= Integer.MAX_VALUE) {
      throw new InvalidModelException(source + ": vocabulary has " + (largest + 1) + " tokens");
    }
    long start = requireToken(source, ids, START_OF_TEXT);
    long end = requireToken(source, ids, END_OF_TEXT);
    return new TokenizerJson(
        source,
        json,
        (int) largest + 1,
        start,
        end,
        cleansText(model, ids),
        cutsAtWhitespace(root));
  }

  /**
   * Whether texts are cleaned as OpenAI's {@code basic_clean} does ({@link ClipTextCleaner}) before
   * this tokenizer sees them. Yes for OpenAI's CLIP BPE, whose models were trained on cleaned
   * captions; it is a BPE model whose words end in {@code </w>}. Yes for the word-level
   * vocabularies {@link CaptionVocabulary} writes (unknown token {@code <|unk|>}, {@code <|pad|>}
   * at id 0), whose words are counted in cleaned captions, so that a query typed with curly quotes
   * or full-width letters meets the words of the corpus. Any other file is taken as it describes
   * itself: its model may have been trained without the cleaning.
   */
  static boolean cleansText(JsonObject model, Map<String, Long> ids) {
    String type = string(model, "type");
    if ("BPE".equals(type)) {
      return END_OF_WORD.equals(string(model, "end_of_word_suffix"))
          || ids.keySet().stream().anyMatch(token -> token.endsWith(END_OF_WORD));
    }
    return "WordLevel".equals(type)
        && CaptionVocabulary.UNKNOWN.equals(string(model, "unk_token"))
        && Long.valueOf(CaptionVocabulary.PAD_ID).equals(ids.get(CaptionVocabulary.PAD));
  }

  private static long requireToken(String source, Map<String, Long> ids, String token) {
    Long id = ids.get(token);
    if (id == null) {
      throw new InvalidModelException(
          source
              + ": has no "
              + token
              + " token (neither in added_tokens nor in model.vocab); a CLIP tokenizer needs "
              + START_OF_TEXT
              + " and "
              + END_OF_TEXT);
    }
    return id;
  }

  /**
   * True when every stage of the pipeline is one under which the ids of a text cut just before an
   * ASCII whitespace character are a prefix of the ids of the whole text (the argument is in {@link
   * ClipTokenizer}). Any other configuration is encoded whole.
   */
  static boolean cutsAtWhitespace(JsonObject root) {
    return actsPerCharacter(root.get("normalizer"))
        && splitsAtWhitespace(root.get("pre_tokenizer"))
        && addedTokensStayInsideWords(root.get("added_tokens"));
  }

  private static boolean actsPerCharacter(JsonElement normalizer) {
    if (normalizer == null || normalizer.isJsonNull()) {
      return true;
    }
    JsonObject n = normalizer.getAsJsonObject();
    String type = string(n, "type");
    if ("Sequence".equals(type)) {
      for (JsonElement part : n.getAsJsonArray("normalizers")) {
        if (!actsPerCharacter(part)) {
          return false;
        }
      }
      return true;
    }
    if ("Replace".equals(type)) {
      // CLIP's whitespace_clean: a run of whitespace cut in two still becomes a leading " "
      JsonObject pattern = object(n, "pattern");
      return pattern != null
          && "\\s+".equals(string(pattern, "Regex"))
          && " ".equals(string(n, "content"));
    }
    return PER_CHARACTER_NORMALIZERS.contains(type);
  }

  private static boolean splitsAtWhitespace(JsonElement preTokenizer) {
    if (preTokenizer == null || preTokenizer.isJsonNull()) {
      return false;
    }
    JsonObject p = preTokenizer.getAsJsonObject();
    List<JsonElement> stages =
        "Sequence".equals(string(p, "type"))
            ? p.getAsJsonArray("pretokenizers").asList()
            : List.of(p);
    boolean splits = false;
    for (JsonElement stage : stages) {
      JsonObject s = stage.getAsJsonObject();
      String type = string(s, "type");
      if (WHITESPACE_SPLITTERS.contains(type) || isClipSplit(s)) {
        splits = true;
      } else if ("ByteLevel".equals(type)) {
        // maps each piece's bytes; a prefix space would be added to every piece, so refuse it
        if (s.has("add_prefix_space") && s.get("add_prefix_space").getAsBoolean()) {
          return false;
        }
      } else if (!IN_PIECE_SPLITTERS.contains(type)) {
        return false;
      }
    }
    return splits;
  }

  private static boolean isClipSplit(JsonObject s) {
    JsonObject pattern = object(s, "pattern");
    return "Split".equals(string(s, "type"))
        && pattern != null
        && CLIP_SPLIT_PATTERN.equals(string(pattern, "Regex"))
        && "Removed".equals(string(s, "behavior"))
        && s.has("invert")
        && s.get("invert").getAsBoolean();
  }

  private static boolean addedTokensStayInsideWords(JsonElement added) {
    if (added == null || added.isJsonNull()) {
      return true;
    }
    for (JsonElement e : added.getAsJsonArray()) {
      JsonObject t = e.getAsJsonObject();
      boolean strips =
          (t.has("lstrip") && t.get("lstrip").getAsBoolean())
              || (t.has("rstrip") && t.get("rstrip").getAsBoolean());
      String content = string(t, "content");
      if (strips || content == null || content.codePoints().anyMatch(TokenizerJson::isWhitespace)) {
        return false;
      }
    }
    return true;
  }

  /** Unicode's White_Space property, which Rust's {@code char::is_whitespace} (and so HF) uses. */
  static boolean isWhitespace(int c) {
    return Character.isSpaceChar(c) || (c >= 0x09 && c <= 0x0D) || c == 0x85;
  }

  private static JsonObject object(JsonObject o, String key) {
    JsonElement e = o.get(key);
    return e != null && e.isJsonObject() ? e.getAsJsonObject() : null;
  }

  private static String string(JsonObject o, String key) {
    JsonElement e = o.get(key);
    return e != null && e.isJsonPrimitive() ? e.getAsString() : null;
  }
}
