package dev.cir.eval.synth;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The words of the synthetic dataset: scene captions and edit instructions, both written from
 * templates and parsed back by the same templates, so every text can be checked against the scene
 * it claims to describe.
 *
 * <p>A caption lists the objects in reading order: "a large red circle at the top left, a small
 * blue star in the center and a small green square on the right". Instructions come in a few
 * phrasings per kind ("make the red circle blue", "change the red circle to blue", ...); the
 * placeholders are {@code {c} {c2}} colors, {@code {s} {s2}} shapes, {@code {z}} a size, {@code
 * {at}} a slot's place phrase and {@code {to}} its direction phrase. The vocabularies are disjoint,
 * so each text parses one way only.
 */
public final class SceneText {
  private static final Map<Edit.Kind, List<String>> TEMPLATES = new EnumMap<>(Edit.Kind.class);

  static {
    TEMPLATES.put(
        Edit.Kind.RECOLOR,
        List.of(
            "make the {c} {s} {c2}",
            "change the {c} {s} to {c2}",
            "turn the {c} {s} {c2}",
            "paint the {c} {s} {c2}"));
    TEMPLATES.put(
        Edit.Kind.ADD,
        List.of("add a {z} {c} {s} {at}", "put a {z} {c} {s} {at}", "place a {z} {c} {s} {at}"));
    TEMPLATES.put(
        Edit.Kind.REMOVE,
        List.of("remove the {c} {s}", "take away the {c} {s}", "delete the {c} {s}"));
    TEMPLATES.put(
        Edit.Kind.REPLACE,
        List.of(
            "replace the {s} with a {s2}", "swap the {s} for a {s2}", "turn the {s} into a {s2}"));
    TEMPLATES.put(
        Edit.Kind.MOVE, List.of("move the {s} {to}", "shift the {s} {to}", "slide the {s} {to}"));
    TEMPLATES.put(Edit.Kind.RESIZE, List.of("make the {s} {z}", "resize the {s} to {z}"));
  }

  private static final Map<String, String> VOCABULARY =
      Map.of(
          "c", alternatives(NamedColor.values(), NamedColor::word),
          "c2", alternatives(NamedColor.values(), NamedColor::word),
          "s", alternatives(Shape.values(), Shape::word),
          "s2", alternatives(Shape.values(), Shape::word),
          "z", alternatives(ObjectSize.values(), ObjectSize::word),
          "at", alternatives(Slot.values(), Slot::at),
          "to", alternatives(Slot.values(), Slot::to));

  private static final Pattern PLACEHOLDER = Pattern.compile("\\{([a-z]+2?)\\}");
  private static final Pattern OBJECT = compile("a {z} {c} {s} {at}");
  private static final Map<Edit.Kind, List<Pattern>> PATTERNS = new EnumMap<>(Edit.Kind.class);

  static {
    TEMPLATES.forEach(
        (kind, templates) ->
            PATTERNS.put(kind, templates.stream().map(SceneText::compile).toList()));
  }

  private SceneText() {}

  /** The caption of a scene, objects in reading order. */
  public static String caption(Scene scene) {
    List<String> phrases = scene.objects().stream().map(SceneObject::phrase).toList();
    int n = phrases.size();
    if (n == 1) {
      return phrases.get(0);
    }
    return String.join(", ", phrases.subList(0, n - 1)) + " and " + phrases.get(n - 1);
  }

  /**
   * The scene a caption describes.
   *
   * @throws IllegalArgumentException if the text is not a caption this class writes
   */
  public static Scene parseCaption(String caption) {
    List<String> pieces = new ArrayList<>(List.of(caption.split(", ", -1)));
    String last = pieces.remove(pieces.size() - 1);
    int and = last.lastIndexOf(" and ");
    if (and >= 0) {
      pieces.add(last.substring(0, and));
      pieces.add(last.substring(and + " and ".length()));
    } else if (!pieces.isEmpty()) {
      throw new IllegalArgumentException("not a scene caption: '" + caption + "'");
    } else {
      pieces.add(last);
    }
    List<SceneObject> objects = new ArrayList<>();
    for (String piece : pieces) {
      Matcher m = OBJECT.matcher(piece);
      if (!m.matches()) {
        throw new IllegalArgumentException(
            "not an object phrase: '" + piece + "' in '" + caption + "'");
      }
      objects.add(new SceneObject(shape(m, "s"), color(m, "c"), size(m), slotAt(m.group("at"))));
    }
    return new Scene(objects);
  }

