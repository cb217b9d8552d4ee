package dev.cir.clip.text.ftfy;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntPredicate;
import java.util.stream.IntStream;

/**
 * ftfy's "badness" heuristic ({@code ftfy/badness.py}, ftfy 6.3): whether a text holds a sequence
 * of characters that is far likelier to be mojibake than meant, such as a lowercase accented letter
 * followed by a currency sign ("Ã©" is "é" in UTF-8 read as Windows-1252).
 *
 * <p>The few hundred characters that UTF-8 mojibake in ftfy's single-byte encodings produces are
 * sorted into categories, and ftfy's pattern {@code BADNESS_RE} lists the unlikely neighbours. Here
 * each of its alternatives is a sequence of character classes, the same categories and sequences in
 * the same order; a text is bad when one sequence occurs in it anywhere, which is what {@code
 * BADNESS_RE.search} answers.
 */
final class MojibakeHeuristic {
  // ftfy's MOJIBAKE_CATEGORIES; "X-Y" is a range

  /**
   * Characters that appear in many contexts: sequences with them are not mojibake by themselves.
   */
  private static final CodePointSet COMMON = CodePointSet.of("\u00A0\u00AD·´–—―…’");

  /** The C1 controls, used by nothing but mojibake any more. */
  private static final CodePointSet C1 = CodePointSet.of("\u0080-\u009F");

  /** Characters nearly always from mojibake. */
  private static final CodePointSet BAD = CodePointSet.of("¦¤¨¬¯¸ƒˆˇ˘˛˜†‡‰⌐◊\uFFFDªº");

  private static final CodePointSet LAW = CodePointSet.of("¶§");
  private static final CodePointSet CURRENCY = CodePointSet.of("¢£¥₧€");
  private static final CodePointSet START_PUNCTUATION = CodePointSet.of("¡«¿©΄΅‘‚“„•‹\uF8FF");
  private static final CodePointSet END_PUNCTUATION = CodePointSet.of("®»˝”›™");
  private static final CodePointSet NUMERIC = CodePointSet.of("²³¹±¼½¾×µ÷⁄∂∆∏∑√∞∩∫≈≠≡≤≥№");

  /** Letters of emoticons, which may stand in odd company. */
  private static final CodePointSet KAOMOJI = CodePointSet.of("Ò-ÖÙ-Üò-öø-üŐŌŪŲ°");

  private static final CodePointSet UPPER_ACCENTED =
      CodePointSet.of("À-ÑØÜÝĂĀĄĆČĎĐĘĚĒĖĞĢİĪĶĹĽŁĻŃŇŅŒŘŚŞŠŢŤŮŰŸŹŻŽҐ");
  private static final CodePointSet LOWER_ACCENTED =
      CodePointSet.of("ßà-ñăąāćčďđęěēėğģįīķĺľłļœŕśşšťüźżžґﬁﬂ");
  private static final CodePointSet UPPER_COMMON = CodePointSet.of("ÞΑ-ΩΆΈΉΊΌΎΏΪΫЁ-Я");
  private static final CodePointSet LOWER_COMMON = CodePointSet.of("α-ωάέήίΰа-џ");
  private static final CodePointSet BOX = CodePointSet.of("│┌┐┘├┤┬┼═-╬▀▄█▌▐░▒▓");

  private static final CodePointSet ASCII_LETTER = CodePointSet.of("a-zA-Z");
  private static final CodePointSet LOWER_ASCII = CodePointSet.of("a-z");
  private static final IntPredicate NOT_ASCII_LETTER = ASCII_LETTER.negate();
  private static final IntPredicate NOT_NEWLINE = c -> c != '\n'; // Python's '.'
  private static final CodePointSet SPACE =
      CodePointSet.of(IntStream.rangeClosed(0, 0x3000).filter(PythonStr::isSpace));
  private static final IntPredicate WORD = PythonStr::isWord;

  /** The alternatives of BADNESS_RE, in its order, except the one anchored at the start. */
  private static final List<IntPredicate[]> ANYWHERE = new ArrayList<>();

  /** {@code ^[ÃÂ][ ]}: "Ã" or "Â" then a space, at the start. */
  private static final IntPredicate[] AT_START = {oneOf("ÃÂ"), oneOf(" ")};

