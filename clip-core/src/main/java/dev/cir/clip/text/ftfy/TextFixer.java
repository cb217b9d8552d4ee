package dev.cir.clip.text.ftfy;

import java.text.Normalizer;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.regex.Pattern;

/**
 * ftfy's {@code fix_text} with its default {@code TextFixerConfig} (ftfy 6.3), which OpenAI's
 * {@code basic_clean} runs on every caption before CLIP's tokenizer.
 *
 * <p>The text is fixed line by line (each segment ends after a newline, or after a million code
 * points). Once a segment holds a '<', the text is taken for HTML and entities are no longer
 * decoded, in that segment or any after it. Each segment goes through these steps, in ftfy's order,
 * again and again until a pass changes nothing:
 *
 * <ol>
 *   <li>{@code unescape_html}: HTML entities that end in ';' (the HTML5 names, all-caps forms of
 *       the lowercase ones such as {@code &EACUTE;}, and numeric references) are decoded;
 *   <li>{@code fix_encoding}: mojibake is repaired ({@link EncodingRepair});
 *   <li>{@code fix_c1_controls}: C1 controls become the Windows-1252 characters of their bytes;
 *   <li>{@code fix_latin_ligatures}: ﬁ, ﬂ, ĳ, ǆ and the other Latin ligatures and digraphs are
 *       taken apart;
 *   <li>{@code fix_character_width}: full-width characters and half-width katakana and Hangul
 *       (U+FF01-U+FFEF) become their NFKC forms, and the ideographic space U+3000 a space;
 *   <li>{@code uncurl_quotes}: ‘ ’ ‚ ‛ and ʼ become ', and “ ” „ ‟ become ";
 *   <li>{@code fix_line_breaks}: CRLF, CR, U+2028, U+2029 and U+0085 become LF;
 *   <li>{@code fix_surrogates}: lone surrogates become U+FFFD (pairs are already code points);
 *   <li>{@code remove_terminal_escapes}: ANSI escapes such as {@code ESC[36;44m} are removed;
 *   <li>{@code remove_control_chars}: C0 controls other than tab, LF, FF and CR, DEL, the
 *       deprecated format controls U+206A-U+206F, the byte order mark U+FEFF and the interlinear
 *       annotation and object replacement characters U+FFF9-U+FFFC are removed;
 *   <li>NFC normalization.
 * </ol>
 */
public final class TextFixer {
  private static final int MAX_DECODE_LENGTH = 1_000_000;

  /** ftfy repeats without bound; no text seen needs more than a few passes. */
  private static final int MAX_PASSES = 64;

  /** chardata.HTML_ENTITY_RE: what ftfy's {@code unescape_html} looks at. */
  private static final Pattern HTML_ENTITY = Pattern.compile("&#?[0-9A-Za-z]{1,24};");

  /** chardata.HTML_ENTITIES: entity, with its '&' and ';', to text. */
  static final Map<String, String> HTML_ENTITIES = htmlEntities();

  /** fixes.ANSI_RE; Python's \d takes the digits of every script. */
  private static final Pattern TERMINAL_ESCAPE =
      Pattern.compile("\\x1B\\[(?:" + PythonStr.DIGIT + "|;)*[a-zA-Z]");

  /** chardata.LIGATURES: Latin ligatures and digraphs, not æ or œ, which are letters. */
  private static final Map<Integer, String> LIGATURES =
      Map.ofEntries(
          Map.entry((int) 'Ĳ', "IJ"), // Dutch
          Map.entry((int) 'ĳ', "ij"),
          Map.entry((int) 'ŉ', "ʼn"), // Afrikaans, against an automatically curled quote
          Map.entry((int) 'Ǳ', "DZ"), // Serbian and Croatian, for conversion from Cyrillic
          Map.entry((int) 'ǲ', "Dz"),
          Map.entry((int) 'ǳ', "dz"),
          Map.entry((int) 'Ǆ', "DŽ"),
          Map.entry((int) 'ǅ', "Dž"),
          Map.entry((int) 'ǆ', "dž"),
          Map.entry((int) 'Ǉ', "LJ"),
          Map.entry((int) 'ǈ', "Lj"),
          Map.entry((int) 'ǉ', "lj"),
          Map.entry((int) 'Ǌ', "NJ"),
          Map.entry((int) 'ǋ', "Nj"),
          Map.entry((int) 'ǌ', "nj"),
          Map.entry((int) 'ﬀ', "ff"), // typographic
          Map.entry((int) 'ﬁ', "fi"),
          Map.entry((int) 'ﬂ', "fl"),
          Map.entry((int) 'ﬃ', "ffi"),
          Map.entry((int) 'ﬄ', "ffl"),
          Map.entry((int) 'ﬅ', "ſt"),
          Map.entry((int) 'ﬆ', "st"));

