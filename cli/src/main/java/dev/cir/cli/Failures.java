package dev.cir.cli;

/** Turns an exception into the one line a user reads. */
final class Failures {
  private Failures() {}

  static String oneLine(Throwable ex) {
    Throwable t = ex;
    // unwrap wrappers that add nothing for the reader
    while (t.getCause() != null
        && (t.getMessage() == null
            || t instanceof java.util.concurrent.ExecutionException
            || t instanceof java.io.UncheckedIOException
            || t.getMessage().equals(t.getCause().toString()))) {
      t = t.getCause();
    }
    String msg = t.getMessage();
    if (msg == null || msg.isBlank()) {
      msg = t.getClass().getSimpleName();
    } else if (t instanceof java.nio.file.NoSuchFileException) {
      msg = msg + ": no such file";
    } else if (t instanceof java.nio.file.AccessDeniedException) {
      msg = msg + ": permission denied";
    } else if (t instanceof OutOfMemoryError) {
      msg = "out of memory (" + msg + "); raise the heap with CIR_JAVA_OPTS=-Xmx...";
    }
    return msg.replace('\n', ' ').strip();
  }
}
