package dev.cir.clip.io;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one way JSON files are read here: strict parsing (Gson's lenient defaults would take
 * unquoted strings and trailing data), then binding to records, with one style of error that names
 * the file and the field: {@code where: missing field 'architecture.embed_dim'}, {@code where:
 * field 'reference' must be a string, found a number (3)}.
 *
 * <p>A record component binds the JSON field of its name in snake_case ({@code embedDim} ←
 * {@code embed_dim}), or the name given by {@link Name}. A component is required unless marked
 * {@link Optional} (then absent or null gives null, so optional numbers are boxed). Components may
 * be {@code String}, {@code boolean}, {@code int}, {@code long}, {@code float}, {@code double} (or
 * their boxes), {@code int[]}, {@code List<T>}, {@code Map<String, T>} (in the file's order), another
 * record, or {@link JsonElement} for a value the caller reads itself. Fields the record does not
 * name are ignored, so newer files still read. An {@link IllegalArgumentException} of the record's
 * constructor (its own checks) is reported at the record's path.
 */
public final class JsonBinding {
  /** Makes the exception a reader throws, from a message that already names file and field. */
  @FunctionalInterface
  public interface Errors {
    RuntimeException error(String message, Throwable cause);
  }

  /** A component that may be absent or null in the JSON. */
  @Retention(RetentionPolicy.RUNTIME)
  @Target(ElementType.RECORD_COMPONENT)
  public @interface Optional {}

  /** The JSON name of a component, where it is not the component's name in snake_case. */
  @Retention(RetentionPolicy.RUNTIME)
  @Target(ElementType.RECORD_COMPONENT)
  public @interface Name {
    String value();
  }

  private final String where;
  private final Errors errors;

  private JsonBinding(String where, Errors errors) {
    this.where = where;
    this.errors = errors;
  }

  /**
   * One JSON value, strictly: exactly one value, nothing after it.
   *
   * @param where the file (or {@code file:line}), named in the error
   */
  public static JsonElement parse(Reader in, String where, Errors errors) {
    try {
      JsonReader reader = new JsonReader(in);
      reader.setStrictness(Strictness.STRICT);
      JsonElement element = JsonParser.parseReader(reader);
      if (reader.peek() != JsonToken.END_DOCUMENT) {
        throw new JsonParseException("unexpected data after the JSON value");
      }
      return element;
    } catch (JsonParseException | IllegalStateException | IOException e) {
      throw errors.error(where + ": malformed JSON: " + e.getMessage(), e);
    }
  }

  /** {@link #parse(Reader, String, Errors)} of a string. */
  public static JsonElement parse(String json, String where, Errors errors) {
    return parse(new StringReader(json), where, errors);
  }

  /**
   * {@code json} bound to {@code type}.
   *
   * @param where the file (or {@code file:line}, {@code file $[3]}), named in every error
   */
  public static <R extends Record> R bind(JsonElement json, Class<R> type, String where, Errors errors) {
    JsonBinding b = new JsonBinding(where, errors);
    return type.cast(b.record(json, type, ""));
  }

  /** {@link #bind} of a strictly parsed string. */
  public static <R extends Record> R read(String json, Class<R> type, String where, Errors errors) {
    return bind(parse(json, where, errors), type, where, errors);
  }

  /** The JSON object {@code e}, or an error saying what was found instead. */
  public static JsonObject object(JsonElement e, String where, Errors errors) {
    if (e == null || !e.isJsonObject()) {
      throw errors.error(where + ": expected a JSON object, found " + describe(e), null);
    }
    return e.getAsJsonObject();
  }

  /** The JSON array {@code e}, or an error saying what was found instead. */
  public static JsonArray array(JsonElement e, String where, Errors errors) {
    if (e == null || !e.isJsonArray()) {
      throw errors.error(where + ": expected a JSON array, found " + describe(e), null);
    }
    return e.getAsJsonArray();
  }

  /** Every element of a JSON array as a string; {@code what} (file and field) begins the error. */
  public static List<String> stringList(JsonElement e, String what, Errors errors) {
    if (e == null || !e.isJsonArray()) {
      throw errors.error(what + " must be a list of strings, found " + describe(e), null);
    }
    JsonArray a = e.getAsJsonArray();
    List<String> out = new ArrayList<>(a.size());
    for (int i = 0; i < a.size(); i++) {
      if (!isString(a.get(i))) {
        throw errors.error(what + " must be a list of strings, element " + i + " is " + describe(a.get(i)), null);
      }
      out.add(a.get(i).getAsString());
    }
    return out;
  }

  public static boolean isString(JsonElement e) {
    return e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isString();
  }

  /** A short description of a JSON value for error messages. */
  public static String describe(JsonElement e) {
    if (e == null) {
      return "nothing";
    }
    if (e.isJsonNull()) {
      return "null";
    }
    if (e.isJsonObject()) {
      return "an object";
    }
    if (e.isJsonArray()) {
      return "a list";
    }
    JsonPrimitive p = e.getAsJsonPrimitive();
    if (p.isBoolean()) {
      return "a boolean (" + p.getAsBoolean() + ")";
    }
    if (p.isNumber()) {
      return "a number (" + p.getAsString() + ")";
    }
    String s = p.getAsString();
    return "a string (\"" + (s.length() > 40 ? s.substring(0, 40) + "..." : s) + "\")";
  }

  /** {@code embedDim} → {@code embed_dim}. */
  static String snakeCase(String name) {
    StringBuilder b = new StringBuilder(name.length() + 4);
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (Character.isUpperCase(c)) {
        b.append('_').append(Character.toLowerCase(c));
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  /** What binding a record type needs, found once per type. */
  private record Shape(Constructor<?> constructor, String[] keys, Type[] types, boolean[] optional) {
    static Shape of(Class<?> type) {
      RecordComponent[] components = type.getRecordComponents();
      String[] keys = new String[components.length];
      Type[] types = new Type[components.length];
      Class<?>[] raw = new Class<?>[components.length];
      boolean[] optional = new boolean[components.length];
      for (int i = 0; i < components.length; i++) {
        RecordComponent c = components[i];
        Name n = c.getAnnotation(Name.class);
        keys[i] = n != null ? n.value() : snakeCase(c.getName());
        types[i] = c.getGenericType();
        raw[i] = c.getType();
        optional[i] = c.getAnnotation(Optional.class) != null;
        if (optional[i] && raw[i].isPrimitive()) {
          throw new IllegalStateException(type.getName() + "." + c.getName() + " is optional but primitive");
        }
      }
      try {
        Constructor<?> ctor = type.getDeclaredConstructor(raw);
        ctor.setAccessible(true);
        return new Shape(ctor, keys, types, optional);
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("cannot bind " + type.getName(), e);
      }
    }
  }

  private static final ClassValue<Shape> SHAPES =
      new ClassValue<>() {
        @Override
        protected Shape computeValue(Class<?> type) {
          return Shape.of(type);
        }
      };

  private Object record(JsonElement json, Class<?> type, String path) {
    if (json == null || !json.isJsonObject()) {
      throw error(path.isEmpty() ? where + ": expected a JSON object, found " + describe(json) : field(path) + " must be an object, found " + describe(json));
    }
    JsonObject o = json.getAsJsonObject();
    Shape shape = SHAPES.get(type);
    Object[] values = new Object[shape.keys().length];
    for (int i = 0; i < values.length; i++) {
      String key = shape.keys()[i];
      String at = path.isEmpty() ? key : path + "." + key;
      JsonElement e = o.get(key);
      if (e == null || e.isJsonNull()) {
        if (!shape.optional()[i]) {
          throw error(where + ": missing field '" + at + "'");
        }
      } else {
        values[i] = value(e, shape.types()[i], at);
      }
    }
    try {
      return shape.constructor().newInstance(values);
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof IllegalArgumentException iae) {
        throw errors.error((path.isEmpty() ? where : field(path)) + ": " + iae.getMessage(), iae);
      }
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new IllegalStateException(e.getCause());
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot bind " + type.getName(), e);
    }
  }

  private Object value(JsonElement e, Type type, String path) {
    if (type instanceof Class<?> c) {
      if (c == JsonElement.class) {
        return e;
      }
      if (c == String.class) {
        if (!isString(e)) {
          throw error(field(path) + " must be a string, found " + describe(e));
        }
        return e.getAsString();
      }
      if (c == boolean.class || c == Boolean.class) {
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) {
          throw error(field(path) + " must be true or false, found " + describe(e));
        }
        return e.getAsBoolean();
      }
      if (c == int.class || c == Integer.class) {
        return (int) integer(e, path, Integer.MIN_VALUE, Integer.MAX_VALUE);
      }
      if (c == long.class || c == Long.class) {
        return integer(e, path, Long.MIN_VALUE, Long.MAX_VALUE);
      }
      if (c == double.class || c == Double.class) {
        return number(e, path);
      }
      if (c == float.class || c == Float.class) {
        return (float) number(e, path);
      }
      if (c == int[].class) {
        if (!e.isJsonArray()) {
          throw error(field(path) + " must be a list of integers, found " + describe(e));
        }
        JsonArray a = e.getAsJsonArray();
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
          out[i] = (int) integer(a.get(i), path + "[" + i + "]", Integer.MIN_VALUE, Integer.MAX_VALUE);
        }
        return out;
      }
      if (c.isRecord()) {
        return record(e, c, path);
      }
      throw new IllegalStateException("cannot bind a " + c.getName() + " at " + path);
    }
    if (type instanceof ParameterizedType p && p.getRawType() == List.class) {
      Type element = p.getActualTypeArguments()[0];
      if (element == String.class) {
        return Collections.unmodifiableList(stringList(e, field(path), errors));
      }
      if (!e.isJsonArray()) {
        throw error(field(path) + " must be " + listOf(element) + ", found " + describe(e));
      }
      JsonArray a = e.getAsJsonArray();
      List<Object> out = new ArrayList<>(a.size());
      for (int i = 0; i < a.size(); i++) {
        out.add(value(a.get(i), element, path + "[" + i + "]"));
      }
      return Collections.unmodifiableList(out);
    }
    if (type instanceof ParameterizedType p && p.getRawType() == Map.class && p.getActualTypeArguments()[0] == String.class) {
      if (!e.isJsonObject()) {
        throw error(field(path) + " must be an object, found " + describe(e));
      }
      Map<String, Object> out = new LinkedHashMap<>();
      for (Map.Entry<String, JsonElement> x : e.getAsJsonObject().entrySet()) {
        out.put(x.getKey(), value(x.getValue(), p.getActualTypeArguments()[1], path + "." + x.getKey()));
      }
      return Collections.unmodifiableMap(out);
    }
    throw new IllegalStateException("cannot bind a " + type + " at " + path);
  }

  private long integer(JsonElement e, String path, long min, long max) {
    if (e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()) {
      try {
        BigDecimal d = e.getAsBigDecimal();
        long v = d.longValueExact();
        if (v >= min && v <= max) {
          return v;
        }
      } catch (ArithmeticException | NumberFormatException ignored) {
        // not integral or too large: reported below
      }
    }
    throw error(field(path) + (max == Integer.MAX_VALUE ? " must be a 32-bit integer" : " must be an integer") + ", found " + describe(e));
  }

  private double number(JsonElement e, String path) {
    if (e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()) {
      return e.getAsDouble();
    }
    throw error(field(path) + " must be a number, found " + describe(e));
  }

  private static String listOf(Type element) {
    if (element == String.class) {
      return "a list of strings";
    }
    if (element == Integer.class || element == Long.class) {
      return "a list of integers";
    }
    return "a list";
  }

  private String field(String path) {
    return where + ": field '" + path + "'";
  }

  private RuntimeException error(String message) {
    return errors.error(message, null);
  }
}
