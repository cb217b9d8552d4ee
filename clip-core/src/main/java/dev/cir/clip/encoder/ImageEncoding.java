package dev.cir.clip.encoder;

import java.nio.file.Path;
import java.util.Optional;

/** The outcome of encoding one image file: its features, or why it could not be encoded. */
public record ImageEncoding(Path file, float[] features, RuntimeException failure) {
  public boolean succeeded() {
    return failure == null;
  }

  public Optional<RuntimeException> error() {
    return Optional.ofNullable(failure);
  }
}
