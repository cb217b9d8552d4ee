package dev.cir.clip.io;

/**
 * A model file, bundle or state dict that cannot be used as it is. The message names the file and,
 * where one is at fault, the tensor.
 */
public class InvalidModelException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public InvalidModelException(String message) {
    super(message);
  }

  public InvalidModelException(String message, Throwable cause) {
    super(message, cause);
  }
}
