package dev.cir.train;

/**
 * The defaults of the three training commands, as one set per kind of model: CLIP4Cir's published
 * values for OpenAI-size models (and FashionIQ / CIRR), and the values that train the {@code tiny}
 * architecture on the synthetic dataset on a CPU in minutes (docs/training.md has the
 * measurements). A run takes {@link #tinySynthetic()} when it trains {@code --arch tiny} or a
 * bundle whose architecture is named {@code tiny} ({@link #forArchitecture}).
 *
 * @param captions {@code cir train clip --objective captions} (CLIP's objective)
 * @param composed {@code cir train clip --objective composed} (CLIP4Cir stage 1)
 * @param combiner {@code cir train combiner} (CLIP4Cir stage 2)
 * @param inversion {@code cir train inversion} (φ of zero-shot queries, on images or texts)
 */
public record TrainingPresets(
    String name, TrainingPreset captions, TrainingPreset composed, TrainingPreset combiner, TrainingPreset inversion) {

  /** The preset of an architecture name: tiny's for {@code tiny}, CLIP4Cir's for every other. */
  public static TrainingPresets forArchitecture(String architecture) {
    return "tiny".equalsIgnoreCase(architecture) ? tinySynthetic() : clip4cir();
  }

  /** The tiny architecture on the synthetic dataset, on 2 CPU cores. */
  public static TrainingPresets tinySynthetic() {
    return new TrainingPresets(
        "tiny-synthetic",
        // a short, gentle start: longer or faster captions training (lr 1e-3) leaves stage 1 far worse
        TrainingPreset.builder()
            .epochs(1).stepsPerEpoch(100).batchSize(128).lr(1e-4).warmupSteps(20).cosine(true).clipNorm(1.0)
            .weightDecay(0.1).adam(0.98, 1e-6)
            .build(),
        // 5 epochs of 480 updates (2,400, each epoch the head of its own shuffle of the 593 batches)
        TrainingPreset.builder()
            .epochs(5).stepsPerEpoch(480).batchSize(32).lr(1.5e-4).warmupSteps(20).cosine(true).clipNorm(1.0)
            .weightDecay(0.01).adam(0.999, 1e-7).hardNegatives(4).validateEvery(2)
            .build(),
        // validation is cheap here (the gallery's features are cached): every epoch, the best kept.
        // 8,192 of the training gallery's 125,137 images drawn afresh each update, and the 32 nearest
        // to each triplet's target: without those the Combiner ended below the sum on three dataset
        // seeds of six (docs/results/2026-12-03-combiner-negatives.md)
        TrainingPreset.builder()
            .epochs(4).batchSize(128).lr(1e-3).cosine(true).adam(0.999, 1e-8).hardNegatives(4)
            .galleryNegatives(true).gallerySample(8192).minedNegatives(32).startAtSum(true)
            .build(),
        // φ on cached features: a pass of the tiny text tower over 6-token prompts is cheap
        TrainingPreset.builder()
            .epochs(3).stepsPerEpoch(150).batchSize(256).lr(5e-4).warmupSteps(20).cosine(true).clipNorm(1.0)
            .build());
  }

  /** CLIP4Cir's published values for OpenAI-size models, and CLIP's for training from captions. */
  public static TrainingPresets clip4cir() {
    return new TrainingPresets(
        "clip4cir",
        // Radford et al. 2021: AdamW betas (0.9, 0.98), eps 1e-6, decoupled decay 0.2, warm-up then cosine
        TrainingPreset.builder()
            .epochs(32).batchSize(256).lr(5e-4).warmupSteps(2000).cosine(true).weightDecay(0.2).adam(0.98, 1e-6)
            .build(),
        // clip_fine_tune.py: AdamW(lr 2e-6, betas (0.9, 0.999), eps 1e-7, weight decay 0.01), batch 128 in the README
        TrainingPreset.builder()
            .epochs(100).batchSize(128).lr(2e-6).weightDecay(0.01).adam(0.999, 1e-7)
            .build(),
        // combiner_train.py: Adam(lr 2e-5), batch 4096 and 300 epochs in the README; the gallery sample
        // applies when --gallery-negatives turns gallery negatives on
        TrainingPreset.builder()
            .epochs(300).batchSize(4096).lr(2e-5).adam(0.999, 1e-8)
            .gallerySample(8192)
            .build(),
        // Pic2Word: Adam lr 1e-4, batch 256 per device
        TrainingPreset.builder()
            .epochs(10).batchSize(256).lr(1e-4).adam(0.999, 1e-8)
            .build());
  }
}
