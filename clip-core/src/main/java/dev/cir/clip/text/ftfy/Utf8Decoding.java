package dev.cir.clip.text.ftfy;

/**
 * Decoding bytes as UTF-8 the two ways ftfy does after re-encoding mojibake: Python's strict {@code
 * utf-8} codec, and ftfy's {@code utf-8-variants}, which also takes CESU-8 (a code point past the
 * BMP written as two 3-byte surrogates) and Java's two-byte null {@code C0 80}. Each returns null
 * where Python raises {@code UnicodeDecodeError}.
 */
final class Utf8Decoding {
  private static final int NEWLINE = 0x0A;

  private Utf8Decoding() {}

  /** Python's {@code bytes.decode("utf-8")}: well-formed UTF-8 only (Unicode table 3-7). */
  static String decode(byte[] bytes) {
    return decode(bytes, 0, bytes.length);
  }

  static String decode(byte[] bytes, int from, int to) {
    StringBuilder text = new StringBuilder(to - from);
    int i = from;
    while (i < to) {
      int b0 = bytes[i] & 0xFF;
      if (b0 < 0x80) {
        text.append((char) b0);
        i++;
        continue;
      }
      int length;
      int low = 0x80; // the range of the second byte, narrowed for some lead bytes
      int high = 0xBF;
      if (b0 >= 0xC2 && b0 <= 0xDF) {
        length = 2;
      } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        length = 3;
        if (b0 == 0xE0) {
          low = 0xA0; // shorter forms are overlong
        } else if (b0 == 0xED) {
          high = 0x9F; // ED A0-BF would be a surrogate
        }
      } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        length = 4;
        if (b0 == 0xF0) {
          low = 0x90;
        } else if (b0 == 0xF4) {
          high = 0x8F; // past U+10FFFF
        }
      } else {
        return null;
      }
      if (i + length > to) {
        return null;
      }
      int b1 = bytes[i + 1] & 0xFF;
      if (b1 < low || b1 > high) {
        return null;
      }
      int cp = b0 & (0x7F >> length);
      for (int k = 1; k < length; k++) {
        int b = bytes[i + k] & 0xFF;
        if (b < 0x80 || b > 0xBF) {
          return null;
        }
        cp = (cp << 6) | (b & 0x3F);
      }
      text.appendCodePoint(cp);
      i += length;
    }
    return text.toString();
  }

  /**
   * ftfy's {@code utf-8-variants} codec ({@code bad_codecs/utf8_variants.py}): standard UTF-8
   * between the places where its pattern of special bytes matches, {@code C0} followed by {@code
   * 80} decoded as U+0000, and a CESU-8 surrogate pair as the code point it encodes.
   *
   * <p>The special-byte pattern is a Python bytes regex whose {@code $} also matches before a final
   * newline, so a {@code C0} just before a final {@code 0A} is a null that swallows the newline,
   * and so is the last byte of a CESU-8 pair that is such a newline. This reproduces that.
   */
  static String decodeVariants(byte[] bytes) {
    int n = bytes.length;
    StringBuilder text = new StringBuilder(n);
    int pos = 0;
    while (pos < n) {
      int special = nextSpecial(bytes, pos);
      if (special != pos) {
        String plain = decode(bytes, pos, special < 0 ? n : special);
        if (plain == null) {
          return null;
        }
        text.append(plain);
        if (special < 0) {
          break;
        }
        pos = special;
        continue;
      }
      if ((bytes[pos] & 0xFF) == 0xC0) {
        if (n - pos < 2) {
          return null;
        }
        text.append('\0');
        pos += 2;
      } else if (n - pos >= 6 && isCesu8(bytes, pos)) {
        int cp =
            ((bytes[pos + 1] & 0x0F) << 16)
                + ((bytes[pos + 2] & 0x3F) << 10)
                + ((bytes[pos + 4] & 0x0F) << 6)
                + (bytes[pos + 5] & 0x3F)
                + 0x10000;
        text.appendCodePoint(cp);
        pos += 6;
      } else {
        return null; // ED then A0-BF (or the end): a lone surrogate, which UTF-8 refuses
      }
    }
    return text.toString();
  }

  /** Where ftfy's {@code SPECIAL_BYTES_RE} first matches from {@code from}, or -1. */
  private static int nextSpecial(byte[] bytes, int from) {
    for (int i = from; i < bytes.length; i++) {
      int b = bytes[i] & 0xFF;
      if (b == 0xC0 && (atEnd(bytes, i + 1) || (bytes[i + 1] & 0xFF) == 0x80)) {
        return i;
      }
      // the surrogate alternative; the CESU-8 one only matches where this one does
      if (b == 0xED
          && (atEnd(bytes, i + 1)
              || (in(bytes[i + 1], 0xA0, 0xBF)
                  && (atEnd(bytes, i + 2) || in(bytes[i + 2], 0x80, 0xBF))))) {
        return i;
      }
    }
    return -1;
  }

  /** ftfy's {@code CESU8_RE} at {@code pos}, with six bytes or more left. */
  private static boolean isCesu8(byte[] bytes, int pos) {
    return in(bytes[pos + 1], 0xA0, 0xAF)
        && in(bytes[pos + 2], 0x80, 0xBF)
        && (bytes[pos + 3] & 0xFF) == 0xED
        && in(bytes[pos + 4], 0xB0, 0xBF)
        && (in(bytes[pos + 5], 0x80, 0xBF) || atEnd(bytes, pos + 5));
  }

  /** Python's {@code $} in a bytes pattern: the end, or just before a newline that ends it. */
  private static boolean atEnd(byte[] bytes, int i) {
    return i == bytes.length || (i == bytes.length - 1 && bytes[i] == NEWLINE);
  }

  private static boolean in(byte b, int low, int high) {
    int v = b & 0xFF;
    return v >= low && v <= high;
  }
}
