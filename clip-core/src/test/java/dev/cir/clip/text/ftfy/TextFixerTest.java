package dev.cir.clip.text.ftfy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.cir.clip.text.ExpectedValues;
import java.text.Normalizer;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** {@link TextFixer}: each of ftfy's fixes on its documented examples, then the whole. */
class TextFixerTest {
  static final String[][] UNESCAPE_HTML = {
    {"&lt;tag&gt;", "<tag>"},
    {"&Jscr;ohn &HilbertSpace;ancock", "\uD835\uDCA5ohn ℋancock"},
    {"&checkmark;", "✓"},
    {"P&eacute;rez", "Pérez"},
    {"P&EACUTE;REZ", "PÉREZ"},
    {"BUNDESSTRA&SZLIG;E", "BUNDESSTRASSE"},
    {"&ntilde; &Ntilde; &NTILDE; &nTILDE;", "ñ Ñ Ñ &nTILDE;"},
    {"this&not that", "this&not that"}, // only references that end in ';'
    {"&amp", "&amp"},
    {"&amp;amp;", "&amp;"},
    {"&AMP;", "&"},
    {"&LTDOT;", "&LTDOT;"}, // html.unescape would read "&LT" in it, so no capitals
    {"&CounterClockwiseContourIntegral;", "&CounterClockwiseContourIntegral;"}, // over 24
    {"&#x2019; &#8217; &#X2019;", "’ ’ ’"},
    {"&#128512; &#0; &#x80; &#1;", "\uD83D\uDE00 \uFFFD € "},
    {"&#xZZ; &#; &#x;", "&#xZZ; &#; &#x;"},
  };

  static final String[][] LATIN_LIGATURES = {
    {"ﬂuﬃeﬆ", "fluffiest"},
    {"Ĳsselmeer ĳs", "IJsselmeer ijs"},
    {"ŉ", "ʼn"},
    {"Ǳ ǲ ǳ Ǆ ǅ ǆ Ǉ ǈ ǉ Ǌ ǋ ǌ", "DZ Dz dz DŽ Dž dž LJ Lj lj NJ Nj nj"},
    {"ﬀ ﬁ ﬂ ﬃ ﬄ ﬅ ﬆ", "ff fi fl ffi ffl ſt st"},
    {"æ œ Æ Œ ß", "æ œ Æ Œ ß"},
  };

  static final String[][] CHARACTER_WIDTH = {
    {"ＬＯＵＤ\u3000ＮＯＩＳＥＳ", "LOUD NOISES"},
    {"Ｕﾀｰﾝ", "Uターン"},
    {"ｶﾞ", "カ\u3099"},
    {"ﾊﾟ", "ハ\u309A"},
    {"￦￡￥", "₩£¥"},
    {"ﾡﾤ", "ᄀᄂ"},
    {"｡｢｣､･", "。「」、・"},
    {"￮￭", "○■"},
    {"﹖", "﹖"}, // small forms are not width forms
  };

  static final String[][] QUOTES = {
    {"“here’s a test”", "\"here's a test\""},
    {"ʼ‘’‚‛ “”„‟", "''''' \"\"\"\""},
    {"«»‹›′″＂", "«»‹›′″＂"},
  };

  static final String[][] LINE_BREAKS = {
    {"a\r\nb\rc\u2028d\u2029e\u0085f", "a\nb\nc\nd\ne\nf"},
    {"\r\r\n\n", "\n\n\n"},
  };

  static final String[][] TERMINAL_ESCAPES = {
    {"\u001B[36;44mI'm blue, da ba dee da ba doo...\u001B[0m", "I'm blue, da ba dee da ba doo..."},
    {"\u001B[1;31mred\u001B[m", "red"},
    {"\u001B[٣m", ""}, // Python's \d takes any decimal digit
    {"\u001B]0;title", "\u001B]0;title"},
    {"\u001B[3;", "\u001B[3;"},
  };

