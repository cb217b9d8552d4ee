package dev.cir.solr.update.processor;

import java.io.IOException;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The one directory index-time image paths may point into. A document's path is resolved against
 * it and refused when it is a URL, contains {@code ..}, or leads outside it, directly or through
 * a symbolic link: a document must not make Solr read an arbitrary file of the server.
 */
public final class ImageBaseDirectory {
  private final Path base;

  /** @throws IllegalArgumentException when {@code dir} does not exist */
  public ImageBaseDirectory(Path dir) {
    try {
      this.base = dir.toAbsolutePath().normalize().toRealPath();
    } catch (IOException e) {
      throw new IllegalArgumentException("image base directory " + dir + " does not exist or cannot be read", e);
    }
  }

  public Path path() {
    return base;
  }

  /**
   * The file {@code value} names, inside the base directory.
   *
   * @param value relative to the base directory, or absolute and inside it
   * @throws IllegalArgumentException saying why the path is refused
   */
  public Path resolve(String value) {
    String v = value.trim();
    String lower = v.toLowerCase(Locale.ROOT);
    if (lower.contains("://") || lower.startsWith("file:") || lower.startsWith("data:")) {
      throw new IllegalArgumentException("image path '" + v + "' is a URL; give a file path under " + base);
    }
    if (v.isEmpty()) {
      throw new IllegalArgumentException("image path is empty");
    }
    Path p;
    try {
      p = Path.of(v);
    } catch (InvalidPathException e) {
      throw new IllegalArgumentException("image path '" + v + "' is not a valid path: " + e.getReason());
    }
    for (Path part : p) {
      if (part.toString().equals("..")) {
        throw new IllegalArgumentException("image path '" + v + "' contains '..'; give a path under " + base);
      }
    }
    Path abs = (p.isAbsolute() ? p : base.resolve(p)).normalize();
    if (!abs.startsWith(base)) {
      throw new IllegalArgumentException("image path '" + v + "' is outside the image base directory " + base);
    }
    Path real;
    try {
      real = abs.toRealPath();
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException("image file '" + v + "' not found under " + base);
    } catch (IOException e) {
      throw new IllegalArgumentException("image file '" + v + "' cannot be read: " + e.getMessage());
    }
    if (!real.startsWith(base)) {
      throw new IllegalArgumentException(
          "image path '" + v + "' is a symbolic link leading outside the image base directory " + base);
    }
    return real;
  }
}
