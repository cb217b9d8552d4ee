package dev.cir.clip.text.ftfy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import dev.cir.clip.text.ExpectedValues;
import org.junit.jupiter.api.Test;

/** {@link HtmlCharacterReferences} against Python 3.11's {@code html.unescape}. */
class HtmlCharacterReferencesTest {
  @Test
  void everyCaseEqualsPythonOnceAndTwice() {
    JsonArray cases = ExpectedValues.load("html-unescape-cases.json").getAsJsonArray("cases");
    assertTrue(cases.size() > 2000, "cases: " + cases.size());
    int changed = 0;
    for (JsonElement e : cases) {
      JsonArray c = e.getAsJsonArray();
      String input = c.get(0).getAsString();
      String once = HtmlCharacterReferences.unescape(input);
      assertEquals(c.get(1).getAsString(), once, () -> "html.unescape(" + escaped(input) + ")");
      assertEquals(
          c.get(2).getAsString(),
          HtmlCharacterReferences.unescape(once),
          () -> "html.unescape twice (" + escaped(input) + ")");
      changed += once.equals(input) ? 0 : 1;
    }
    assertTrue(changed > 1000, "cases that decode something: " + changed);
  }

  @Test
  void tableIsPythonsHtml5Dictionary() {
    assertEquals(2231, HtmlCharacterReferences.NAMED.size());
    assertEquals("&", HtmlCharacterReferences.NAMED.get("amp"));
    assertEquals("&", HtmlCharacterReferences.NAMED.get("amp;"));
    assertEquals("\u2233", HtmlCharacterReferences.NAMED.get("CounterClockwiseContourIntegral;"));
    assertEquals("\u2242\u0338", HtmlCharacterReferences.NAMED.get("NotEqualTilde;"));
    assertEquals(null, HtmlCharacterReferences.NAMED.get("notin")); // only "notin;"
  }

  @Test
  void namedReferences() {
    assertEquals("<b> & \"x\"", HtmlCharacterReferences.unescape("&lt;b&gt; &amp; &quot;x&quot;"));
    // legacy names decode without ';', as the longest such prefix of the name
    assertEquals("¬in ∉ ¬it;", HtmlCharacterReferences.unescape("&notin &notin; &notit;"));
    assertEquals("&amp", HtmlCharacterReferences.unescape("&ampamp"));
    assertEquals("<DOT;", HtmlCharacterReferences.unescape("&LTDOT;"));
    assertEquals("&nosuch; &x", HtmlCharacterReferences.unescape("&nosuch; &x"));
    assertEquals("&amp;", HtmlCharacterReferences.unescape("&amp;amp;"));
    assertEquals(
        "&", HtmlCharacterReferences.unescape(HtmlCharacterReferences.unescape("&amp;amp;")));
  }

  @Test
  void numericReferences() {
    assertEquals("A A A", HtmlCharacterReferences.unescape("&#65; &#x41; &#X041"));
    assertEquals("\uD83D\uDE00", HtmlCharacterReferences.unescape("&#128512;"));
    // the replacement table: C1 numbers are read as Windows-1252, NUL and CR as the spec says
    assertEquals(
        "€‚\u0081\uFFFD\r", HtmlCharacterReferences.unescape("&#x80;&#130;&#x81;&#0;&#13;"));
    // surrogates and numbers past Unicode become U+FFFD; forbidden code points vanish
    assertEquals(
        "\uFFFD\uFFFD\uFFFD",
        HtmlCharacterReferences.unescape("&#xD800;&#x110000;&#99999999999999999999999;"));
    assertEquals("ab", HtmlCharacterReferences.unescape("a&#1;&#x7F;&#xFFFF;&#x10FFFE;&#11;b"));
    assertEquals("&#; &#x; &#xg;", HtmlCharacterReferences.unescape("&#; &#x; &#xg;"));
  }

  @Test
  void textWithoutReferencesIsLeftAlone() {
    String plain = "no references here";
    assertSame(plain, HtmlCharacterReferences.unescape(plain));
    String ampersands = "fish & chips; a&b &; &&";
    assertEquals(ampersands, HtmlCharacterReferences.unescape(ampersands));
  }

  private static String escaped(String s) {
    StringBuilder out = new StringBuilder("\"");
    s.codePoints()
        .forEach(
            c -> {
              if (c >= 0x20 && c < 0x7F) {
                out.appendCodePoint(c);
              } else {
                out.append(String.format("\\u{%X}", c));
              }
            });
    return out.append('"').toString();
  }
}
