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
 * @param stepsPerEpoch updates per epoch, each epoch taking the first batches of its own shuffled
 *     order; 0 (or more than the data holds) for a pass over the whole training split
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
    boolean resume,
    int stepsPerEpoch) {

  /** Updates between the checkpoints a run writes besides each epoch's, unless told otherwise. */
  public static final int DEFAULT_CHECKPOINT_EVERY = 200;

  /** Newest checkpoints a run keeps, unless told otherwise. */
  public static final int DEFAULT_KEEP_CHECKPOINTS = 2;

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
    if (stepsPerEpoch < 0) {
      throw new IllegalArgumentException("--steps-per-epoch must not be negative, got " + stepsPerEpoch);
    }
    if (validateEvery < 1) {
      throw new IllegalArgumentException("--validate-every must be at least 1, got " + validateEvery);
    }
  }

  /** Each epoch a pass over the whole training split. */
  public TrainingSettings(
      int epochs, int batchSize, double lr, long warmupSteps, boolean cosine, double clipNorm, long seed,
      int checkpointEvery, int validateEvery, int keepCheckpoints, boolean resume) {
    this(epochs, batchSize, lr, warmupSteps, cosine, clipNorm, seed, checkpointEvery, validateEvery, keepCheckpoints, resume, 0);
  }
}
