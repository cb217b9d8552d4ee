package dev.cir.clip.image;

/**
 * An image that cannot be decoded or preprocessed: missing, empty, truncated, corrupt, of an
 * unsupported format, or larger than the configured pixel limit. The message starts with the file
 * or source name and says what is wrong.
 */
public class InvalidImageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String source;

  public InvalidImageException(String source, String problem) {
    super(source + ": " + problem);
    this.source = source;
  }

  public InvalidImageException(String source, String problem, Throwable cause) {
    super(source + ": " + problem, cause);
    this.source = source;
  }

  /** The file or source name the image came from. */
  public String source() {
    return source;
  }
}