  /** How many phrasings the kind has. */
  public static int phrasings(Edit.Kind kind) {
    return TEMPLATES.get(kind).size();
  }

  /**
   * The instruction for an edit in one of its phrasings.
   *
   * @param phrasing 0 to {@code phrasings(edit.kind()) - 1}
   */
  public static String instruction(Edit edit, int phrasing) {
    String template = TEMPLATES.get(edit.kind()).get(phrasing);
    Map<String, String> values = placeholders(edit);
    Matcher m = PLACEHOLDER.matcher(template);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(out, Matcher.quoteReplacement(values.get(m.group(1))));
    }
    m.appendTail(out);
    return out.toString();
  }

  /** The placeholder values an edit fills in. */
  private static Map<String, String> placeholders(Edit edit) {
    if (edit instanceof Edit.Recolor r) {
      return Map.of("c", r.from().word(), "s", r.shape().word(), "c2", r.to().word());
    } else if (edit instanceof Edit.Add a) {
      SceneObject o = a.object();
      return Map.of(
          "z", o.size().word(), "c", o.color().word(), "s", o.shape().word(), "at", o.slot().at());
    } else if (edit instanceof Edit.Remove r) {
      return Map.of("c", r.color().word(), "s", r.shape().word());
    } else if (edit instanceof Edit.Replace r) {
      return Map.of("s", r.from().word(), "s2", r.to().word());
    } else if (edit instanceof Edit.Move m) {
      return Map.of("s", m.shape().word(), "to", m.to().to());
    } else if (edit instanceof Edit.Resize r) {
      return Map.of("s", r.shape().word(), "z", r.to().word());
    }
    throw new IllegalArgumentException("unknown edit " + edit);
  }

  /**
   * The edit an instruction states.
   *
   * @throws IllegalArgumentException if the text is not an instruction this class writes
   */
  public static Edit parseInstruction(String text) {
    for (Map.Entry<Edit.Kind, List<Pattern>> e : PATTERNS.entrySet()) {
      for (Pattern p : e.getValue()) {
        Matcher m = p.matcher(text);
        if (m.matches()) {
          return edit(e.getKey(), m);
        }
      }
    }
    throw new IllegalArgumentException("not an edit instruction: '" + text + "'");
  }

  private static Edit edit(Edit.Kind kind, Matcher m) {
    return switch (kind) {
      case RECOLOR -> new Edit.Recolor(color(m, "c"), shape(m, "s"), color(m, "c2"));
      case ADD ->
          new Edit.Add(
              new SceneObject(shape(m, "s"), color(m, "c"), size(m), slotAt(m.group("at"))));
      case REMOVE -> new Edit.Remove(color(m, "c"), shape(m, "s"));
      case REPLACE -> new Edit.Replace(shape(m, "s"), shape(m, "s2"));
      case MOVE -> new Edit.Move(shape(m, "s"), slotTo(m.group("to")));
      case RESIZE -> new Edit.Resize(shape(m, "s"), size(m));
    };
  }

  private static Pattern compile(String template) {
    Matcher m = PLACEHOLDER.matcher(template);
    StringBuilder regex = new StringBuilder();
    int last = 0;
    while (m.find()) {
      regex.append(Pattern.quote(template.substring(last, m.start())));
      regex
          .append("(?<")
          .append(m.group(1))
          .append('>')
          .append(VOCABULARY.get(m.group(1)))
          .append(')');
      last = m.end();
    }
    regex.append(Pattern.quote(template.substring(last)));
    return Pattern.compile(regex.toString());
  }

  private static <T> String alternatives(T[] values, Function<T, String> word) {
    return Stream.of(values).map(word).map(Pattern::quote).collect(Collectors.joining("|"));
  }

  private static NamedColor color(Matcher m, String group) {
    return NamedColor.valueOf(m.group(group).toUpperCase(java.util.Locale.ROOT));
  }

  private static Shape shape(Matcher m, String group) {
    return Shape.valueOf(m.group(group).toUpperCase(java.util.Locale.ROOT));
  }

  private static ObjectSize size(Matcher m) {
    return ObjectSize.valueOf(m.group("z").toUpperCase(java.util.Locale.ROOT));
  }

  private static Slot slotAt(String phrase) {
    return Stream.of(Slot.values()).filter(s -> s.at().equals(phrase)).findFirst().orElseThrow();
  }

  private static Slot slotTo(String phrase) {
    return Stream.of(Slot.values()).filter(s -> s.to().equals(phrase)).findFirst().orElseThrow();
  }
}
