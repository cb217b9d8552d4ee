package dev.cir.train;

import dev.cir.train.loop.TrainingSettings;

/**
 * The default hyper-parameters of one training command; a command-line flag overrides each. Built
 * by name ({@link #builder()}); a field a preset does not set keeps the builder's value, which is
 * the "off" one (no warm-up, constant rate, no clipping, no extra negatives).
 *
 * @param warmupSteps linear warm-up updates
 * @param cosine cosine decay to 0 after the warm-up (else constant, as CLIP4Cir)
 * @param clipNorm global gradient-norm bound, 0 for none
 * @param hardNegatives member images per triplet added to a batch's candidates as extra negatives
 *     (0: CLIP4Cir's objective, the batch's other targets only)
 * @param validateEvery validate every this many epochs (the last one always)
 * @param stepsPerEpoch updates per epoch (0: a pass over the whole training split)
 * @param galleryNegatives the Combiner ranks gallery images (its cached features), not only the
 *     batch's targets
 * @param gallerySample with gallery negatives: images drawn afresh each update (0: the whole gallery)
 * @param minedNegatives with a gallery sample: the gallery images nearest to each triplet's target
 *     that join its candidates
 * @param startAtSum the Combiner starts as the normalized sum (else CLIP4Cir's random start)
 */
public record TrainingPreset(
    int epochs,
    int batchSize,
    double lr,
    long warmupSteps,
    boolean cosine,
    double clipNorm,
    double weightDecay,
    double beta2,
    double eps,
    int hardNegatives,
    int validateEvery,
    int stepsPerEpoch,
    boolean galleryNegatives,
    int gallerySample,
    int minedNegatives,
    boolean startAtSum) {

  /**
   * The loop settings of this preset for a run of {@code seed}: checkpoints every {@link
   * TrainingSettings#DEFAULT_CHECKPOINT_EVERY} updates and at each epoch, the newest {@link
   * TrainingSettings#DEFAULT_KEEP_CHECKPOINTS} kept.
   *
   * @param resume continue from the newest checkpoint of the run's folder, if there is one
   */
  public TrainingSettings settings(long seed, boolean resume) {
    return new TrainingSettings(
        epochs, batchSize, lr, warmupSteps, cosine, clipNorm, seed, TrainingSettings.DEFAULT_CHECKPOINT_EVERY, validateEvery,
        TrainingSettings.DEFAULT_KEEP_CHECKPOINTS, resume, stepsPerEpoch);
  }

  /** This preset with another number of epochs. */
  public TrainingPreset withEpochs(int n) {
    return new TrainingPreset(
        n, batchSize, lr, warmupSteps, cosine, clipNorm, weightDecay, beta2, eps, hardNegatives, validateEvery, stepsPerEpoch,
        galleryNegatives, gallerySample, minedNegatives, startAtSum);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Named construction of a preset. */
  public static final class Builder {
    private int epochs = 1;
    private int batchSize = 32;
    private double lr = 1e-4;
    private long warmupSteps;
    private boolean cosine;
    private double clipNorm;
    private double weightDecay;
    private double beta2 = 0.999;
    private double eps = 1e-8;
    private int hardNegatives;
    private int validateEvery = 1;
    private int stepsPerEpoch;
    private boolean galleryNegatives;
    private int gallerySample;
    private int minedNegatives;
    private boolean startAtSum;

    private Builder() {}

    public Builder epochs(int v) {
      epochs = v;
      return this;
    }

    public Builder batchSize(int v) {
      batchSize = v;
      return this;
    }

    public Builder lr(double v) {
      lr = v;
      return this;
    }

    public Builder warmupSteps(long v) {
      warmupSteps = v;
      return this;
    }

    public Builder cosine(boolean v) {
      cosine = v;
      return this;
    }

    public Builder clipNorm(double v) {
      clipNorm = v;
      return this;
    }

    public Builder weightDecay(double v) {
      weightDecay = v;
      return this;
    }

    /** AdamW's (β2, ε). */
    public Builder adam(double beta2, double eps) {
      this.beta2 = beta2;
      this.eps = eps;
      return this;
    }

    public Builder hardNegatives(int v) {
      hardNegatives = v;
      return this;
    }

    public Builder validateEvery(int v) {
      validateEvery = v;
      return this;
    }

    public Builder stepsPerEpoch(int v) {
      stepsPerEpoch = v;
      return this;
    }

    public Builder galleryNegatives(boolean v) {
      galleryNegatives = v;
      return this;
    }

    public Builder gallerySample(int v) {
      gallerySample = v;
      return this;
    }

    public Builder minedNegatives(int v) {
      minedNegatives = v;
      return this;
    }

    public Builder startAtSum(boolean v) {
      startAtSum = v;
      return this;
    }

    public TrainingPreset build() {
      return new TrainingPreset(
          epochs, batchSize, lr, warmupSteps, cosine, clipNorm, weightDecay, beta2, eps, hardNegatives, validateEvery,
          stepsPerEpoch, galleryNegatives, gallerySample, minedNegatives, startAtSum);
    }
  }
}