  static {
    CodePointSet letterLike =
        CodePointSet.union(LOWER_ACCENTED, UPPER_ACCENTED, BOX, START_PUNCTUATION, END_PUNCTUATION);
    anywhere(C1);
    anywhere(CodePointSet.union(BAD, letterLike, CURRENCY, NUMERIC, LAW), BAD);
    anywhere(ASCII_LETTER, CodePointSet.union(LOWER_COMMON, UPPER_COMMON), BAD);
    anywhere(BAD, CodePointSet.union(letterLike, CURRENCY, NUMERIC, LAW));
    anywhere(
        CodePointSet.union(LOWER_ACCENTED, LOWER_COMMON, BOX, END_PUNCTUATION, CURRENCY, NUMERIC),
        UPPER_ACCENTED);
    anywhere(CodePointSet.union(BOX, END_PUNCTUATION, CURRENCY, NUMERIC), LOWER_ACCENTED);
    anywhere(CodePointSet.union(LOWER_ACCENTED, BOX, END_PUNCTUATION), CURRENCY);
    anywhere(SPACE, UPPER_ACCENTED, CURRENCY);
    anywhere(CodePointSet.union(UPPER_ACCENTED, BOX), CodePointSet.union(NUMERIC, LAW));
    anywhere(
        CodePointSet.union(LOWER_ACCENTED, UPPER_ACCENTED, BOX, CURRENCY, END_PUNCTUATION),
        START_PUNCTUATION,
        NUMERIC);
    anywhere(
        CodePointSet.union(LOWER_ACCENTED, UPPER_ACCENTED, CURRENCY, NUMERIC, BOX, LAW),
        END_PUNCTUATION,
        START_PUNCTUATION);
    anywhere(CodePointSet.union(CURRENCY, NUMERIC, BOX), START_PUNCTUATION);
    anywhere(LOWER_ASCII, UPPER_ACCENTED, CodePointSet.union(START_PUNCTUATION, CURRENCY));
    anywhere(BOX, KAOMOJI);
    anywhere(
        CodePointSet.union(
            LOWER_ACCENTED,
            UPPER_ACCENTED,
            CURRENCY,
            NUMERIC,
            START_PUNCTUATION,
            END_PUNCTUATION,
            LAW),
        BOX);
    anywhere(BOX, END_PUNCTUATION);
    anywhere(
        CodePointSet.union(LOWER_ACCENTED, UPPER_ACCENTED),
        CodePointSet.union(START_PUNCTUATION, END_PUNCTUATION),
        WORD);
    // the ligature œ when not followed by an unaccented Latin letter
    anywhere(oneOf("Œœ"), NOT_ASCII_LETTER);
    // degree signs after capital letters
    anywhere(UPPER_ACCENTED, oneOf("°"));
    // common Windows-1252 2-character mojibake that isn't covered by the cases above
    anywhere(
        oneOf("ÂÃÎÐ"),
        CodePointSet.union(
            CodePointSet.of("€œŠš¢£Ÿž\u00A0\u00AD®©°·»–—´"), START_PUNCTUATION, END_PUNCTUATION));
    anywhere(oneOf("×"), oneOf("²³"));
    // Windows-1252 mojibake of Arabic words: four characters, as 'common' ones count here
    CodePointSet arabicSecond =
        CodePointSet.union(COMMON, CURRENCY, BAD, NUMERIC, START_PUNCTUATION).with("ŸŠ®°µ»");
    anywhere(oneOf("ØÙ"), arabicSecond, oneOf("ØÙ"), arabicSecond);
    // Windows-1252 starts of 3-character sequences of some South Asian alphabets
    anywhere(oneOf("à"), oneOf("²µ¹¼½¾"));
    // MacRoman mojibake that isn't covered by the cases above
    anywhere(oneOf("√"), oneOf("±∂†≠®™´≤≥¥µø"));
    anywhere(oneOf("≈"), oneOf("°¢"));
    anywhere(oneOf("‚"), oneOf("Ä"), oneOf("ìîïòôúùû†°¢π"));
    anywhere(oneOf("‚"), oneOf("âó"), oneOf("àä°ê"));
    // Windows-1251 mojibake of characters in the U+2000 range
    anywhere(oneOf("в"), oneOf("Ђ"));
    // Windows-1251 mojibake of Latin-1 and Cyrillic: a 3-character sequence
    anywhere(
        oneOf("ВГРС"),
        CodePointSet.union(C1, BAD, START_PUNCTUATION, END_PUNCTUATION, CURRENCY).with("°µ"),
        oneOf("ВГРС"));
    // Windows-1251 on top of Latin-1 mojibake of Windows-1252, near a Latin letter
    anywhere(
        oneOf("Г"),
        oneOf("ў"),
        oneOf("В"),
        oneOf("Ђ"),
        oneOf("В"),
        NOT_NEWLINE,
        ASCII_LETTER.with(" "));
    // Windows-1252 encodings of 'à' and 'á', as well as U+A0 itself
    anywhere(oneOf("Ã"), oneOf("\u00A0¡"));
    anywhere(LOWER_ASCII, oneOf("ÃÂ"), oneOf(" ")); // [a-z]\s?[ÃÂ][ ], without the space
    anywhere(LOWER_ASCII, SPACE, oneOf("ÃÂ"), oneOf(" ")); // and with it
    // Â before the very character it encodes, when that character is common
    anywhere(
        CodePointSet.union(LOWER_ASCII, END_PUNCTUATION).with(".,?!"),
        oneOf("Â"),
        CodePointSet.union(START_PUNCTUATION, END_PUNCTUATION).with(" "));
    // Windows-1253 mojibake of characters in the U+2000 range
    anywhere(oneOf("β"), oneOf("€"), oneOf("™\u00A0Ά\u00AD®°"));
    // Windows-1253 mojibake of Latin-1 and the Greek alphabet
    anywhere(
        oneOf("ΒΓΞΟ"),
        CodePointSet.union(C1, BAD, START_PUNCTUATION, END_PUNCTUATION, CURRENCY).with("°"),
        oneOf("ΒΓΞΟ"));
    // Windows-1257 mojibake of characters in the U+2000 range
    anywhere(oneOf("ā"), oneOf("€"));
  }