  static final String[][] CONTROL_CHARS = {
    {"a\u0000b\u0007c\u000Bd\u007Fe\u206Af\uFEFFg\uFFFCh\ti\fj", "abcdefgh\ti\fj"},
    // joiners, direction marks and overrides, tags (flag emoji) and musical controls stay
    {"\u200D\u200E\u202E\uDB40\uDC41\uD834\uDD73", "\u200D\u200E\u202E\uDB40\uDC41\uD834\uDD73"},
    // C1 controls stay, as clues of mojibake
    {"\u0080\u009F", "\u0080\u009F"},
  };

  static final String[][] FIX_TEXT = {
    {"âœ” No problems", "✔ No problems"},
    {"&macr;\\_(ã\u0083\u0084)_/&macr;", "¯\\_(ツ)_/¯"},
    {"Broken text&hellip; it&#x2019;s ﬂubberiﬁc!", "Broken text… it's flubberific!"},
    {"ＬＯＵＤ\u3000ＮＯＩＳＥＳ", "LOUD NOISES"},
    {"ｶﾞ", "ガ"}, // the half-width voicing mark composes under NFC
    {"e\u0301", "é"},
    {"It’s a “test” &amp; more", "It's a \"test\" & more"},
    // repeated until nothing changes
    {"&amp;amp;", "&"},
    {"&amp;lt;b&amp;gt;", "<b>"},
    // a '<' stops entity decoding in its line and every line after
    {"<b>&amp;</b>\n&amp;", "<b>&amp;</b>\n&amp;"},
    {"&amp;\n<b>\n&amp;", "&\n<b>\n&amp;"},
    {"What is this \u0085 I don't even", "What is this … I don't even"},
    {"cafÃ©\nnaïve\r\nﬁn", "café\nnaïve\nfin"},
    {"\u001B[36mcafÃ©\u001B[0m", "café"},
    {"a\uD800b\uDFFFc", "a\uFFFDb\uFFFDc"}, // lone surrogates
    {"Ã©À\nnext", "énext"}, // the null that swallows a newline, then removed as a control
  };

  @Test
  void unescapeHtml() {
    check(UNESCAPE_HTML, TextFixer::unescapeHtml);
  }

  /** ftfy's all-caps entities, checked against the rule computed by Python. */
  @Test
  void allCapsEntitiesFollowFtfysRule() {
    JsonObject expected =
        ExpectedValues.load("uppercase-entities.json").getAsJsonObject("entities");
    Map<String, String> allCaps = new HashMap<>();
    TextFixer.HTML_ENTITIES.forEach(
        (entity, text) -> {
          if (!HtmlCharacterReferences.NAMED.containsKey(entity.substring(1))) {
            allCaps.put(entity, text);
          }
        });
    Map<String, String> python = new HashMap<>();
    expected.entrySet().forEach(e -> python.put(e.getKey(), e.getValue().getAsString()));
    assertEquals(python, allCaps);
    assertTrue(allCaps.size() > 1000);
  }

  @Test
  void latinLigatures() {
    check(LATIN_LIGATURES, TextFixer::fixLatinLigatures);
  }

  @Test
  void characterWidth() {
    check(CHARACTER_WIDTH, TextFixer::fixCharacterWidth);
  }

  /** Every width form as Python's NFKC makes it. */
  @Test
  void characterWidthIsPythonsNfkcOfTheWidthForms() {
    JsonObject nfkc = ExpectedValues.load("python-character-data.json").getAsJsonObject("nfkc");
    int changed = 0;
    for (int c = 0xFF01; c <= 0xFFEF; c++) {
      String s = Character.toString(c);
      String expected =
          nfkc.has(String.format("%X", c)) ? nfkc.get(String.format("%X", c)).getAsString() : s;
      assertEquals(expected, TextFixer.fixCharacterWidth(s), String.format("U+%X", c));
      changed += expected.equals(s) ? 0 : 1;
    }
    assertTrue(changed > 200, "width forms: " + changed);
    assertEquals(" ", TextFixer.fixCharacterWidth("\u3000"));
  }

  @Test
  void quotes() {
    check(QUOTES, TextFixer::uncurlQuotes);
  }

  @Test
  void lineBreaks() {
    check(LINE_BREAKS, TextFixer::fixLineBreaks);
  }

