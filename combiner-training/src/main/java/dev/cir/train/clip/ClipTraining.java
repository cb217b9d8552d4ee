package dev.cir.train.clip;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.cir.clip.encoder.CombineMode;
import dev.cir.clip.encoder.EncoderOptions;
import dev.cir.clip.encoder.Engines;
import dev.cir.clip.image.ImageDecoder;
import dev.cir.clip.image.ImagePreprocessor;
import dev.cir.clip.image.ImageTransform;
import dev.cir.clip.model.ClipModel;
import dev.cir.eval.data.CirDataset;
import dev.cir.eval.data.GalleryImage;
import dev.cir.eval.data.ImageCaption;
import dev.cir.eval.data.Triplet;
import dev.cir.eval.progress.ProgressReporter;
import dev.cir.train.TrainingPreset;
import dev.cir.train.TrainingPresets;
import dev.cir.train.data.DiskImages;
import dev.cir.train.data.EpochOrder;
import dev.cir.train.data.ImageCache;
import dev.cir.train.data.TrainingData;
import dev.cir.train.data.TrainingImages;
import dev.cir.train.loop.TrainingLoop;
import dev.cir.train.loop.TrainingSettings;
import dev.cir.train.loop.Validation;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code cir train clip}: CLIP4Cir's stage-1 fine-tuning on composed triplets, or CLIP's own
 * image–caption objective (from a bundle or from scratch). Both validate the composed task with
 * the normalized sum of image and text features, as CLIP4Cir validates stage 1.
 */
public final class ClipTraining {
  private ClipTraining() {}

  /** The two objectives. */
  public enum Objective {
    /** CLIP4Cir stage 1 on triplets. */
    COMPOSED,
    /** CLIP's symmetric image–text contrastive loss on image–caption pairs. */
    CAPTIONS;

    public static Objective parse(String s) {
      try {
        return valueOf(s.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("unknown --objective '" + s + "'; use composed or captions", e);
      }
    }

    public String id() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * @param start the bundle or architecture to train
   * @param weightDecay AdamW's decoupled weight decay
   * @param decayAll decay every parameter as CLIP4Cir does, not only matrices
   * @param beta2 AdamW's second-moment decay
   * @param eps AdamW's epsilon
   * @param hardNegatives composed: how many of each triplet's member images (other than its reference
   *     and target) join the batch's candidates as extra negatives, 0 for CLIP4Cir's objective;
   *     captions: how many pairs of images sharing a member set with each pair's image join the batch
   */
  /** The disk image cache's file, in the run's checkpoint folder. */
  public static final String IMAGE_CACHE_FILE = "images.u8";

  /**
   * Images per pass when validation encodes the gallery: at 224 px two passes of 64 at once held
   * over a GiB more native memory than passes of 16, and were no faster.
   */
  static final int VALIDATION_BATCH = 16;

  /** Batches a streamed image source decodes ahead of the step. */
  public static final int DEFAULT_PREFETCH = 2;

  public record Options(
      TrainingData data,
      Objective objective,
      Encoders encoders,
      ClipStart start,
      Path out,
      TrainingSettings settings,
      double weightDecay,
      boolean decayAll,
      double beta2,
      double eps,
      String device,
      int workers,
      Map<String, String> facts,
      int hardNegatives,
      ImageCache imageCache,
      int prefetch) {

    public Options {
      if (hardNegatives < 0) {
        throw new IllegalArgumentException("--hard-negatives must not be negative, got " + hardNegatives);
      }
      if (prefetch < 0) {
        throw new IllegalArgumentException("--prefetch must not be negative, got " + prefetch);
      }
      imageCache = imageCache == null ? ImageCache.AUTO : imageCache;
    }

    /** The images kept as {@link ImageCache#AUTO} chooses, {@link #DEFAULT_PREFETCH} batches decoded ahead when streamed. */
    public Options(
        TrainingData data, Objective objective, Encoders encoders, ClipStart start, Path out, TrainingSettings settings,
        double weightDecay, boolean decayAll, double beta2, double eps, String device, int workers,
        Map<String, String> facts, int hardNegatives) {
      this(data, objective, encoders, start, out, settings, weightDecay, decayAll, beta2, eps, device, workers, facts, hardNegatives,
          ImageCache.AUTO, DEFAULT_PREFETCH);
    }

    /** Without hard negatives (CLIP4Cir's objective). */
    public Options(
        TrainingData data, Objective objective, Encoders encoders, ClipStart start, Path out, TrainingSettings settings,
        double weightDecay, boolean decayAll, double beta2, double eps, String device, int workers,
        Map<String, String> facts) {
      this(data, objective, encoders, start, out, settings, weightDecay, decayAll, beta2, eps, device, workers, facts, 0);
    }

    /**
     * A run as {@code cir train clip} without flags makes it: both towers, the preset's optimiser
     * and negatives, the images kept as {@link ImageCache#AUTO} chooses, on the CPU with a decode
     * thread per core.
     *
     * @param preset the hyper-parameters, usually {@link ClipTraining#defaults}
     */
    public static Options of(
        TrainingData data, Objective objective, ClipStart start, Path out, TrainingPreset preset, long seed, boolean resume,
        Map<String, String> facts) {
      return new Options(
          data, objective, Encoders.BOTH, start, out, preset.settings(seed, resume), preset.weightDecay(), false, preset.beta2(),
          preset.eps(), "cpu", Runtime.getRuntime().availableProcessors(), facts, preset.hardNegatives());
    }

    /** The same with another image cache and prefetch. */
    public Options withImages(ImageCache cache, int batchesAhead) {
      return new Options(data, objective, encoders, start, out, settings, weightDecay, decayAll, beta2, eps, device, workers, facts,
          hardNegatives, cache, batchesAhead);
    }
  }

