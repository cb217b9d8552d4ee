package dev.cir.eval.data;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.cir.clip.io.JsonBinding;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The dataset readers' use of {@link JsonBinding}: its strict parsing and record binding, with
 * every error a {@link DatasetException} that says where, {@code file: problem} for whole files
 * and {@code file:line: problem} for JSON Lines.
 */
final class JsonInput {
  static final JsonBinding.Errors ERRORS = DatasetException::new;

  private JsonInput() {}

  /** Parses a whole JSON file; {@code expected} tells the user what the file should have been. */
  static JsonElement parseFile(Path file, String expected) {
    requireFile(file, expected);
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      return JsonBinding.parse(reader, file.toString(), ERRORS);
    } catch (IOException e) {
      throw new DatasetException(file + ": cannot read: " + e.getMessage(), e);
    }
  }

  /** Parses one line of a JSON Lines file as an object; {@code where} is {@code file:line}. */
  static JsonObject parseLine(String line, String where) {
    return JsonBinding.object(JsonBinding.parse(new StringReader(line), where, ERRORS), where, ERRORS);
  }

  /** {@code e} bound to {@code type}, errors naming {@code where} and the field. */
  static <R extends Record> R bind(JsonElement e, Class<R> type, String where) {
    return JsonBinding.bind(e, type, where, ERRORS);
  }

  /** Fails with a message naming the file and its expected role when it does not exist. */
  static void requireFile(Path file, String expected) {
    if (!Files.isRegularFile(file)) {
      throw new DatasetException("missing file " + file + ": expected " + expected);
    }
  }
}
