package dev.cir.clip.text;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.cir.clip.io.InvalidModelException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * CLIP's tokenizer: text to rows of {@link #contextLength()} token ids, exactly as OpenAI's {@code
 * clip.tokenize(texts, context_length, truncate=True)} in {@code clip/clip.py}.
 *
 * <p>Strategy: DJL's {@link HuggingFaceTokenizer} over a bundle's local {@code tokenizer.json}
 * encodes the text <em>without</em> the file's own special tokens, truncation or padding; the row
 * is then {@code [sot] + ids + [eot]}, cut to the context length with its last id set to {@code
 * eot} when longer, and zero-padded. The start and end ids are those of {@code <|startoftext|>} and
 * {@code <|endoftext|>} in the file (49406 and 49407 in OpenAI's BPE).
 *
 * <p>Cleaning: for OpenAI's BPE and for {@link CaptionVocabulary}'s files, a text is first cleaned
 * as OpenAI's {@code basic_clean} does ({@link ClipTextCleaner}: ftfy, HTML entities, stripping),
 * so {@code it’s &amp; ﬁne} gets the ids of {@code it's & fine}; what follows applies to the
 * cleaned text.
 *
 * <p>Long texts: a row keeps only the first {@code contextLength - 2} ids of a text, so a text is
 * first encoded up to an ASCII whitespace character a few hundred characters in, and whole only if
 * that prefix gives too few ids. This cannot change the kept ids, for tokenizers whose pipeline
 * {@code TokenizerJson.cutsAtWhitespace} accepts (CLIP's BPE, and {@link CaptionVocabulary}'s word
 * level); other files are always encoded whole. Why a prefix {@code p = text[0, i)} with {@code
 * text[i]} ASCII whitespace gives a prefix of the text's ids:
 *
 * <ol>
 *   <li>normalization: NFC, NFD, NFKC and NFKD only reorder non-starters and compose a character
 *       with later ones that can be second in a canonical pair; ASCII whitespace is a starter in no
 *       pair, so the normalized {@code p} is a prefix of the normalized text. Lowercasing maps each
 *       character alone, and replacing {@code \s+} by one space turns a whitespace run cut in two
 *       into a prefix of the same single space;
 *   <li>added tokens (e.g. {@code <|endoftext|>} typed in a query) contain no whitespace and strip
 *       none around them, so none is matched across the cut;
 *   <li>pre-tokenization: one stage splits at every whitespace character (CLIP's regex matches no
 *       whitespace, and each of its alternatives stops at the same place whether the next character
 *       is whitespace or the end of the text); the other stages split inside pieces. So the pieces
 *       of {@code p} are the text's pieces left of the cut;
 *   <li>the model (BPE, word level, ...) encodes each piece on its own, and every Hugging Face
 *       model does.
 * </ol>
 *
 * Hence when {@code p} gives at least {@code contextLength - 2} ids, they are the text's first ids.
 * A text without whitespace (one huge word) is encoded whole: inside a BPE word, a merge at the end
 * can change the merges before it, so no cut there is safe.
 *
 * <p>Thread-safe: any number of threads may encode at once; {@link #close()} waits for them and
 * later calls fail.
 */
public final class ClipTokenizer implements AutoCloseable {
  /** OpenAI CLIP's {@code context_length}. */
  public static final int DEFAULT_CONTEXT_LENGTH = 77;

  private static final int FIRST_CUT_CHARS_PER_TOKEN = 8;

  private final String source;
  private final long startId;
  private final long endId;
  private final int vocabSize;
  private final boolean cleansText;
  private final boolean cutsAtWhitespace;
  private final int contextLength;
  private final HuggingFaceTokenizer tokenizer;
  private final ReadWriteLock lock = new ReentrantReadWriteLock();
  private boolean closed;

  private ClipTokenizer(TokenizerJson file, int contextLength, HuggingFaceTokenizer tokenizer) {
    // keep what we read from the file, not its text (megabytes of merges)
    this.source = file.source;
    this.startId = file.startId;
    this.endId = file.endId;
    this.vocabSize = file.vocabSize;
    this.cleansText = file.cleansText;
    this.cutsAtWhitespace = file.cutsAtWhitespace;
    this.contextLength = contextLength;
    this.tokenizer = tokenizer;
  }

  /** Loads {@code tokenizerJson} with OpenAI's context length of 77. */
  public static ClipTokenizer load(Path tokenizerJson) {
    return load(tokenizerJson, DEFAULT_CONTEXT_LENGTH);
  }

  /**
   * Loads a Hugging Face {@code tokenizer.json} from a local file (never from a hub).
   *
   * @throws InvalidModelException naming the file when it is missing, unreadable or not a tokenizer
   *     with {@code <|startoftext|>} and {@code <|endoftext|>} tokens
   * @throws IllegalArgumentException if {@code contextLength} is less than 2
   */
  public static ClipTokenizer load(Path tokenizerJson, int contextLength) {
    Objects.requireNonNull(tokenizerJson, "tokenizerJson");
    if (contextLength < 2) {
      throw new IllegalArgumentException(
          "context length " + contextLength + " has no room for the start and end tokens");
    }
    TokenizerJson file = TokenizerJson.read(tokenizerJson);
    // we add start/end ourselves and cut and pad the row as clip.tokenize does, so HF must not
    Map<String, String> options =
        Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false");
    HuggingFaceTokenizer tokenizer;
    try {
      tokenizer =
          HuggingFaceTokenizer.newInstance(
              new ByteArrayInputStream(file.json.getBytes(StandardCharsets.UTF_8)), options);
    } catch (IOException e) {
      throw new InvalidModelException(file.source + ": cannot load tokenizer: " + e, e);
    } catch (RuntimeException e) {
      // the native library reports a malformed tokenizer.json as a bare RuntimeException
      throw new InvalidModelException(
          file.source + ": not a valid Hugging Face tokenizer.json: " + e.getMessage(), e);
    }
    return new ClipTokenizer(file, contextLength, tokenizer);
  }

  /**
   * The row of {@link #contextLength()} ids for {@code text}: start id, the text's ids, end id,
   * zeros; a text too long keeps its first {@code contextLength - 2} ids and still ends with the
   * end id.
   */
  public long[] encode(String text) {
    String cleaned = clean(Objects.requireNonNull(text, "text"));
    Lock read = lock.readLock();
    read.lock();
    try {
      ensureOpen();
      return row(leadingIds(cleaned));
    } finally {
      read.unlock();
    }
  }

  /** {@link #encode(String)} for each text, in order. */
  public long[][] encodeBatch(List<String> texts) {
    long[][] rows = new long[texts.size()][];
    for (int i = 0; i < rows.length; i++) {
      rows[i] = encode(Objects.requireNonNull(texts.get(i), "texts[" + i + "]"));
    }
    return rows;
  }

  /**
   * A prompt's token row and the position of its placeholder: {@code [start] + ids(before) +
   * [placeholder] + ids(after) + [end]}, each half cleaned and tokenized on its own. The row's id
   * at the placeholder is the vocabulary's id of {@code $} when that is one token, else the start
   * id; the text tower replaces its embedding ({@code ClipModel.encodeTextAt}), so the id itself is
   * never read. A prompt longer than the context loses the end of {@code after}, never the
   * placeholder.
   *
   * @throws IllegalArgumentException when {@code before} alone leaves no room for the placeholder
   */
  public PromptTokens encodePrompt(PromptTemplate.Prompt prompt) {
    Objects.requireNonNull(prompt, "prompt");
    String before = clean(prompt.before());
    String after = clean(prompt.after());
    Lock read = lock.readLock();
    read.lock();
    long[] head;
    long[] tail;
    long placeholder;
    try {
      ensureOpen();
      head = before.isEmpty() ? new long[0] : leadingIds(before);
      tail = after.isEmpty() ? new long[0] : leadingIds(after);
      long[] own = ids(PromptTemplate.PLACEHOLDER);
      placeholder = own.length == 1 ? own[0] : startId;
    } finally {
      read.unlock();
    }
    int room = contextLength - 2;
    if (head.length + 1 > room) {
      throw new IllegalArgumentException(
          "the prompt's text before $ takes " + head.length + " tokens; with the placeholder it must fit in " + room);
    }
    long[] ids = new long[Math.min(room, head.length + 1 + tail.length)];
    System.arraycopy(head, 0, ids, 0, head.length);
    ids[head.length] = placeholder;
    System.arraycopy(tail, 0, ids, head.length + 1, ids.length - head.length - 1);
    return new PromptTokens(row(ids), head.length + 1);
  }

  /**
   * A prompt's token row (of the context length) and the position its pseudo-word takes.
   */
  public record PromptTokens(long[] row, int position) {}

  /**
   * The position of the end token in {@code row}: its first occurrence. For a tokenizer that passes
   * {@link #checkCompatible} the end id is the largest, so this is the {@code argmax} at which
   * CLIP's text tower pools; positions after it are padding.
   *
   * @throws IllegalArgumentException if the row has no end token
   */
  public int endPosition(long[] row) {
    for (int i = 0; i < row.length; i++) {
      if (row[i] == endId) {
        return i;
      }
    }
    throw new IllegalArgumentException("row of " + row.length + " ids has no end token " + endId);
  }

  /**
   * Refuses a tokenizer that cannot feed a model whose token embedding has {@code modelVocabSize}
   * rows and whose positional embedding has {@code modelContextLength}.
   *
   * @throws InvalidModelException naming the tokenizer file and both sizes when the vocabulary
   *     sizes differ, when {@code <|endoftext|>} is not the largest id (CLIP pools at the argmax of
   *     the ids), or when the context lengths differ
   */
  public void checkCompatible(int modelVocabSize, int modelContextLength) {
    if (modelVocabSize != vocabSize) {
      throw new InvalidModelException(
          source
              + ": the tokenizer has "
              + vocabSize
              + " tokens but the model's token embedding has "
              + modelVocabSize
              + "; use the tokenizer.json the model was trained with");
    }
    if (endId != vocabSize - 1) {
      throw new InvalidModelException(
          source
              + ": "
              + TokenizerJson.END_OF_TEXT
              + " is id "
              + endId
              + " of "
              + vocabSize
              + " tokens but must be the largest id, "
              + (vocabSize - 1)
              + ": CLIP pools the text feature at the argmax of the ids");
    }
    if (modelContextLength != contextLength) {
      throw new InvalidModelException(
          source
              + ": the tokenizer makes rows of "
              + contextLength
              + " ids but the model's positional embedding has "
              + modelContextLength
              + " positions");
    }
  }

  /**
   * Whether texts are cleaned ({@link ClipTextCleaner}) before they are encoded: for OpenAI's CLIP
   * BPE and {@link CaptionVocabulary}'s word-level files.
   */
  public boolean cleansText() {
    return cleansText;
  }

  /** Ids per row. */
  public int contextLength() {
    return contextLength;
  }

  /** The id of {@code <|startoftext|>}. */
  public long startId() {
    return startId;
  }

  /** The id of {@code <|endoftext|>}. */
  public long endId() {
    return endId;
  }

  /** One more than the largest id in the file: the rows a model's token embedding needs. */
  public int vocabSize() {
    return vocabSize;
  }

  /** Releases the native tokenizer, after any encoding under way; idempotent. */
  @Override
  public void close() {
    Lock write = lock.writeLock();
    write.lock();
    try {
      closed = true;
      tokenizer.close();
    } finally {
      write.unlock();
    }
  }

  @Override
  public String toString() {
    return "ClipTokenizer[" + source + ", context length " + contextLength + "]";
  }

  /** Whether the native tokenizer has been released. */
  boolean isReleased() {
    return tokenizer.isReleased();
  }

  /** The ids of the whole (cleaned) text, without the cut; for tests of the cut. */
  long[] idsOfWholeText(String text) {
    String cleaned = clean(text);
    Lock read = lock.readLock();
    read.lock();
    try {
      ensureOpen();
      return ids(cleaned);
    } finally {
      read.unlock();
    }
  }

  private String clean(String text) {
    return cleansText ? ClipTextCleaner.clean(text) : text;
  }

  /** Ids of the text, or at least its first {@code contextLength - 2} (see the class comment). */
  private long[] leadingIds(String text) {
    int kept = contextLength - 2;
    if (cutsAtWhitespace) {
      long chars = (long) FIRST_CUT_CHARS_PER_TOKEN * contextLength;
      for (; chars < text.length(); chars *= 2) {
        int cut = asciiWhitespaceFrom(text, (int) chars);
        if (cut < 0) {
          break;
        }
        long[] ids = ids(text.substring(0, cut));
        if (ids.length >= kept) {
          return ids;
        }
      }
    }
    return ids(text);
  }

  private static int asciiWhitespaceFrom(String text, int from) {
    for (int i = from; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == ' ' || (c >= '\t' && c <= '\r')) {
        return i;
      }
    }
    return -1;
  }

  private long[] ids(String text) {
    return tokenizer.encode(text, false, false).getIds();
  }

  /**
   * OpenAI's {@code clip/clip.py} {@code tokenize}: {@code [sot] + ids + [eot]}; when longer than
   * the context, {@code tokens[:context_length]} with {@code tokens[-1] = eot}; zero-padded.
   */
  private long[] row(long[] ids) {
    long[] row = new long[contextLength];
    int n = Math.min(ids.length, contextLength - 2);
    row[0] = startId;
    System.arraycopy(ids, 0, row, 1, n);
    row[n + 1] = endId;
    return row;
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("tokenizer " + source + " is closed");
    }
  }
}
