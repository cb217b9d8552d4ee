package dev.cir.clip.text;

import dev.cir.clip.text.ftfy.HtmlCharacterReferences;
import dev.cir.clip.text.ftfy.PythonStr;
import dev.cir.clip.text.ftfy.TextFixer;
import java.util.Objects;

/**
 * OpenAI CLIP's {@code basic_clean} ({@code clip/simple_tokenizer.py}), the cleaning every caption
 * gets before its BPE: {@code ftfy.fix_text}, then {@code html.unescape} twice, then {@code
 * strip()}. So {@code It’s a “test” &amp;amp; more} is read as {@code It's a "test" & more}, {@code
 * ﬁne} as {@code fine}, {@code ＢＩＧ} as {@code BIG} and {@code cafÃ©} as {@code café}, as the model
 * saw them in training.
 *
 * <p>The rest of OpenAI's text pipeline, {@code whitespace_clean} and {@code lower()}, is in the
 * normalizer of CLIP's {@code tokenizer.json}, so it is not repeated here.
 *
 * <p>Exactness: {@code html.unescape} is Python 3.11's, with Python's own tables. {@code fix_text}
 * is ftfy 6.3's with its defaults, step for step ({@link TextFixer}), mojibake repair included
 * ({@link EncodingRepair}). Where it can differ: Unicode data (NFC, NFKC, letter, digit and case
 * tables) is the running Java's, Unicode 13 on Java 17 where Python 3.11 has 14, so characters new
 * in Unicode 14 are treated differently; and ftfy's fixing loops, which have no bound, stop after
 * 64 passes. A Java string is taken as the Python string of its code points (Python can also hold a
 * surrogate pair as two code points, which ftfy then joins).
 */
public final class ClipTextCleaner {
  private ClipTextCleaner() {}

  /**
   * {@code basic_clean(text)}.
   *
   * @throws NullPointerException if {@code text} is null
   */
  public static String clean(String text) {
    String fixed = TextFixer.fixText(Objects.requireNonNull(text, "text"));
    return PythonStr.strip(
        HtmlCharacterReferences.unescape(HtmlCharacterReferences.unescape(fixed)));
  }
}