  /**
   * How far into a sequence its first element that takes no ASCII character can be: at a position
   * with no non-ASCII character this near, no sequence can start.
   */
  private static final int ASCII_REACH = asciiReach();

  // the sequences that start with each character: in an array below U+2600, in a map above
  private static final int INDEXED_BELOW = 0x2600;

  private static final IntPredicate[][][] STARTING_WITH = new IntPredicate[INDEXED_BELOW][][];
  private static final Map<Integer, IntPredicate[][]> STARTING_WITH_OTHERS = new HashMap<>();

  static {
    BitSet starts = new BitSet();
    for (IntPredicate[] sequence : ANYWHERE) {
      // every first element is a set, so the characters that start a sequence are known
      ((CodePointSet) sequence[0]).forEach(starts::set);
    }
    starts.stream()
        .forEach(
            c -> {
              IntPredicate[][] sequences =
                  ANYWHERE.stream().filter(s -> s[0].test(c)).toArray(IntPredicate[][]::new);
              if (c < INDEXED_BELOW) {
                STARTING_WITH[c] = sequences;
              } else {
                STARTING_WITH_OTHERS.put(c, sequences);
              }
            });
  }

  private MojibakeHeuristic() {}

  /** ftfy's {@code is_bad}: whether any unlikely sequence occurs in {@code text}. */
  static boolean isBad(CharSequence text) {
    int firstNonAscii = 0;
    while (firstNonAscii < text.length() && text.charAt(firstNonAscii) < 0x80) {
      firstNonAscii++;
    }
    if (firstNonAscii == text.length()) {
      return false; // every sequence has a character past ASCII
    }
    int[] cps = PythonStr.codePoints(text);
    if (matchesAt(AT_START, cps, 0)) {
      return true;
    }
    int nextNonAscii = -1;
    for (int i = 0; i < cps.length; i++) {
      if (nextNonAscii < i) {
        nextNonAscii = i;
        while (nextNonAscii < cps.length && cps[nextNonAscii] < 0x80) {
          nextNonAscii++;
        }
        if (nextNonAscii == cps.length) {
          return false;
        }
      }
      if (nextNonAscii - i > ASCII_REACH) {
        continue;
      }
      int c = cps[i];
      IntPredicate[][] candidates =
          c < INDEXED_BELOW ? STARTING_WITH[c] : STARTING_WITH_OTHERS.get(c);
      if (candidates != null) {
        for (IntPredicate[] sequence : candidates) {
          if (matchesAt(sequence, cps, i)) {
            return true;
          }
        }
      }
    }
    return false;
  }

  private static boolean matchesAt(IntPredicate[] sequence, int[] cps, int at) {
    if (at + sequence.length > cps.length) {
      return false;
    }
    for (int k = 0; k < sequence.length; k++) {
      if (!sequence[k].test(cps[at + k])) {
        return false;
      }
    }
    return true;
  }

  private static void anywhere(IntPredicate... sequence) {
    ANYWHERE.add(sequence);
  }

  /** Any one character of {@code chars}. */
  private static CodePointSet oneOf(String chars) {
    return CodePointSet.of(chars);
  }

  private static int asciiReach() {
    int reach = 0;
    List<IntPredicate[]> all = new ArrayList<>(ANYWHERE);
    all.add(AT_START);
    for (IntPredicate[] sequence : all) {
      int k = 0;
      while (k < sequence.length && IntStream.range(0, 0x80).anyMatch(sequence[k]::test)) {
        k++;
      }
      if (k == sequence.length) {
        throw new IllegalStateException("a sequence that matches ASCII text alone");
      }
      reach = Math.max(reach, k);
    }
    return reach;
  }
}
