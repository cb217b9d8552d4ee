package dev.cir.clip.text.ftfy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

/**
 * ftfy's {@code fix_encoding} (ftfy 6.3, default configuration): mojibake repair. Text that {@link
 * MojibakeHeuristic} finds bad is re-encoded in each of ftfy's single-byte encodings that can hold
 * it ({@link CharmapEncoding#FTFY_ORDER}) and decoded as UTF-8; the first that decodes wins, so
 * "cafÃ©" becomes "café" and "âœ”" becomes "✔". Before decoding, ftfy puts back a byte A0 that
 * became a space inside a UTF-8 sequence ({@code restore_byte_a0}) and, in the sloppy encodings,
 * turns a sequence that lost a byte to U+FFFD into one U+FFFD ({@code replace_lossy_sequences}).
 * When no encoding fits the whole text, runs that look like UTF-8 read as single bytes are repaired
 * alone ({@code decode_inconsistent_utf8}); then Latin-1 text is read as Windows-1252, and
 * remaining C1 controls become their Windows-1252 characters. The whole is repeated until the text
 * stops changing.
 */
final class EncodingRepair {
  /** ftfy repeats without bound; no text seen needs more than a few passes. */
  private static final int MAX_PASSES = 64;

  // chardata.UTF8_CLUES, drawn from what bytes decode to in the common encodings
  private static final CodePointSet UTF8_FIRST_OF_2 = clues(0xC2, 0xDF);
  private static final CodePointSet UTF8_FIRST_OF_3 = clues(0xE0, 0xEF);

  /** Lead bytes of 4-byte sequences: F0 and F3 only, as F1, F2 and F4 start unassigned planes. */
  private static final CodePointSet UTF8_FIRST_OF_4 =
      CodePointSet.union(clues(0xF0, 0xF0), clues(0xF3, 0xF3));

  /** Continuation bytes, and a space that stood for A0. */
  private static final CodePointSet UTF8_CONTINUATION =
      clues(0x80, 0xBF).with("\u0080-\u00BF").with(" ");

  /**
   * Continuation bytes that rarely stand for themselves next to mojibake: without the space, the
   * dashes, quotation marks, bullet and ellipsis.
   */
  private static final CodePointSet UTF8_CONTINUATION_STRICT =
      UTF8_CONTINUATION.without(" –—―‘’‚“”„•…");

  // the byte patterns below run on bytes read as Latin-1, one character per byte

  /** chardata.ALTERED_UTF8_RE: UTF-8 sequences in which a byte A0 became a space. */
  private static final Pattern ALTERED_UTF8 =
      Pattern.compile(
          "[\\xC2\\xC3\\xC5\\xCE\\xD0\\xD9][ ]"
              + "|[\\xE2\\xE3][ ][\\x80-\\x84\\x86-\\x9F\\xA1-\\xBF]"
              + "|[\\xE0-\\xE3][\\x80-\\x84\\x86-\\x9F\\xA1-\\xBF][ ]"
              + "|[\\xF0][ ][\\x80-\\xBF][\\x80-\\xBF]"
              + "|[\\xF0][\\x80-\\xBF][ ][\\x80-\\xBF]"
              + "|[\\xF0][\\x80-\\xBF][\\x80-\\xBF][ ]");

  /**
   * fixes.A_GRAVE_WORD_RE: "Ã " is most often the word "à" whose A0 was merged with the following
   * space, so A0 is inserted and the space kept; not before a space, nor before the Portuguese
   * contractions "às", "àquele", "àquela", "àquilo".
   */
  private static final Pattern A_GRAVE_WORD = Pattern.compile("\\xC3 (?! |quele|quela|quilo|s )");

