package dev.cir.train.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * The images a training run reads, by position: batches of model inputs [n, 3, R, R], made from
 * 8-bit RGB planes at the model's resolution (the preprocessor's output before {@code ToTensor}),
 * normalized as the batch is made, so every kind gives the same inputs bit for bit. Kept in memory
 * ({@link MemoryImages}), in a file of the run's read through the page cache ({@link DiskImages}), or
 * not kept at all and decoded ahead of the batches by worker threads ({@link StreamedImages}).
 */
public interface TrainingImages extends AutoCloseable {
  int size();

  boolean contains(String id);

  /** The position of image {@code id}. */
  int indexOf(String id);

  /** The images at {@code positions} as one batch [n, 3, R, R] of model inputs on {@code manager}. */
  NDArray batch(NDManager manager, int[] positions);

  /**
   * Images a later batch will ask for, in the order of the batches: an image source that reads
   * files may start on them now. The others ignore it.
   */
  default void upcoming(int[] positions) {}

  /** How many batches ahead {@link #upcoming} is worth calling (0: not at all). */
  default int lookahead() {
    return 0;
  }

  /** Bytes the images take in memory (in the page cache, for a mapped file), beyond what is in flight. */
  long bytes();

  /** One line for the log: what is kept where, and how large. */
  String describe();

  @Override
  default void close() {}
}
