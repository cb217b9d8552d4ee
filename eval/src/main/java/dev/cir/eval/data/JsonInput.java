package dev.cir.eval.data;

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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Strict JSON reading with errors that say where: {@code file: problem} for whole files, {@code
 * file:line: problem} for JSON Lines. Gson's lenient defaults (unquoted strings, trailing data)
 * would hide broken files, so every parse is strict.
 */
final class JsonInput {
  private JsonInput() {}

  /** Parses a whole JSON file; {@code expected} tells the user what the file should have been. */
  static JsonElement parseFile(Path file, String expected) {
    requireFile(file, expected);
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      return parse(reader);
    } catch (JsonParseException | IllegalStateException e) {
      throw new DatasetException(file + ": malformed JSON: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new DatasetException(file + ": cannot read: " + e.getMessage(), e);
    }
  }

  /** Parses one line of a JSON Lines file; {@code where} is {@code file:line}. */
  static JsonObject parseLine(String line, String where) {
    JsonElement element;
    try {
      element = parse(new StringReader(line));
    } catch (JsonParseException | IllegalStateException | IOException e) {
      throw new DatasetException(where + ": malformed JSON: " + e.getMessage(), e);
    }
    return object(element, where);
  }

  /** Fails with a message naming the file and its expected role when it does not exist. */
  static void requireFile(Path file, String expected) {
    if (!Files.isRegularFile(file)) {
      throw new DatasetException("missing file " + file + ": expected " + expected);
    }
  }

  private static JsonElement parse(Reader in) throws IOException {
    JsonReader reader = new JsonReader(in);
    reader.setStrictness(Strictness.STRICT);
    JsonElement element = JsonParser.parseReader(reader);
    if (reader.peek() != JsonToken.END_DOCUMENT) {
      throw new JsonParseException("unexpected data after the JSON value");
    }
    return element;
  }

  static JsonObject object(JsonElement e, String where) {
    if (e == null || !e.isJsonObject()) {
      throw new DatasetException(where + ": expected a JSON object, found " + describe(e));
    }
    return e.getAsJsonObject();
  }

  static JsonArray array(JsonElement e, String where) {
    if (e == null || !e.isJsonArray()) {
      throw new DatasetException(where + ": expected a JSON array, found " + describe(e));
    }
    return e.getAsJsonArray();
  }

  /** A required string field. */
  static String string(JsonObject o, String field, String where) {
    String s = optionalString(o, field, where);
    if (s == null) {
      throw new DatasetException(where + ": missing field '" + field + "'");
    }
    return s;
  }

  /** A string field that may be absent (or null); present with another type is an error. */
  static String optionalString(JsonObject o, String field, String where) {
    JsonElement e = o.get(field);
    if (e == null || e.isJsonNull()) {
      return null;
    }
    if (!isString(e)) {
      throw new DatasetException(
          where + ": field '" + field + "' must be a string, found " + describe(e));
    }
    return e.getAsString();
  }

  /** A list-of-strings field that may be absent (null is returned). */
  static List<String> optionalStringList(JsonObject o, String field, String where) {
    JsonElement e = o.get(field);
    if (e == null || e.isJsonNull()) {
      return null;
    }
    return stringList(e, where + ": field '" + field + "'");
  }

  /** Every element of a JSON array as a string; {@code what} prefixes the error. */
  static List<String> stringList(JsonElement e, String what) {
    if (!e.isJsonArray()) {
      throw new DatasetException(what + " must be a list of strings, found " + describe(e));
    }
    JsonArray a = e.getAsJsonArray();
    List<String> out = new ArrayList<>(a.size());
    for (int i = 0; i < a.size(); i++) {
      if (!isString(a.get(i))) {
        throw new DatasetException(
            what + " must be a list of strings, element " + i + " is " + describe(a.get(i)));
      }
      out.add(a.get(i).getAsString());
    }
    return out;
  }

  static boolean isString(JsonElement e) {
    return e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isString();
  }

  /** A short description of a JSON value for error messages. */
  static String describe(JsonElement e) {
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
}