  /** The hyper-parameters of {@code objective} for {@code start}'s architecture ({@link TrainingPresets#forArchitecture}). */
  public static TrainingPreset defaults(Objective objective, ClipStart start) {
    TrainingPresets p = TrainingPresets.forArchitecture(start.name());
    return objective == Objective.CAPTIONS ? p.captions() : p.composed();
  }

  public static TrainingLoop.Result run(Options o, ProgressReporter progress, PrintWriter log) throws IOException {
    Device device = Engines.device(o.device());
    Map<String, String> facts = new LinkedHashMap<>(o.facts());
    facts.put("objective", o.objective().id());
    if (o.objective() == Objective.COMPOSED) {
      facts.put("encoder", o.encoders().id());
    }
    facts.put("hard_negatives", Integer.toString(o.hardNegatives()));
    facts.put("dataset", o.data().kind().id());
    facts.put("start", o.start().describe());
    TrainingLoop loop = new TrainingLoop(o.settings(), o.out(), facts, progress, log);
    loop.checkOutput();

    long t0 = System.nanoTime();
    ImagePreprocessor pre =
        new ImagePreprocessor(
            new ImageDecoder(),
            ImageTransform.forName(o.start().preprocess(), o.start().config().imageResolution(), o.start().targetRatio()));
    List<ImageCaption> pairs = null;
    CirDataset triplets = null;
    List<GalleryImage> images;
    if (o.objective() == Objective.CAPTIONS) {
      pairs = o.data().captions("train");
      triplets = o.hardNegatives() > 0 ? o.data().triplets("train") : null;
      Set<String> used = new LinkedHashSet<>();
      if (o.hardNegatives() == 0) {
        // only the images of the pairs the run's batches take (all but a few, unless --steps-per-epoch cuts epochs short)
        TrainingSettings s = o.settings();
        for (int i : EpochOrder.examplesSeen(s.seed(), s.epochs(), pairs.size(), s.batchSize(), s.stepsPerEpoch())) {
          used.add(pairs.get(i).image());
        }
      } else {
        pairs.forEach(p -> used.add(p.image()));
      }
      images = o.data().gallery("train").images().stream().filter(i -> used.contains(i.id())).toList();
    } else {
      triplets = o.data().triplets("train");
      Set<String> used = new LinkedHashSet<>();
      for (Triplet t : triplets.triplets()) {
        used.add(t.reference());
        if (t.target() != null) {
          used.add(t.target());
        }
        used.addAll(ComposedTask.hardNegatives(t, o.hardNegatives()));
      }
      images = new ArrayList<>();
      for (GalleryImage i : triplets.gallery().images()) {
        if (used.contains(i.id())) {
          images.add(i);
        }
      }
    }
    TrainingImages pixels =
        o.imageCache().open(images, pre, o.start().config().imageResolution(), o.workers(), o.prefetch(),
            o.out().resolve("checkpoints").resolve(IMAGE_CACHE_FILE), progress, log);
    log.printf(Locale.ROOT, "%d training images: %s, ready in %.1f s%n", pixels.size(), pixels.describe(), (System.nanoTime() - t0) / 1e9);
    log.flush();

    Validation validation =
        new Validation(
            o.data().kind(), o.data().root(), "val", o.data().categories(), CombineMode.SUM,
            EncoderOptions.defaults().withDevice(o.device()).withPredictors(Math.max(1, o.workers())).withBatchSize(VALIDATION_BATCH),
            null);
    List<ImageCaption> finalPairs = pairs;
    CirDataset finalTriplets = triplets;
    try (pixels) {
      TrainingLoop.Result result = loop.run(
        checkpoint -> {
          NDManager manager = Engines.pytorch().newBaseManager(device);
          try {
            ClipModel model = o.start().load(checkpoint, o.settings().seed(), manager);
            return o.objective() == Objective.CAPTIONS
                ? new CaptionsTask(o.start(), model, manager, finalPairs, pixels,
                    finalTriplets == null ? List.of() : finalTriplets.triplets(), o.hardNegatives(), o.weightDecay(),
                    o.decayAll(), o.beta2(), o.eps())
                : new ComposedTask(o.start(), model, manager, finalTriplets, pixels, o.encoders(),
                    o.weightDecay(), o.decayAll(), o.hardNegatives());
          } catch (RuntimeException e) {
            manager.close();
            throw e;
          }
        },
        validation);
      if (pixels instanceof DiskImages disk) {
        // the run is complete: nothing will resume from the cache
        java.nio.file.Files.deleteIfExists(disk.file());
      }
      return result;
    }
  }
}
