package dev.cir.clip.text.ftfy;

import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Python 3.11's {@code html.unescape}: named and numeric character references decoded by the HTML5
 * tokenizer's rules, as OpenAI's {@code basic_clean} applies them.
 *
 * <p>A reference is {@code &} then {@code #digits}, {@code #x} and hex digits, or a name of up to
 * 32 characters (none of tab, newline, form feed, space, {@code < & # ;}), each with an optional
 * {@code ;}. A name decodes whole when it is in the HTML5 table; otherwise its longest prefix of at
 * least two characters that is one of the legacy names valid without {@code ;} (such as {@code
 * amp}, {@code not}, {@code eacute}) decodes and the rest of the name stays. Numbers follow the
 * spec's replacement table ({@code &#x80;} is €, {@code &#0;} is U+FFFD), surrogates and numbers
 * past U+10FFFF become U+FFFD, and the code points the spec forbids (most C0 and C1 controls,
 * noncharacters) vanish. The tables are Python's own, in {@code html5-character-references.txt}.
 */
public final class HtmlCharacterReferences {
  private static final Pattern REFERENCE =
      Pattern.compile("&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\\t\\n\\f <&#;]{1,32};?)");
  private static final int PAST_UNICODE = 0x110000;

  /** {@code html.entities.html5}: name (with its {@code ;}, or a legacy name without) to text. */
  static final Map<String, String> NAMED;

  private static final Map<Integer, String> INVALID_REFERENCES;
  private static final Set<Integer> INVALID_CODE_POINTS;

  static {
    Map<String, String> named = new LinkedHashMap<>();
    Map<Integer, String> invalidReferences = new HashMap<>();
    Set<Integer> invalidCodePoints = new HashSet<>();
    String section = "";
    for (String line : TableResource.lines("html5-character-references.txt")) {
      if (line.startsWith("[")) {
        section = line;
        continue;
      }
      String[] fields = line.split("\t", -1);
      switch (section) {
        case "[named]" -> named.put(fields[0], TableResource.codePoints(fields[1]));
        case "[invalid-charrefs]" ->
            invalidReferences.put(
                Integer.parseInt(fields[0], 16), TableResource.codePoints(fields[1]));
        case "[invalid-codepoints]" -> invalidCodePoints.add(Integer.parseInt(fields[0], 16));
        default -> throw new IllegalStateException("unknown section " + section);
      }
    }
    NAMED = Collections.unmodifiableMap(named);
    INVALID_REFERENCES = Map.copyOf(invalidReferences);
    INVALID_CODE_POINTS = Set.copyOf(invalidCodePoints);
  }

  private HtmlCharacterReferences() {}

  /** {@code html.unescape(text)}. */
  public static String unescape(String text) {
    if (text.indexOf('&') < 0) {
      return text;
    }
    Matcher m = REFERENCE.matcher(text);
    if (!m.find()) {
      return text;
    }
    StringBuilder out = new StringBuilder(text.length());
    int last = 0;
    do {
      out.append(text, last, m.start()).append(decode(m.group(1)));
      last = m.end();
    } while (m.find());
    return out.append(text, last, text.length()).toString();
  }

  /** The text of one reference, {@code reference} being what follows its {@code &}. */
  private static String decode(String reference) {
    if (reference.charAt(0) == '#') {
      boolean hex = reference.charAt(1) == 'x' || reference.charAt(1) == 'X';
      return numbered(number(reference, hex ? 2 : 1, hex ? 16 : 10));
    }
    String text = NAMED.get(reference);
    if (text != null) {
      return text;
    }
    // the longest prefix that is a name; only legacy names can match, as ';' ends a reference
    for (int end = reference.length() - 1; end > 1; end--) {
      text = NAMED.get(reference.substring(0, end));
      if (text != null) {
        return text + reference.substring(end);
      }
    }
    return "&" + reference;
  }

  /** The digits from {@code start} up to an optional ';', saturated just past Unicode. */
  private static int number(String reference, int start, int radix) {
    long n = 0;
    for (int i = start; i < reference.length() && reference.charAt(i) != ';'; i++) {
      n = Math.min(n * radix + Character.digit(reference.charAt(i), radix), PAST_UNICODE);
    }
    return (int) n;
  }

  private static String numbered(int n) {
    String replacement = INVALID_REFERENCES.get(n);
    if (replacement != null) {
      return replacement;
    }
    if ((n >= 0xD800 && n <= 0xDFFF) || n >= PAST_UNICODE) {
      return "\uFFFD";
    }
    if (INVALID_CODE_POINTS.contains(n)) {
      return "";
    }
    return Character.toString(n);
  }
}
