package dev.cir.clip.text.ftfy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

/**
 * {@link EncodingRepair} on ftfy's documented examples and on UTF-8 read in each of its encodings;
 * expected values follow ftfy 6.3's {@code fix_encoding}, where it is wrong too.
 */
class EncodingRepairTest {
  /** UTF-8 bytes read in another encoding, and what ftfy makes of them. */
  static final String[][] MOJIBAKE = {
    {"naÃ¯ve cafÃ©", "naïve café"}, // Latin-1
    {"Ð¿Ñ€Ð¸Ð²ÐµÑ‚ Ð¼Ð¸Ñ€", "привет мир"}, // Windows-1252
    {"æ—¥æœ¬èªž", "日本語"},
    {"вЂњquotedвЂќ вЂ” itвЂ™s", "“quoted” — it’s"}, // Windows-1251
    {"РїСЂРёРІРµС‚ РјРёСЂ", "привет мир"},
    {"naĂŻve cafĂ©", "naïve café"}, // Windows-1250
    {"â€śquotedâ€ť", "“quoted”"},
    {"Ğ¿Ñ€Ğ¸Ğ²ĞµÑ‚ Ğ¼Ğ¸Ñ€", "привет мир"}, // Windows-1254
    {"naĆÆve cafĆ©", "naïve café"}, // Windows-1257
    {"Ĺ\u0081ĂłdĹş ĹźĂłĹ\u0082Ä\u0087", "Łódź żółć"}, // ISO-8859-2
    {"na√Øve caf√©", "naïve café"}, // MacRoman
    {"‚Äúquoted‚Äù ‚Äî it‚Äôs", "“quoted” — it’s"},
    {"na├»ve caf├⌐", "naïve café"}, // CP437
    {"µùÑµ£¼Φ¬₧", "日本語"},
    {"ÃƒÂ©", "é"}, // twice
    // ftfy's misses, kept: Greek in ISO-8859-2 decodes in Latin-1 first (and wrongly), and
    // Latin text read as Windows-1251 does not look bad
    {"ÎşÎąÎťÎˇÎźÎ\u00ADĎ\u0081Îą", "κιΝΡΟέρι"},
    {"naГЇve cafГ©", "naГЇve cafГ©"},
  };

  /** ftfy's own examples and its special cases. */
  static final String[][] SPECIAL = {
    {"Ã³", "ó"},
    {"sÃ³", "só"},
    {"&ATILDE;&SUP3;", "&ATILDE;&SUP3;"}, // entities are not its business
    {"âœ” No problems", "✔ No problems"},
    // restore_byte_a0: a space that was byte A0
    {"voilÃ le travail", "voilà le travail"},
    {"voilÃ  le travail", "voilà le travail"},
    {"Ã  la mode", "à la mode"},
    {"fÃ cil", "fà cil"}, // "Ã " taken for the word "à"
    // replace_lossy_sequences: a sequence whose byte became U+FFFD, or '?', is one U+FFFD
    {"â€œ like this â€\uFFFD", "“ like this \uFFFD"},
    {"â€œ like this â€?", "“ like this \uFFFD"},
    {"Ã©\u001Aâ€", "é\u001Aâ€"}, // U+001A itself rules out the sloppy encodings
    // decode_inconsistent_utf8: no encoding holds the whole text, so the run is fixed alone
    {"cafÃ© 日本", "café 日本"},
    // Latin-1 text read as Windows-1252
    {"\u0093quoted\u0094", "“quoted”"},
    // fix_c1_controls, where nothing else applies
    {"\u0080 日", "€ 日"},
    // utf-8-variants: CESU-8 and Java's two-byte null
    {"í\u00A0½í¸\u0080", "\uD83D\uDE00"},
    {"cafÃ© í\u00A0½í¸\u0080", "café \uD83D\uDE00"},
    {"Ã©À\u0080", "é\u0000"},
    // and Python's '$' in ftfy's pattern, which takes C0 before a final newline for a null
    {"Ã©À\n", "é\u0000"},
    {"naïve café", "naïve café"},
    {"plain", "plain"},
    {"", ""},
  };

  @Test
  void utf8ReadInEachEncodingIsRepairedAsFtfyRepairsIt() {
    for (String[] c : MOJIBAKE) {
      assertEquals(c[1], EncodingRepair.fixEncoding(c[0]), c[0]);
    }
  }

  @Test
  void documentedExamplesAndSpecialCases() {
    for (String[] c : SPECIAL) {
      assertEquals(c[1], EncodingRepair.fixEncoding(c[0]), c[0]);
    }
  }

  @Test
  void textThatIsNotBadIsReturnedAsIs() {
    String text = "naïve café costs 3.50€ — “100%” cotton";
    assertSame(text, EncodingRepair.fixEncoding(text));
  }

  @Test
  void restoreByteA0PutsBackA0InsideUtf8Sequences() {
    // bytes read as Latin-1: C3 and a space before a word is "à" (C3 A0) and the space
    assertEquals("\u00C3\u00A0 la", EncodingRepair.restoreByteA0("\u00C3 la"));
    // before "s " (Portuguese "às") the space itself was the A0
    assertEquals("\u00C3\u00A0s ", EncodingRepair.restoreByteA0("\u00C3 s "));
    assertEquals("\u00E2\u0080\u00A0", EncodingRepair.restoreByteA0("\u00E2\u0080 "));
    assertEquals("a b", EncodingRepair.restoreByteA0("a b"));
  }

  @Test
  void c1ControlsBecomeWindows1252() {
    assertEquals(
        "€\u0081…\u008D“x”Ÿ",
        EncodingRepair.fixC1Controls("\u0080\u0081\u0085\u008D\u0093x\u0094\u009F"));
  }
}
