package dev.cir.clip.text.ftfy;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link MojibakeHeuristic} on one example for each alternative of ftfy's {@code BADNESS_RE}, each
 * matched by that alternative alone where ftfy's pattern allows it.
 */
class MojibakeHeuristicTest {
  @Test
  void eachUnlikelySequenceIsBad() {
    List<String> bad =
        List.of(
            "\u0080", // a C1 control
            "x¤¨", // [bad or letter-like] [bad]
            "aΣ¬", // [a-zA-Z] [Greek or Cyrillic] [bad]
            "¬é", // [bad] [letter-like]
            "éÀ", // lowercase accented, then uppercase accented
            "™é", // [box, end punctuation, currency, numeric] [lowercase accented]
            "é€", // [lowercase accented, box, end punctuation] [currency]
            " À€", // \s [uppercase accented] [currency]
            "À²", // [uppercase accented, box] [numeric, law]
            "é«±", // [...] [start punctuation] [numeric]
            "é®«", // [...] [end punctuation] [start punctuation]
            "€«", // [currency, numeric, box] [start punctuation]
            "aÀ€", // [a-z] [uppercase accented] [start punctuation, currency]
            "│ò", // box drawing, then a letter of emoticons
            "é│", // [...] [box]
            "│®", // [box] [end punctuation]
            "é«a", // [accented] [punctuation] \w
            "œ ", // œ not before a Latin letter
            "À°", // a degree sign after a capital letter
            "Ã©", // Windows-1252 two-character mojibake
            "×²", "Ø·Ù…", // Windows-1252 mojibake of Arabic, four characters
            "à²", // Windows-1252 starts of South Asian alphabets
            "√±", // MacRoman
            "≈°", "‚Äì", "‚âà", "вЂ", // Windows-1251 mojibake of U+2000-U+206F
            "В°С", // Windows-1251 of Latin-1
            "ГўВЂВxa", // Windows-1251 on top of Latin-1 mojibake
            "Ã¡", // 'á' in Windows-1252
            "aÃ ", // [a-z] \s? [ÃÂ] space
            "Ã x", // at the start
            ".Â x", // Â before the character it encodes
            "β€™", // Windows-1253 of U+2000-U+206F
            "Β°Γ", // Windows-1253 of Latin-1
            "ā€"); // Windows-1257 of U+2000-U+206F
    for (String text : bad) {
      assertTrue(MojibakeHeuristic.isBad(text), text);
      assertTrue(MojibakeHeuristic.isBad("plain words " + text + " and more"), text);
    }
  }

  @Test
  void ordinaryTextIsNotBad() {
    List<String> good =
        List.of(
            "café",
            "naïve café costs 3.50€ — 100% cotton",
            "It’s a “test”",
            "10€ or €5, 25°C, 2×3, x² + y², 1½ cups, ±5%, ©2020",
            "Ærø, São Paulo, Œuvre, über, Ölçüm, straße, Łódź, İstanbul, Ñandú, déjà vu, Ça va",
            "ÀÉÎÕÜ ΑΒΓ Ω χαίρετε Привет мир 日本語",
            "(╯°□°)╯︵ ┻━┻",
            "¯\\_(ツ)_/¯",
            "«guillemets» ¿Qué? a — b, Müller–Lyer…",
            "Ã",
            "",
            "plain ASCII text, however long");
    for (String text : good) {
      assertFalse(MojibakeHeuristic.isBad(text), text);
    }
  }

  /** Python's \s, \w and '.' are not Java's: the classes follow Python. */
  @Test
  void pythonCharacterClasses() {
    assertTrue(MojibakeHeuristic.isBad("\u3000À€")); // \s takes the ideographic space
    assertFalse(MojibakeHeuristic.isBad("\u200BÀ€")); // and not the zero-width space
    assertFalse(MojibakeHeuristic.isBad("-À€"));
    assertTrue(MojibakeHeuristic.isBad("é«ж")); // \w takes any letter
    assertTrue(MojibakeHeuristic.isBad("é«_"));
    assertFalse(MojibakeHeuristic.isBad("é«\u0301")); // and no combining mark
    assertFalse(MojibakeHeuristic.isBad("é«‿")); // nor other connector punctuation
    assertFalse(MojibakeHeuristic.isBad("ГўВЂВ\na")); // '.' is anything but a newline
    assertTrue(MojibakeHeuristic.isBad("ГўВЂВ\uD83D\uDE00a")); // a code point past the BMP is one
    assertFalse(MojibakeHeuristic.isBad(" Ã x")); // ^ is the start of the text only
  }
}