  /**
   * chardata.LOSSY_UTF8_RE: UTF-8 (and CESU-8) sequences with a byte lost to U+FFFD, which the
   * sloppy encodings write as byte 1A, or (once per sequence) to '?'.
   */
  private static final Pattern LOSSY_UTF8 =
      Pattern.compile(
          "[\\xC2-\\xDF][\\x1A]"
              + "|[\\xC2-\\xC3][?]"
              + "|\\xED[\\xA0-\\xAF][\\x1A?]\\xED[\\xB0-\\xBF][\\x1A?\\x80-\\xBF]"
              + "|\\xED[\\xA0-\\xAF][\\x1A?\\x80-\\xBF]\\xED[\\xB0-\\xBF][\\x1A?]"
              + "|[\\xE0-\\xEF][\\x1A?][\\x1A\\x80-\\xBF]"
              + "|[\\xE0-\\xEF][\\x1A\\x80-\\xBF][\\x1A?]"
              + "|[\\xF0-\\xF4][\\x1A?][\\x1A\\x80-\\xBF][\\x1A\\x80-\\xBF]"
              + "|[\\xF0-\\xF4][\\x1A\\x80-\\xBF][\\x1A?][\\x1A\\x80-\\xBF]"
              + "|[\\xF0-\\xF4][\\x1A\\x80-\\xBF][\\x1A\\x80-\\xBF][\\x1A?]"
              + "|\\x1A");

  private static final String REPLACEMENT_UTF8 = "\u00EF\u00BF\u00BD"; // EF BF BD: U+FFFD

  private static final Pattern C1_CONTROL = Pattern.compile("[\\x80-\\x9F]");

  private EncodingRepair() {}

  /** {@code ftfy.fix_encoding(text)}. */
  static String fixEncoding(String text) {
    for (int pass = 0; pass < MAX_PASSES; pass++) {
      String fixed = fixOneStep(text);
      if (fixed.equals(text)) {
        break;
      }
      text = fixed;
    }
    return text;
  }

  /** ftfy's {@code _fix_encoding_one_step_and_explain}. */
  private static String fixOneStep(String text) {
    if (text.isEmpty() || isAscii(text) || !MojibakeHeuristic.isBad(text)) {
      return text;
    }
    List<CharmapEncoding> possible = new ArrayList<>();
    for (CharmapEncoding encoding : CharmapEncoding.FTFY_ORDER) {
      if (!encoding.canEncode(text)) {
        continue;
      }
      possible.add(encoding);
      String bytes = new String(encoding.encode(text), StandardCharsets.ISO_8859_1);
      if (encoding != CharmapEncoding.MACROMAN && ALTERED_UTF8.matcher(bytes).find()) {
        bytes = restoreByteA0(bytes);
      }
      if (encoding.isSloppy()) {
        bytes = LOSSY_UTF8.matcher(bytes).replaceAll(REPLACEMENT_UTF8);
      }
      byte[] raw = bytes.getBytes(StandardCharsets.ISO_8859_1);
      boolean variant = bytes.indexOf('\u00ED') >= 0 || bytes.indexOf('\u00C0') >= 0;
      String fixed = variant ? Utf8Decoding.decodeVariants(raw) : Utf8Decoding.decode(raw);
      if (fixed != null) {
        return fixed;
      }
    }
    if (hasUtf8Run(text)) {
      String fixed = decodeInconsistentUtf8(text);
      if (!fixed.equals(text)) {
        return fixed;
      }
    }
    // ftfy then asks whether "windows-1252" was possible too, but lists only its sloppy form,
    // so Latin-1 text always comes here and is read as (strict) Windows-1252
    if (possible.contains(CharmapEncoding.LATIN_1)) {
      String fixed = CharmapEncoding.WINDOWS_1252.decode(CharmapEncoding.LATIN_1.encode(text));
      if (fixed != null && !fixed.equals(text)) {
        return fixed;
      }
    }
    if (C1_CONTROL.matcher(text).find()) {
      return fixC1Controls(text);
    }
    return text;
  }

  /** ftfy's {@code restore_byte_a0}, on bytes read as Latin-1. */
  static String restoreByteA0(String bytes) {
    String aGrave = A_GRAVE_WORD.matcher(bytes).replaceAll("\u00C3\u00A0 ");
    return replace(ALTERED_UTF8, aGrave, match -> match.replace(' ', '\u00A0'));
  }

