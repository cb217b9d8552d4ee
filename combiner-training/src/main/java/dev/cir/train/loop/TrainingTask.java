package dev.cir.train.loop;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.cir.clip.bundle.ModelBundle;
import dev.cir.clip.io.Tensor;
import dev.cir.train.optim.AdamW;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * One objective and the model it trains, as {@link TrainingLoop} drives it: the loss of a batch,
 * the optimizer over the trainable parameters, the weights to checkpoint, and a complete bundle
 * of the current weights for validation and output.
 */
public interface TrainingTask extends AutoCloseable {
  /** Examples in one epoch (triplets or image–caption pairs). */
  int examples();

  /** The optimizer over exactly the parameters this task trains (their arrays require gradients). */
  AdamW optimizer();

  /**
   * The mean loss of the examples at {@code positions}. Runs with gradients recorded, inside a
   * scope that frees everything created after the update.
   *
   * @param step a manager for the batch's arrays, closed after the update
   * @param random this batch's own generator (caption variants)
   */
  NDArray loss(NDManager step, int[] positions, SplittableRandom random);

  /**
   * The examples of a later batch, announced in the order the loop will ask for them, {@link
   * #lookahead} batches ahead: a task whose images are read from files starts reading them now.
   */
  default void upcoming(int[] positions) {}

  /** How many batches ahead the loop announces (0: none). */
  default int lookahead() {
    return 0;
  }

  /** Runs after each update with gradients off (e.g. clamping CLIP's logit scale). */
  default void afterUpdate() {}

  /** Every weight of the trained model, to checkpoint. */
  Map<String, Tensor> weights();

  /** Writes a complete bundle of the current weights into {@code dir}. */
  ModelBundle writeBundle(Path dir, Map<String, String> provenance) throws IOException;

  @Override
  void close();
}