  private static final int WIDTH_FIRST = 0xFF01;
  private static final int WIDTH_LAST = 0xFFEF;
  private static final String[] WIDTH = widthForms();

  private TextFixer() {}

  /** {@code ftfy.fix_text(text)}. */
  public static String fixText(String text) {
    StringBuilder out = new StringBuilder(text.length());
    boolean unescapeHtml = true;
    int pos = 0;
    while (pos < text.length()) {
      int end = text.indexOf('\n', pos) + 1;
      if (end == 0) {
        end = text.length();
      }
      if (end - pos > MAX_DECODE_LENGTH && text.codePointCount(pos, end) > MAX_DECODE_LENGTH) {
        end = text.offsetByCodePoints(pos, MAX_DECODE_LENGTH);
      }
      String segment = text.substring(pos, end);
      if (unescapeHtml && segment.indexOf('<') >= 0) {
        unescapeHtml = false; // literal HTML: its entities are meant
      }
      out.append(fixSegment(segment, unescapeHtml));
      pos = end;
    }
    return out.toString();
  }

  /** ftfy's {@code fix_and_explain} on one segment. */
  static String fixSegment(String text, boolean unescapeHtml) {
    if (nothingToFix(text, unescapeHtml)) {
      return text; // as ftfy's first pass would leave it
    }
    for (int pass = 0; pass < MAX_PASSES; pass++) {
      String original = text;
      if (unescapeHtml) {
        text = unescapeHtml(text);
      }
      text = EncodingRepair.fixEncoding(text);
      text = EncodingRepair.fixC1Controls(text);
      text = fixLatinLigatures(text);
      text = fixCharacterWidth(text);
      text = uncurlQuotes(text);
      text = fixLineBreaks(text);
      text = fixSurrogates(text);
      text = removeTerminalEscapes(text);
      text = removeControlChars(text);
      text = Normalizer.normalize(text, Normalizer.Form.NFC);
      if (text.equals(original)) {
        break;
      }
    }
    return text;
  }

  /**
   * ftfy's {@code unescape_html}: only entities that end in ';' (so "this&not that" stays), from
   * the HTML5 table or in capitals ({@code &NTILDE;}), and numeric references.
   */
  static String unescapeHtml(String text) {
    if (text.indexOf('&') < 0) {
      return text;
    }
    return EncodingRepair.replace(
        HTML_ENTITY,
        text,
        entity -> {
          String decoded = HTML_ENTITIES.get(entity);
          if (decoded != null) {
            return decoded;
          }
          if (entity.startsWith("&#")) {
            decoded = HtmlCharacterReferences.unescape(entity);
            return decoded.indexOf(';') >= 0 ? entity : decoded; // the ';' must be consumed
          }
          return entity;
        });
  }

  static String fixLatinLigatures(String text) {
    return translate(text, c -> c < 'Ĳ' ? null : LIGATURES.get(c));
  }

  static String fixCharacterWidth(String text) {
    return translate(
        text,
        c ->
            c == 0x3000
                ? " "
                : c >= WIDTH_FIRST && c <= WIDTH_LAST ? WIDTH[c - WIDTH_FIRST] : null);
  }

  static String uncurlQuotes(String text) {
    return translate(
        text,
        c ->
            c == 0x02BC || (c >= 0x2018 && c <= 0x201B)
                ? "'"
                : c >= 0x201C && c <= 0x201F ? "\"" : null);
  }

  static String fixLineBreaks(String text) {
    return text.replace("\r\n", "\n")
        .replace('\r', '\n')
        .replace('\u2028', '\n')
        .replace('\u2029', '\n')
        .replace('\u0085', '\n');
  }

