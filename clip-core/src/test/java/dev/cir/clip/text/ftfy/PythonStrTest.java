package dev.cir.clip.text.ftfy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.cir.clip.text.ExpectedValues;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.function.IntPredicate;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@link PythonStr} against the classes of Python 3.11's {@code re}. */
class PythonStrTest {
  private static final JsonObject PYTHON = ExpectedValues.load("python-character-data.json");

  @Test
  void spaceIsPythonsWhitespace() {
    int compared = compare("s", PythonStr::isSpace);
    assertTrue(compared > 250_000, "code points compared: " + compared);
    assertTrue(PythonStr.isSpace(0x1C) && PythonStr.isSpace(0x85) && PythonStr.isSpace(0x3000));
    assertTrue(!PythonStr.isSpace(0x200B) && !PythonStr.isSpace(0xFEFF));
  }

  @Test
  void wordIsPythonsLettersNumbersAndUnderscore() {
    compare("w", PythonStr::isWord);
    assertTrue(PythonStr.isWord('_') && PythonStr.isWord('½') && PythonStr.isWord('Ⅻ'));
    assertTrue(!PythonStr.isWord('\u0301') && !PythonStr.isWord('‿'), "marks and other Pc");
  }

  @Test
  void digitIsPythonsDecimalDigits() {
    compare("d", PythonStr::isDigit);
    Pattern digit = Pattern.compile(PythonStr.DIGIT);
    for (int c : new int[] {'7', '٣', '߅', '¹', '½', 'a'}) {
      assertEquals(PythonStr.isDigit(c), digit.matcher(Character.toString(c)).matches(), "U+" + c);
    }
  }

  @Test
  void stripRemovesPythonWhitespaceAtTheEnds() {
    assertEquals("a \u00A0 b", PythonStr.strip("\u3000\t\u001F a \u00A0 b \u2029\u0085"));
    assertEquals("\u200Bx\u200B", PythonStr.strip(" \u200Bx\u200B "));
    assertEquals("", PythonStr.strip(" \n\u000B\u000C\r\u001C "));
  }

  @Test
  void codePointsPairSurrogatesAndKeepLoneOnes() {
    assertArrayEquals(
        new int[] {'a', 0x1F600, 0xD800, 'b', 0xDC00},
        PythonStr.codePoints("a\uD83D\uDE00\uD800b\uDC00"));
    assertArrayEquals(new int[0], PythonStr.codePoints(""));
  }

  /**
   * Compares a predicate with Python's ranges on every code point Java's Unicode assigns (Java 17
   * has Unicode 13, Python 3.11 Unicode 14: characters new in 14 are unassigned here).
   */
  private static int compare(String key, IntPredicate predicate) {
    BitSet python = new BitSet();
    for (JsonElement e : PYTHON.getAsJsonArray(key)) {
      JsonArray range = e.getAsJsonArray();
      python.set(range.get(0).getAsInt(), range.get(1).getAsInt() + 1);
    }
    int compared = 0;
    List<String> differences = new ArrayList<>();
    for (int c = 0; c <= Character.MAX_CODE_POINT; c++) {
      if (Character.getType(c) != Character.UNASSIGNED) {
        if (python.get(c) != predicate.test(c)) {
          differences.add(String.format("U+%04X (Python %b)", c, python.get(c)));
        }
        compared++;
      }
    }
    assertEquals(List.of(), differences, key);
    return compared;
  }
}
