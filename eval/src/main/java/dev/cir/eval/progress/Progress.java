package dev.cir.eval.progress;

/** One long task's progress: steps done out of a known total, and a short status line. */
public interface Progress extends AutoCloseable {
  /** Records {@code n} more steps done. */
  void step(long n);

  /** A status shown beside the bar (loss, throughput, ...). */
  void status(String message);

  @Override
  void close();

  /** Progress nobody watches. */
  static Progress none() {
    return new Progress() {
      @Override
      public void step(long n) {}

      @Override
      public void status(String message) {}

      @Override
      public void close() {}
    };
  }
}