  static String fixSurrogates(String text) {
    return translate(text, c -> c >= 0xD800 && c <= 0xDFFF ? "\uFFFD" : null);
  }

  static String removeTerminalEscapes(String text) {
    if (text.indexOf('\u001B') < 0) {
      return text;
    }
    return TERMINAL_ESCAPE.matcher(text).replaceAll("");
  }

  static String removeControlChars(String text) {
    return translate(
        text,
        c ->
            (c <= 0x08
                    || c == 0x0B
                    || (c >= 0x0E && c <= 0x1F)
                    || c == 0x7F
                    || (c >= 0x206A && c <= 0x206F)
                    || c == 0xFEFF
                    || (c >= 0xFFF9 && c <= 0xFFFC))
                ? ""
                : null);
  }

  /**
   * Whether no step would change {@code text}: it holds no character that one of the
   * character-level fixes replaces or removes, no '&' when entities are decoded, is not bad
   * mojibake, and is in NFC. (The steps themselves find out too, at the cost of a dozen passes.)
   */
  static boolean nothingToFix(String text, boolean unescapeHtml) {
    for (int i = 0; i < text.length(); ) {
      int c = text.codePointAt(i);
      i += Character.charCount(c);
      if (c < 0x80) {
        boolean control = c < 0x20 && c != '\t' && c != '\n' && c != '\f';
        if (control || c == 0x7F || (c == '&' && unescapeHtml)) {
          return false;
        }
      } else if (c <= 0x9F // C1 controls, NEXT LINE
          || (c >= 'Ĳ' && LIGATURES.containsKey(c))
          || c == 0x02BC
          || (c >= 0x2018 && c <= 0x201F) // curly quotes
          || c == 0x2028
          || c == 0x2029
          || (c >= 0x206A && c <= 0x206F)
          || c == 0x3000
          || (c >= 0xD800 && c <= 0xDFFF) // a lone surrogate
          || c == 0xFEFF
          || (c >= 0xFF01 && c <= 0xFFEF) // width forms
          || (c >= 0xFFF9 && c <= 0xFFFC)) {
        return false;
      }
    }
    return Normalizer.isNormalized(text, Normalizer.Form.NFC) && !MojibakeHeuristic.isBad(text);
  }

  /**
   * Python's {@code str.translate}: each code point by its mapping, or itself where it has none.
   */
  private static String translate(String text, IntFunction<String> mapping) {
    StringBuilder out = null;
    for (int i = 0; i < text.length(); ) {
      int c = text.codePointAt(i);
      int next = i + Character.charCount(c);
      String mapped = mapping.apply(c);
      if (mapped != null && out == null) {
        out = new StringBuilder(text.length()).append(text, 0, i);
      }
      if (out != null) {
        if (mapped != null) {
          out.append(mapped);
        } else {
          out.append(text, i, next);
        }
      }
      i = next;
    }
    return out == null ? text : out.toString();
  }

  /**
   * The HTML5 names that end in ';', and, for each all-lowercase one, its all-caps form decoding to
   * its uppercased text, unless {@code html.unescape} would read the capitals otherwise.
   */
  private static Map<String, String> htmlEntities() {
    Map<String, String> entities = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : HtmlCharacterReferences.NAMED.entrySet()) {
      String name = e.getKey();
      if (!name.endsWith(";")) {
        continue;
      }
      entities.put("&" + name, e.getValue());
      if (name.equals(name.toLowerCase(Locale.ROOT))) {
        String upper = "&" + name.toUpperCase(Locale.ROOT);
        if (HtmlCharacterReferences.unescape(upper).equals(upper)) {
          entities.put(upper, e.getValue().toUpperCase(Locale.ROOT));
        }
      }
    }
    return Collections.unmodifiableMap(entities);
  }

  /** chardata.WIDTH_MAP: the NFKC form of each of U+FF01-U+FFEF that has another. */
  private static String[] widthForms() {
    String[] forms = new String[WIDTH_LAST - WIDTH_FIRST + 1];
    for (int c = WIDTH_FIRST; c <= WIDTH_LAST; c++) {
      String s = Character.toString(c);
      String nfkc = Normalizer.normalize(s, Normalizer.Form.NFKC);
      forms[c - WIDTH_FIRST] = nfkc.equals(s) ? null : nfkc;
    }
    return forms;
  }
}
