package dev.cir.eval.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes small dataset trees for reader tests. */
final class DatasetFiles {
  private DatasetFiles() {}

  static Path write(Path file, String text) {
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(file, text, StandardCharsets.UTF_8);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** An empty file standing in for an image: the readers only check existence. */
  static void touch(Path file) {
    write(file, "");
  }

  /** JSON text with single quotes, to keep test literals readable. */
  static String json(String singleQuoted) {
    return singleQuoted.replace('\'', '"');
  }
}
