package dev.cir.clip.text.ftfy;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A single-byte encoding, as ftfy uses them to undo mojibake: Python's codec table for bytes
 * 0x80-0xFF (ASCII below), either strict, where an unassigned byte cannot be decoded, or ftfy's
 * "sloppy" variant, where an unassigned byte decodes to the code point of the same number (as
 * Latin-1 and web browsers do) and byte 0x1A stands for U+FFFD, the replacement character.
 */
final class CharmapEncoding {
  private static final int SUBSTITUTE = 0x1A;
  private static final Map<String, int[]> PYTHON_TABLES = readTables();

  static final CharmapEncoding LATIN_1 = strict("latin-1");
  static final CharmapEncoding WINDOWS_1252 = strict("windows-1252");
  static final CharmapEncoding SLOPPY_WINDOWS_1252 = sloppy("windows-1252");
  static final CharmapEncoding MACROMAN = strict("macroman");

  /** ftfy's {@code CHARMAP_ENCODINGS}, in the order it tries them. */
  static final List<CharmapEncoding> FTFY_ORDER =
      List.of(
          LATIN_1,
          SLOPPY_WINDOWS_1252,
          sloppy("windows-1251"),
          sloppy("windows-1250"),
          sloppy("windows-1253"),
          sloppy("windows-1254"),
          sloppy("windows-1257"),
          strict("iso-8859-2"),
          MACROMAN,
          strict("cp437"));

  /**
   * The encodings from which ftfy's {@code chardata.UTF8_CLUES} are drawn (its {@code
   * scripts/char_data_table.py}): those of its encodings that are common, strict.
   */
  static final List<CharmapEncoding> CLUE_SOURCES =
      List.of(
          LATIN_1,
          WINDOWS_1252,
          strict("windows-1251"),
          strict("windows-1250"),
          strict("windows-1253"),
          strict("windows-1254"),
          strict("windows-1257"));

  final String name;
  private final int[] decoded; // by byte, -1 where unassigned
  private final int[] latin1Bytes = new int[256]; // the byte of each of U+0000-U+00FF, or -1
  private final char[] otherChars; // the characters past U+00FF, sorted
  private final byte[] otherBytes; // and their bytes

  private CharmapEncoding(String name, int[] decoded) {
    this.name = name;
    this.decoded = decoded;
    Arrays.fill(latin1Bytes, -1);
    TreeMap<Character, Integer> others = new TreeMap<>();
    for (int b = 0; b < 256; b++) {
      int c = decoded[b];
      boolean repeated = c >= 0 && (c < 256 ? latin1Bytes[c] >= 0 : others.containsKey((char) c));
      if (repeated) {
        throw new IllegalStateException(name + " decodes two bytes to U+" + hex(c));
      }
      if (c >= 0 && c < 256) {
        latin1Bytes[c] = b;
      } else if (c >= 256) {
        others.put((char) c, b);
      }
    }
    otherChars = new char[others.size()];
    otherBytes = new byte[others.size()];
    int i = 0;
    for (Map.Entry<Character, Integer> e : others.entrySet()) {
      otherChars[i] = e.getKey();
      otherBytes[i++] = (byte) (int) e.getValue();
    }
  }

  private static CharmapEncoding strict(String python) {
    return new CharmapEncoding(python, table(python));
  }

  private static CharmapEncoding sloppy(String python) {
    int[] decoded = table(python);
    for (int b = 0x80; b < 256; b++) {
      if (decoded[b] < 0) {
        decoded[b] = b;
      }
    }
    decoded[SUBSTITUTE] = 0xFFFD;
    return new CharmapEncoding("sloppy-" + python, decoded);
  }

  /** Whether this is one of ftfy's sloppy encodings. */
  boolean isSloppy() {
    return name.startsWith("sloppy-");
  }

  /** Whether {@link #encode} takes every code point of {@code text}. */
  boolean canEncode(CharSequence text) {
    for (int i = 0; i < text.length(); i++) {
      if (byteOf(text.charAt(i)) < 0) {
        return false; // a surrogate, half of a code point past the BMP, is in no table
      }
    }
    return true;
  }

  /** The bytes of {@code text}; only for a text that {@link #canEncode}. */
  byte[] encode(CharSequence text) {
    byte[] bytes = new byte[text.length()];
    for (int i = 0; i < bytes.length; i++) {
      int b = byteOf(text.charAt(i));
      if (b < 0) {
        throw new IllegalArgumentException(
            name + " cannot encode U+" + hex(text.charAt(i)) + " at " + i);
      }
      bytes[i] = (byte) b;
    }
    return bytes;
  }

  private int byteOf(char c) {
    if (c < 256) {
      return latin1Bytes[c];
    }
    int i = Arrays.binarySearch(otherChars, c);
    return i >= 0 ? otherBytes[i] & 0xFF : -1;
  }

  /** The character of byte {@code b}, or -1 where the encoding has none. */
  int decode(int b) {
    return decoded[b & 0xFF];
  }

  /** The text of {@code bytes}, or null if one of them is unassigned. */
  String decode(byte[] bytes) {
    StringBuilder text = new StringBuilder(bytes.length);
    for (byte b : bytes) {
      int c = decoded[b & 0xFF];
      if (c < 0) {
        return null;
      }
      text.append((char) c);
    }
    return text.toString();
  }

  @Override
  public String toString() {
    return name;
  }

  private static int[] table(String python) {
    int[] high = PYTHON_TABLES.get(python);
    if (high == null) {
      throw new IllegalStateException("no table for " + python + " in single-byte-encodings.txt");
    }
    int[] decoded = new int[256];
    for (int b = 0; b < 0x80; b++) {
      decoded[b] = b;
    }
    System.arraycopy(high, 0, decoded, 0x80, 0x80);
    return decoded;
  }

  private static Map<String, int[]> readTables() {
    Map<String, int[]> tables = new HashMap<>();
    for (String line : TableResource.lines("single-byte-encodings.txt")) {
      String[] fields = line.split("\t", -1);
      String[] chars = fields[1].split(" ");
      if (chars.length != 0x80) {
        throw new IllegalStateException(fields[0] + ": " + chars.length + " characters, not 128");
      }
      int[] high = new int[0x80];
      for (int i = 0; i < high.length; i++) {
        high[i] = chars[i].equals("-") ? -1 : Integer.parseInt(chars[i], 16);
      }
      tables.put(fields[0], high);
    }
    return tables;
  }

  private static String hex(int c) {
    return String.format("%04X", c);
  }
}
