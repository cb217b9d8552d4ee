package dev.cir.clip.text;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Expected values computed by Python 3.11 ({@code src/test/resources/text/generate_expected.py}).
 */
public final class ExpectedValues {
  private ExpectedValues() {}

  public static JsonObject load(String name) {
    try (InputStream in = ExpectedValues.class.getResourceAsStream("/text/" + name)) {
      if (in == null) {
        throw new IllegalStateException("test resource text/" + name + " is missing");
      }
      return JsonParser.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8))
          .getAsJsonObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