  /**
   * ftfy's {@code decode_inconsistent_utf8}: each run that {@code UTF8_DETECTOR_RE} finds, repaired
   * alone when it is bad and not the whole text.
   */
  static String decodeInconsistentUtf8(String text) {
    int[] cps = PythonStr.codePoints(text);
    StringBuilder out = new StringBuilder(text.length());
    int last = 0;
    for (int i = 0; i < cps.length; ) {
      int end = utf8RunEnd(cps, i);
      if (end < 0) {
        i++;
        continue;
      }
      String run = new String(cps, i, end - i);
      out.append(new String(cps, last, i - last));
      out.append(end - i < cps.length && MojibakeHeuristic.isBad(run) ? fixEncoding(run) : run);
      last = end;
      i = end;
    }
    return out.append(new String(cps, last, cps.length - last)).toString();
  }

  /** {@code UTF8_DETECTOR_RE.search(text)}. */
  private static boolean hasUtf8Run(String text) {
    int[] cps = PythonStr.codePoints(text);
    for (int i = 0; i < cps.length; i++) {
      if (utf8RunEnd(cps, i) >= 0) {
        return true;
      }
    }
    return false;
  }

  /**
   * Where chardata.UTF8_DETECTOR_RE matches from {@code start}, or -1: one or more of (first of 2,
   * continuation), (first of 3, 2 continuations), (first of 4, 3 continuations), taken greedily in
   * that order, not right after a strict continuation (so a few characters of a large garble are
   * left alone).
   */
  private static int utf8RunEnd(int[] cps, int start) {
    if (start > 0 && UTF8_CONTINUATION_STRICT.test(cps[start - 1])) {
      return -1;
    }
    int pos = start;
    for (int next = sequenceEnd(cps, pos); next > 0; next = sequenceEnd(cps, pos)) {
      pos = next;
    }
    return pos > start ? pos : -1;
  }

  private static int sequenceEnd(int[] cps, int pos) {
    if (pos >= cps.length) {
      return -1;
    }
    int c = cps[pos];
    if (UTF8_FIRST_OF_2.test(c) && continues(cps, pos + 1, 1)) {
      return pos + 2;
    }
    if (UTF8_FIRST_OF_3.test(c) && continues(cps, pos + 1, 2)) {
      return pos + 3;
    }
    if (UTF8_FIRST_OF_4.test(c) && continues(cps, pos + 1, 3)) {
      return pos + 4;
    }
    return -1;
  }

  private static boolean continues(int[] cps, int from, int count) {
    if (from + count > cps.length) {
      return false;
    }
    for (int k = from; k < from + count; k++) {
      if (!UTF8_CONTINUATION.test(cps[k])) {
        return false;
      }
    }
    return true;
  }

  /** ftfy's {@code fix_c1_controls}: each C1 control as the Windows-1252 character of its byte. */
  static String fixC1Controls(String text) {
    return replace(
        C1_CONTROL,
        text,
        c -> String.valueOf((char) CharmapEncoding.SLOPPY_WINDOWS_1252.decode(c.charAt(0))));
  }

  /** Python's {@code pattern.sub(function, text)}. */
  static String replace(Pattern pattern, String text, Function<String, String> replacement) {
    Matcher m = pattern.matcher(text);
    if (!m.find()) {
      return text;
    }
    StringBuilder out = new StringBuilder(text.length());
    int last = 0;
    do {
      out.append(text, last, m.start()).append(replacement.apply(m.group()));
      last = m.end();
    } while (m.find());
    return out.append(text, last, text.length()).toString();
  }

  private static boolean isAscii(String text) {
    for (int i = 0; i < text.length(); i++) {
      if (text.charAt(i) >= 0x80) {
        return false;
      }
    }
    return true;
  }

  /** What bytes {@code first} to {@code last} decode to in the common encodings. */
  private static CodePointSet clues(int first, int last) {
    IntStream.Builder chars = IntStream.builder();
    for (CharmapEncoding encoding : CharmapEncoding.CLUE_SOURCES) {
      for (int b = first; b <= last; b++) {
        if (encoding.decode(b) >= 0) {
          chars.add(encoding.decode(b));
        }
      }
    }
    return CodePointSet.of(chars.build());
  }
}
