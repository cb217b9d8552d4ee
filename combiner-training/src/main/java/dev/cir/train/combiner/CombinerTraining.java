package dev.cir.train.combiner;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.cir.clip.bundle.ModelBundle;
import dev.cir.clip.encoder.CirEncoder;
import dev.cir.clip.encoder.CombineMode;
import dev.cir.clip.encoder.EncoderOptions;
import dev.cir.clip.encoder.Engines;
import dev.cir.clip.model.Combiner;
import dev.cir.clip.model.RandomWeights;
import dev.cir.clip.model.StateDictWeights;
import dev.cir.eval.data.CirDataset;
import dev.cir.eval.progress.ProgressReporter;
import dev.cir.train.TrainingPreset;
import dev.cir.train.TrainingPresets;
import dev.cir.train.data.TrainingData;
import dev.cir.train.loop.TrainingLoop;
import dev.cir.train.loop.TrainingSettings;
import dev.cir.train.loop.Validation;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * {@code cir train combiner}: CLIP4Cir's stage 2. The bundle's encoders stay frozen; their features
 * of every training triplet (every caption variant) are computed once and cached, and the Combiner
 * trains on them. Validation fuses with the Combiner through eval; the gallery features are cached
 * by the CLIP weights, which never change here. The output is the bundle with the best Combiner.
 */
public final class CombinerTraining {
  private CombinerTraining() {}

  /**
   * @param projectionDim the Combiner's p (0: 4d)
   * @param hiddenDim the Combiner's h (0: 8d)
   * @param hardNegatives how many of each triplet's member images (other than its reference and
   *     target) join the batch's candidates as extra negatives; 0 for CLIP4Cir's objective
   * @param galleryNegatives whether every image of the training gallery is a candidate of every
   *     query instead (false: CLIP4Cir's in-batch candidates)
   * @param gallerySample with gallery negatives, the gallery images each update draws as candidates
   *     (0: the whole gallery)
   * @param minedNegatives with a gallery sample, the images nearest to each triplet's target that
   *     join its batch's candidates
   * @param startAtSum whether a new Combiner starts as the normalized sum ({@link
   *     Combiner#startingAtSum}) rather than from CLIP4Cir's all-random layers
   */
  public record Options(
      TrainingData data,
      ModelBundle model,
      Path out,
      TrainingSettings settings,
      int projectionDim,
      int hiddenDim,
      String device,
      int workers,
      Map<String, String> facts,
      int hardNegatives,
      boolean galleryNegatives,
      int gallerySample,
      int minedNegatives,
      boolean startAtSum) {

    public Options {
      if (hardNegatives < 0) {
        throw new IllegalArgumentException("--hard-negatives must not be negative, got " + hardNegatives);
      }
      if (minedNegatives < 0) {
        throw new IllegalArgumentException("--mined-negatives must not be negative, got " + minedNegatives);
      }
      if (gallerySample < 0) {
        throw new IllegalArgumentException("--gallery-sample must not be negative, got " + gallerySample);
      }
    }

    /**
     * A run as {@code cir train combiner} without flags makes it: sizes 4d and 8d, the preset's
     * negatives and start, on the CPU with a thread per core.
     *
     * @param preset the hyper-parameters, usually {@link CombinerTraining#defaults}
     */
    public static Options of(
        TrainingData data, ModelBundle model, Path out, TrainingPreset preset, long seed, boolean resume, Map<String, String> facts) {
      return new Options(
          data, model, out, preset.settings(seed, resume), 0, 0, "cpu", Runtime.getRuntime().availableProcessors(), facts,
          preset.hardNegatives(), preset.galleryNegatives(), preset.gallerySample(), preset.minedNegatives(), preset.startAtSum());
    }

    /** Without hard negatives (CLIP4Cir's objective). */
    public Options(
        TrainingData data, ModelBundle model, Path out, TrainingSettings settings, int projectionDim, int hiddenDim,
        String device, int workers, Map<String, String> facts) {
      this(data, model, out, settings, projectionDim, hiddenDim, device, workers, facts, 0, false, 0, 0, false);
    }
  }

  /** The hyper-parameters for {@code model}'s architecture ({@link TrainingPresets#forArchitecture}). */
  public static TrainingPreset defaults(ModelBundle model) {
    return TrainingPresets.forArchitecture(model.manifest().architectureName()).combiner();
  }

  public static TrainingLoop.Result run(Options o, ProgressReporter progress, PrintWriter log) throws IOException {
    Device device = Engines.device(o.device());
    int d = o.model().manifest().embeddingDim();
    int p = o.projectionDim() > 0 ? o.projectionDim() : 4 * d;
    int h = o.hiddenDim() > 0 ? o.hiddenDim() : 8 * d;
    Map<String, String> facts = new LinkedHashMap<>(o.facts());
    facts.put("objective", "combiner");
    facts.put("dataset", o.data().kind().id());
    facts.put("start", o.model().dir().toString());
    facts.put("combiner_sizes", d + "/" + p + "/" + h);
    facts.put("hard_negatives", Integer.toString(o.hardNegatives()));
    facts.put("combiner_start", o.startAtSum() ? "sum" : "random");
    facts.put("candidates", !o.galleryNegatives() ? "batch" : o.gallerySample() > 0 ? "gallery sample of " + o.gallerySample() + (o.minedNegatives() > 0 ? " and " + o.minedNegatives() + " mined" : "") : "gallery");
    TrainingLoop loop = new TrainingLoop(o.settings(), o.out(), facts, progress, log);
    loop.checkOutput();
    Path cacheDir = loop.checkpointDir().resolve("features");
    EncoderOptions encoderOptions =
        EncoderOptions.defaults().withDevice(o.device()).withPredictors(Math.max(1, o.workers())).withBatchSize(64);

    long t0 = System.nanoTime();
    CirDataset train = o.data().triplets("train");
    TripletFeatures features;
    try (CirEncoder enc = CirEncoder.open(o.model(), encoderOptions)) {
      features = TripletFeatures.compute(enc, o.model(), train, cacheDir, o.hardNegatives(), o.galleryNegatives(), progress, log);
    }
    log.printf(Locale.ROOT, "features of %d training triplets ready in %.1f s%n", features.triplets(), (System.nanoTime() - t0) / 1e9);
    log.flush();

    Validation validation =
        new Validation(
            o.data().kind(), o.data().root(), "val", o.data().categories(), CombineMode.COMBINER, encoderOptions,
            b -> TripletFeatures.imageCache(b, cacheDir));
    return loop.run(
        checkpoint -> {
          NDManager manager = Engines.pytorch().newBaseManager(device);
          try {
            Combiner c;
            if (checkpoint.isPresent()) {
              StateDictWeights w = new StateDictWeights(checkpoint.get(), manager);
              c = new Combiner(w, d, p, h);
              w.checkAllUsed();
            } else {
              Engines.pytorch().setRandomSeed((int) (o.settings().seed() & 0x7fffffff));
              RandomWeights random = new RandomWeights(manager);
              c = new Combiner(o.startAtSum() ? Combiner.startingAtSum(random) : random, d, p, h);
            }
            return new CombinerTask(
                c, manager, features, train.triplets(), train.captions(), o.model(), true, o.galleryNegatives(), o.gallerySample(),
                o.minedNegatives());
          } catch (RuntimeException e) {
            manager.close();
            throw e;
          }
        },
        validation);
  }
}