  @Test
  void surrogates() {
    assertEquals("a\uFFFDb\uFFFDc", TextFixer.fixSurrogates("a\uD800b\uDFFFc"));
    assertEquals("\uFFFD\uFFFD", TextFixer.fixSurrogates("\uDE00\uD83D")); // reversed: not a pair
    String pair = "\uD83D\uDE00";
    assertSame(pair, TextFixer.fixSurrogates(pair));
  }

  @Test
  void terminalEscapes() {
    check(TERMINAL_ESCAPES, TextFixer::removeTerminalEscapes);
  }

  @Test
  void controlChars() {
    check(CONTROL_CHARS, TextFixer::removeControlChars);
    StringBuilder removed = new StringBuilder();
    for (int c = 0; c <= 0x10FFFF; c++) {
      if (TextFixer.removeControlChars(Character.toString(c)).isEmpty()) {
        removed.append(String.format("%X ", c));
      }
    }
    assertEquals(
        "0 1 2 3 4 5 6 7 8 B E F 10 11 12 13 14 15 16 17 18 19 1A 1B 1C 1D 1E 1F 7F "
            + "206A 206B 206C 206D 206E 206F FEFF FFF9 FFFA FFFB FFFC ",
        removed.toString());
  }

  @Test
  void fixText() {
    check(FIX_TEXT, TextFixer::fixText);
  }

  @Test
  void longLinesAreFixedInSegmentsOfAMillionCodePoints() {
    // the segment boundary falls between "Ã" and "©", and each half alone is not mojibake; whole,
    // the line would be repaired
    String text = "x".repeat(999_999) + "Ã©";
    assertTrue(TextFixer.fixText(text).equals(text), "a line of a million x and Ã©");
    assertEquals("xé", TextFixer.fixText("xÃ©"));
  }

  /** A segment is returned unscanned only where one pass of every step leaves it as it is. */
  @Test
  void segmentsSkippedAsFixedAreFixed() {
    String[] pieces = {
      "a",
      "Z",
      " ",
      "\t",
      "\f",
      "&",
      "&amp;",
      "<",
      "é",
      "café",
      "Ã©",
      "€",
      "日本",
      "\uD83D\uDE00",
      "e\u0301",
      "\u0085",
      "\u0093",
      "\r",
      "\u001B[1m",
      "\u0000",
      "\u007F",
      "ﬁ",
      "ｂ",
      "\u3000",
      "’",
      "“",
      "ʼ",
      "\u2028",
      "\uFEFF",
      "\uFFFC",
      "\u206A",
      "\uD800",
      "\u200B",
      "«",
      "—",
      "…"
    };
    Random r = new Random(3);
    int skipped = 0;
    int fixed = 0;
    for (int t = 0; t < 20_000; t++) {
      StringBuilder s = new StringBuilder();
      for (int i = 1 + r.nextInt(6); i > 0; i--) {
        s.append(pieces[r.nextInt(pieces.length)]);
      }
      String text = s.toString();
      boolean unescape = r.nextBoolean();
      if (TextFixer.nothingToFix(text, unescape)) {
        assertEquals(text, onePass(text, unescape), text);
        skipped++;
      } else {
        fixed++;
      }
    }
    assertTrue(skipped > 1000 && fixed > 1000, skipped + " skipped, " + fixed + " fixed");
  }

  private static String onePass(String text, boolean unescape) {
    if (unescape) {
      text = TextFixer.unescapeHtml(text);
    }
    text = EncodingRepair.fixEncoding(text);
    text = EncodingRepair.fixC1Controls(text);
    text = TextFixer.fixLatinLigatures(text);
    text = TextFixer.fixCharacterWidth(text);
    text = TextFixer.uncurlQuotes(text);
    text = TextFixer.fixLineBreaks(text);
    text = TextFixer.fixSurrogates(text);
    text = TextFixer.removeTerminalEscapes(text);
    text = TextFixer.removeControlChars(text);
    return Normalizer.normalize(text, Normalizer.Form.NFC);
  }

  private static void check(String[][] cases, UnaryOperator<String> fix) {
    for (String[] c : cases) {
      assertEquals(c[1], fix.apply(c[0]), c[0]);
    }
  }
}
