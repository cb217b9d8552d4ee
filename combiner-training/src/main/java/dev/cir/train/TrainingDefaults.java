package dev.cir.train;

/**
 * The default hyper-parameters of each command, in two sets: CLIP4Cir's published values for
 * OpenAI-size models (and FashionIQ / CIRR), and the values that train the {@code tiny}
 * architecture on the synthetic dataset on a CPU in minutes (docs/training.md has the
 * measurements). A run uses the tiny set when it trains {@code --arch tiny} or a bundle whose
 * architecture is named {@code tiny}.
 *
 * @param warmupSteps linear warm-up updates
 * @param cosine cosine decay to 0 after the warm-up (else constant, as CLIP4Cir)
 * @param clipNorm global gradient-norm bound, 0 for none
 * @param hardNegatives member images per triplet added to a batch's candidates as extra negatives
 *     (0: CLIP4Cir's objective, the batch's other targets only)
 * @param validateEvery validate every this many epochs (the last one always)
 * @param stepsPerEpoch updates per epoch (0: a pass over the whole training split)
 */
public record TrainingDefaults(
    int epochs, int batchSize, double lr, long warmupSteps, boolean cosine, double clipNorm, double weightDecay,
    double beta2, double eps, int hardNegatives, int validateEvery, int stepsPerEpoch) {

  /**
   * Gallery images a Combiner update ranks with gallery negatives ({@code --gallery-sample}), drawn
   * afresh each update from the training gallery (125,137 images in the default synthetic dataset).
   */
  public static final int GALLERY_SAMPLE = 8192;

  /**
   * Gallery images nearest to each triplet's target that join its batch's candidates in the tiny
   * recipe's Combiner ({@code --mined-negatives}): without them the Combiner ended below the sum on
   * three dataset seeds of six (docs/results/2026-12-03-combiner-negatives.md).
   */
  public static final int MINED_NEGATIVES = 32;

  /** Without hard negatives, validating every epoch. */
  public TrainingDefaults(
      int epochs, int batchSize, double lr, long warmupSteps, boolean cosine, double clipNorm, double weightDecay,
      double beta2, double eps) {
    this(epochs, batchSize, lr, warmupSteps, cosine, clipNorm, weightDecay, beta2, eps, 0, 1, 0);
  }

  /** Each epoch a pass over the whole training split. */
  public TrainingDefaults(
      int epochs, int batchSize, double lr, long warmupSteps, boolean cosine, double clipNorm, double weightDecay,
      double beta2, double eps, int hardNegatives, int validateEvery) {
    this(epochs, batchSize, lr, warmupSteps, cosine, clipNorm, weightDecay, beta2, eps, hardNegatives, validateEvery, 0);
  }

  /** {@code cir train clip --objective composed} (CLIP4Cir stage 1). */
  public static TrainingDefaults composed(boolean tiny) {
    return tiny
        // 5 epochs of 480 updates (2,400, each epoch the head of its own shuffle of the 593 batches)
        ? new TrainingDefaults(5, 32, 1.5e-4, 20, true, 1.0, 0.01, 0.999, 1e-7, 4, 2, 480)
        // clip_fine_tune.py: AdamW(lr 2e-6, betas (0.9, 0.999), eps 1e-7, weight decay 0.01), batch 128 in the README
        : new TrainingDefaults(100, 128, 2e-6, 0, false, 0, 0.01, 0.999, 1e-7);
  }

  /** {@code cir train clip --objective captions} (CLIP's objective). */
  public static TrainingDefaults captions(boolean tiny) {
    return tiny
        // a short, gentle start: longer or faster captions training (lr 1e-3) leaves stage 1 far worse
        ? new TrainingDefaults(1, 128, 1e-4, 20, true, 1.0, 0.1, 0.98, 1e-6, 0, 1, 100)
        // Radford et al. 2021: AdamW betas (0.9, 0.98), eps 1e-6, decoupled decay 0.2, warm-up then cosine
        : new TrainingDefaults(32, 256, 5e-4, 2000, true, 0, 0.2, 0.98, 1e-6);
  }

  /** {@code cir train combiner} (CLIP4Cir stage 2). */
  public static TrainingDefaults combiner(boolean tiny) {
    return tiny
        // validation is cheap here (the gallery's features are cached): every epoch, the best kept
        ? new TrainingDefaults(4, 128, 1e-3, 0, true, 0, 0, 0.999, 1e-8, 4, 1)
        // combiner_train.py: Adam(lr 2e-5), batch 4096 and 300 epochs in the README
        : new TrainingDefaults(300, 4096, 2e-5, 0, false, 0, 0, 0.999, 1e-8);
  }
}
