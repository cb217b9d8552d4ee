package dev.cir.train.optim;

/**
 * Learning rate per step: linear warm-up from 0 over {@code warmupSteps}, then constant (CLIP4Cir's
 * schedule, which has none) or a cosine decay to 0 at {@code totalSteps} (OpenAI CLIP's).
 */
public record LearningRateSchedule(double baseLr, long warmupSteps, long totalSteps, boolean cosine) {
  public LearningRateSchedule {
    if (baseLr <= 0 || warmupSteps < 0 || totalSteps < 1) {
      throw new IllegalArgumentException(
          "learning rate must be positive, warm-up non-negative and total steps positive; got " + baseLr + ", "
              + warmupSteps + ", " + totalSteps);
    }
  }

  /** The rate of the update with index {@code step} (0-based). */
  public double at(long step) {
    if (step < warmupSteps) {
      return baseLr * (step + 1) / warmupSteps;
    }
    if (!cosine) {
      return baseLr;
    }
    long decaySteps = Math.max(1, totalSteps - warmupSteps);
    double progress = Math.min(1.0, (double) (step - warmupSteps) / decaySteps);
    return 0.5 * baseLr * (1 + Math.cos(Math.PI * progress));
  }
}
