package dev.cir.train.loop;

/**
 * How long and how a run trains, and how it protects itself.
 *
 * @param warmupSteps updates of linear learning-rate warm-up (0: none)
 * @param cosine whether the rate decays along a cosine to 0 at the last update
 * @param clipNorm largest global gradient norm, or 0 for no clipping
 * @param checkpointEvery a checkpoint every this many updates besides each epoch's (0: epochs only)
 * @param validateEvery validate every this many epochs (the last epoch always)
 * @param keepCheckpoints how many of the newest checkpoints to keep
 */
public record TrainingSettings(
    int epochs,
    int batchSize,
    double lr,
    long warmupSteps,
    boolean cosine,
    double clipNorm,
    long seed,
    int checkpointEvery,
    int validateEvery,
    int keepCheckpoints,
    boolean resume) {

  public TrainingSettings {
    if (epochs < 1) {
      throw new IllegalArgumentException("--epochs must be at least 1, got " + epochs);
    }
    if (batchSize < 2) {
      throw new IllegalArgumentException("--batch-size must be at least 2 (the other examples of a batch are the negatives), got " + batchSize);
    }
    if (!(lr > 0)) {
      throw new IllegalArgumentException("--lr must be positive, got " + lr);
    }
    if (warmupSteps < 0 || clipNorm < 0 || checkpointEvery < 0) {
      throw new IllegalArgumentException("--warmup, --clip-norm and --checkpoint-every must not be negative");
    }
    if (validateEvery < 1) {
      throw new IllegalArgumentException("--validate-every must be at least 1, got " + validateEvery);
    }
  }
}
