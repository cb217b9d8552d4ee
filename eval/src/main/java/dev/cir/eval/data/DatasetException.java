package dev.cir.eval.data;

/**
 * A dataset that cannot be read as it is: a missing file (named, with the layout that was
 * expected), a malformed entry ({@code file:line} and what is wrong), an image id that no gallery
 * lists, or image files that do not exist. The message says what to fix.
 */
public class DatasetException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public DatasetException(String message) {
    super(message);
  }

  public DatasetException(String message, Throwable cause) {
    super(message, cause);
  }
}
