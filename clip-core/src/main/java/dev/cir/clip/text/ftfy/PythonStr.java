package dev.cir.clip.text.ftfy;

import java.util.Arrays;

/**
 * Python's {@code str} for what is ported from Python here: a string of code points, {@code
 * isspace()} and {@code strip()}, and the classes {@code \s}, {@code \w} and {@code \d} of its
 * {@code re} patterns (Java's own are ASCII-only, and their Unicode forms differ from Python's:
 * Java's {@code \w} takes combining marks, for one).
 */
public final class PythonStr {
  /** {@code \d} as a Java regex: {@link #isDigit}. */
  static final String DIGIT = "\\p{Nd}";

  private PythonStr() {}

  /**
   * The Python string of a Java one: its code points, a surrogate pair being one and a lone
   * surrogate one too.
   */
  static int[] codePoints(CharSequence text) {
    int[] cps = new int[text.length()];
    int n = 0;
    for (int i = 0; i < text.length(); ) {
      int c = Character.codePointAt(text, i);
      cps[n++] = c;
      i += Character.charCount(c);
    }
    return n == cps.length ? cps : Arrays.copyOf(cps, n);
  }

  /** {@code \d}: a decimal digit of any script. */
  static boolean isDigit(int c) {
    return Character.getType(c) == Character.DECIMAL_DIGIT_NUMBER;
  }

  /** {@code \w}: what {@code str.isalnum()} accepts (letters, every numeric character), and '_'. */
  static boolean isWord(int c) {
    switch (Character.getType(c)) {
      case Character.UPPERCASE_LETTER:
      case Character.LOWERCASE_LETTER:
      case Character.TITLECASE_LETTER:
      case Character.MODIFIER_LETTER:
      case Character.OTHER_LETTER:
      case Character.DECIMAL_DIGIT_NUMBER:
      case Character.LETTER_NUMBER:
      case Character.OTHER_NUMBER:
        return true;
      default:
        return c == '_';
    }
  }

  /** {@code \s}: what {@code str.isspace()} accepts, which includes the separators 0x1C-0x1F. */
  static boolean isSpace(int c) {
    return (c >= 0x09 && c <= 0x0D)
        || (c >= 0x1C && c <= 0x20)
        || c == 0x85
        || c == 0xA0
        || c == 0x1680
        || (c >= 0x2000 && c <= 0x200A)
        || c == 0x2028
        || c == 0x2029
        || c == 0x202F
        || c == 0x205F
        || c == 0x3000;
  }

  /** {@code str.strip()}: {@code text} without the {@link #isSpace} characters at its ends. */
  public static String strip(String text) {
    int start = 0;
    int end = text.length();
    while (start < end && isSpace(text.charAt(start))) {
      start++;
    }
    while (end > start && isSpace(text.charAt(end - 1))) {
      end--;
    }
    return text.substring(start, end);
  }
}
