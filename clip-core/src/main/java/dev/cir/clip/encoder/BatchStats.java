package dev.cir.clip.encoder;

/**
 * What one tower's batcher has done since the encoder opened: how many passes, how full, how long
 * requests waited for one, and how long the passes took.
 *
 * @param tower text, image or combiner
 * @param maxBatch the most rows a pass takes
 * @param workers passes that may run at once
 * @param batches forward passes run
 * @param requests requests served (a request is one caller's rows)
 * @param rows rows encoded
 * @param failures requests that failed
 * @param queueNanos summed time requests waited for a pass
 * @param forwardNanos summed time of the passes
 * @param queued requests waiting now
 * @param batchSizes passes by their number of rows: {@code batchSizes[k]} passes of k rows
 */
public record BatchStats(
    String tower, int maxBatch, int workers, long batches, long requests, long rows, long failures, long queueNanos,
    long forwardNanos, int queued, long[] batchSizes) {

  /** Rows per pass, on average (0 before the first). */
  public double meanBatch() {
    return batches == 0 ? 0 : rows / (double) batches;
  }

  /** Mean wait of a request for its pass, in milliseconds. */
  public double meanQueueMillis() {
    return requests == 0 ? 0 : queueNanos / 1e6 / requests;
  }

  /** Mean duration of a pass, in milliseconds. */
  public double meanForwardMillis() {
    return batches == 0 ? 0 : forwardNanos / 1e6 / batches;
  }
}
