package dev.cir.cli;

import dev.cir.clip.bundle.ModelBundle;
import dev.cir.eval.data.FashionIqReader;
import dev.cir.eval.progress.ProgressReporter;
import dev.cir.eval.validate.DatasetValidation;
import dev.cir.train.TrainingPreset;
import dev.cir.train.clip.ClipStart;
import dev.cir.train.clip.ClipTraining;
import dev.cir.train.data.ImageCache;
import dev.cir.train.clip.Encoders;
import dev.cir.train.combiner.CombinerTraining;
import dev.cir.train.inversion.InversionObjective;
import dev.cir.train.inversion.InversionTraining;
import dev.cir.train.data.TrainingData;
import dev.cir.train.loop.TrainingLoop;
import dev.cir.train.loop.TrainingSettings;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description = "Train CLIP (CLIP4Cir stage 1, or from scratch on captions), the Combiner (stage 2) and the zero-shot inversion network, resumably.",
    subcommands = {TrainCommand.Clip.class, TrainCommand.CombinerCommand.class, TrainCommand.InversionCommand.class})
final class TrainCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a training is required: clip, combiner or inversion");
  }

  /** What both trainings take. */
  static final class Common {
    @Option(names = "--dataset", required = true, paramLabel = "NAME", description = "fashioniq, cirr or jsonl.")
    String dataset;

    @Option(names = "--root", required = true, paramLabel = "DIR", description = "The dataset's folder (as for cir eval).")
    Path root;

    @Option(names = "--categories", split = ",", paramLabel = "CAT", description = "FashionIQ categories trained together (default: dress,shirt,toptee).")
    List<String> categories = FashionIqReader.CATEGORIES;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output: the bundle, steps.csv, metrics.csv, loss.png, validation.png, checkpoints/.")
    Path out;

    @Option(names = "--resume", description = "Continue from the newest checkpoint in --out (start afresh if there is none).")
    boolean resume;

    @Option(names = "--epochs", paramLabel = "N", description = "Epochs (default: see below).")
    Integer epochs;

    @Option(names = "--steps-per-epoch", paramLabel = "N", description = "Updates per epoch, each epoch drawing its batches from a new shuffle of the training split; 0 for a pass over the whole split (default: see below).")
    Integer stepsPerEpoch;

    @Option(names = "--batch-size", paramLabel = "B", description = "Examples per update; the other examples of a batch are the negatives (default: see below).")
    Integer batchSize;

    @Option(names = "--lr", paramLabel = "X", description = "Peak learning rate (default: see below).")
    Double lr;

    @Option(names = "--warmup", paramLabel = "STEPS", description = "Linear warm-up updates (default: see below).")
    Long warmup;

    @Option(names = "--schedule", paramLabel = "NAME", description = "constant or cosine (decay to 0 at the last update) after the warm-up (default: see below).")
    String schedule;

    @Option(names = "--clip-norm", paramLabel = "X", description = "Clip the global gradient norm to X; 0 turns clipping off (default: see below).")
    Double clipNorm;

    @Option(names = "--seed", paramLabel = "S", description = "Seed of the initialisation, data order and dropout (default: ${DEFAULT-VALUE}).")
    long seed = 0;

    @Option(names = "--device", paramLabel = "DEVICE", description = "cpu, gpu, gpu:N or auto (default: ${DEFAULT-VALUE}).")
    String device = "cpu";

    @Option(names = "--workers", paramLabel = "N", description = "Threads decoding images and encoding for validation (default: the number of cores).")
    int workers = Runtime.getRuntime().availableProcessors();

    @Option(names = "--checkpoint-every", paramLabel = "STEPS", description = "Also checkpoint every this many updates, besides every epoch (default: ${DEFAULT-VALUE}; 0: epochs only).")
    int checkpointEvery = TrainingSettings.DEFAULT_CHECKPOINT_EVERY;

    @Option(names = "--validate-every", paramLabel = "EPOCHS", description = "Validate every this many epochs; the last epoch always (default: 1; see below).")
    Integer validateEvery;

    @Option(names = "--keep-checkpoints", paramLabel = "N", description = "Newest checkpoints kept (default: ${DEFAULT-VALUE}).")
    int keep = TrainingSettings.DEFAULT_KEEP_CHECKPOINTS;

    TrainingData data() {
      DatasetValidation.Kind kind = DatasetValidation.Kind.parse(dataset);
      return new TrainingData(kind, root.toAbsolutePath().normalize(), categories);
    }

    TrainingSettings settings(TrainingPreset d) {
      boolean cosine = schedule == null ? d.cosine() : parseSchedule(schedule);
      return new TrainingSettings(
          epochs != null ? epochs : d.epochs(), batchSize != null ? batchSize : d.batchSize(), lr != null ? lr : d.lr(),
          warmup != null ? warmup : d.warmupSteps(), cosine, clipNorm != null ? clipNorm : d.clipNorm(), seed,
          checkpointEvery, validateEvery != null ? validateEvery : d.validateEvery(), keep, resume,
          stepsPerEpoch != null ? stepsPerEpoch : d.stepsPerEpoch());
    }

    private static boolean parseSchedule(String s) {
      return switch (s.trim().toLowerCase(Locale.ROOT)) {
        case "cosine" -> true;
        case "constant" -> false;
        default -> throw new IllegalArgumentException("unknown --schedule '" + s + "'; use constant or cosine");
      };
    }

    Map<String, String> facts(String command) {
      Map<String, String> f = new LinkedHashMap<>();
      f.put("command", command);
      f.put("root", root.toAbsolutePath().normalize().toString());
      if (dataset.equalsIgnoreCase("fashioniq")) {
        f.put("categories", String.join(",", categories));
      }
      return f;
    }
  }

  static void report(PrintWriter out, TrainingLoop.Result r) {
    out.printf(Locale.ROOT, "wrote %s (best epoch %d of %d, criterion %.2f) in %.1f s%n", r.bundle().dir(), r.state().bestEpoch,
        r.state().epochs.size(), r.state().bestCriterion, r.seconds());
    out.flush();
  }

  @Command(
      name = "clip",
      mixinStandardHelpOptions = true,
      sortOptions = false,
      description = {
        "Train CLIP. --objective composed (default): CLIP4Cir stage 1 on triplets, query = normalize(image + text),",
        "logit scale 100, cross-entropy over the batch, AdamW, encoders in eval mode. --objective captions: CLIP's",
        "symmetric image-text loss with a learned temperature on the image-caption pairs of a JSONL dataset.",
        "Validation: the composed task with the normalized sum, through eval; the best epoch (CLIP4Cir's",
        "criterion) becomes the bundle in --out.",
        "",
        "Defaults for OpenAI-size models (CLIP4Cir): composed 100 epochs, batch 128, lr 2e-6, constant, no",
        "clipping, weight decay 0.01; captions 32 epochs, batch 256, lr 5e-4, warm-up 2000, cosine, decay 0.2.",
        "Defaults for --arch tiny (or a bundle named tiny), tuned on the synthetic dataset: composed 5 epochs",
        "of 480 updates, batch 32, lr 1.5e-4, warm-up 20, cosine, clip-norm 1, 4 hard negatives, validation",
        "every 2 epochs;",
        "captions 1 epoch of 100 updates, batch 128, lr 1e-4, warm-up 20, cosine, clip-norm 1, decay 0.1.",
        "Other runs: no hard negatives, validation every epoch.",
        "Weight decay skips biases, norms, embeddings and the logit scale unless --decay-all (CLIP4Cir's AdamW",
        "decays every parameter)."
      })
  static final class Clip implements Callable<Integer> {
    @Mixin Common common;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Start start;

    static final class Start {
      @Option(names = "--model", paramLabel = "DIR", description = "Start from this bundle.")
      Path model;

      @Option(names = "--arch", paramLabel = "NAME", description = "Start from random weights: tiny, or an OpenAI name (ViT-B/32, RN50, ...).")
      String arch;
    }

    @Option(names = "--objective", paramLabel = "NAME", description = "composed or captions (default: ${DEFAULT-VALUE}).")
    String objective = "composed";

    @Option(names = "--encoder", paramLabel = "WHICH", description = "Towers stage 1 trains: both, text or image (default: ${DEFAULT-VALUE}).")
    String encoder = "both";

    @Option(names = "--tokenizer", paramLabel = "FILE", description = "tokenizer.json for --arch (default: a word-level vocabulary of the training texts).")
    Path tokenizer;

    @Option(names = "--weight-decay", paramLabel = "X", description = "AdamW weight decay (default: see above).")
    Double weightDecay;

    @Option(names = "--decay-all", description = "Decay every parameter, as CLIP4Cir does.")
    boolean decayAll;

    @Option(names = "--hard-negatives", paramLabel = "N", description = "composed: add up to N of each triplet's member images (not its reference or target) to the batch's candidates as negatives; captions: add up to N pairs per pair whose images share a triplet's member set with it (default: see above).")
    Integer hardNegatives;

    @Option(names = "--image-cache", paramLabel = "WHERE",
        description = "Where the preprocessed training images are kept, as 8-bit RGB at the model's resolution: memory, disk (a file in --out/checkpoints, read through the page cache, reused by --resume), none (decoded by --workers threads --prefetch batches ahead), or auto: memory when they take at most a quarter of the heap, else disk when the disk has room, else none (default: ${DEFAULT-VALUE}).")
    String imageCache = "auto";

    @Option(names = "--prefetch", paramLabel = "N", description = "With --image-cache none: batches decoded ahead of the step (default: ${DEFAULT-VALUE}).")
    int prefetch = ClipTraining.DEFAULT_PREFETCH;

    @Option(names = "--image-size", paramLabel = "PX",
        description = "With --arch: the model's input size in pixels (default: the architecture's; tiny takes multiples of 16, e.g. 224 for 14 x 14 patches).")
    Integer imageSize;

    private final PrintWriter out;

    @Inject
    Clip(@Named("out") PrintWriter out) {
      this.out = out;
    }

    @Override
    public Integer call() throws Exception {
      TrainingData data = common.data();
      ClipTraining.Objective obj = ClipTraining.Objective.parse(objective);
      Encoders enc = Encoders.parse(encoder);
      ClipStart s =
          start.model != null
              ? ClipStart.of(ModelBundle.open(start.model))
              : ClipStart.random(start.arch, tokenizer, data, common.out.resolve("checkpoints").resolve("tokenizer.json"));
      if (imageSize != null) {
        s = s.withImageResolution(imageSize);
      }
      TrainingPreset d = ClipTraining.defaults(obj, s);
      ClipTraining.Options o =
          new ClipTraining.Options(
              data, obj, enc, s, common.out, common.settings(d), weightDecay != null ? weightDecay : d.weightDecay(), decayAll,
              d.beta2(), d.eps(), common.device, common.workers, common.facts("cir train clip"),
              hardNegatives != null ? hardNegatives : d.hardNegatives())
              .withImages(ImageCache.parse(imageCache), prefetch);
      report(out, withMemoryAdvice(common.out, "--image-cache disk or none (the images), a smaller --batch-size (the activations)",
          () -> ClipTraining.run(o, ProgressReporter.console(System.err), new PrintWriter(System.err, true))));
      return 0;
    }
  }

  @Command(
      name = "combiner",
      mixinStandardHelpOptions = true,
      sortOptions = false,
      description = {
        "Train the Combiner (CLIP4Cir stage 2) on a bundle's frozen encoders. Their features of every training",
        "triplet (every caption variant) are computed once and cached under --out/checkpoints/features; the",
        "Combiner (p = 4d, h = 8d, dropout 0.5) trains with Adam and logit scale 100. Validation fuses with the",
        "Combiner through eval; the bundle with the best epoch's Combiner is written to --out.",
        "",
        "Defaults for OpenAI-size models (CLIP4Cir): 300 epochs, batch 4096, lr 2e-5, constant. For a bundle",
        "named tiny (the synthetic recipe): a Combiner that starts as the sum (--start), 4 epochs, batch 128,",
        "lr 1e-3, cosine, 8,192 images of the training gallery drawn afresh each update as candidates",
        "(--gallery-sample) with the 32 nearest to each triplet's target (--mined-negatives), validation every",
        "epoch. Other bundles: CLIP4Cir's random start, the batch's",
        "targets as candidates, no hard negatives, validation every epoch."
      })
  static final class CombinerCommand implements Callable<Integer> {
    static boolean startAtSum(String start, boolean preset) {
      if (start == null) {
        return preset;
      }
      return switch (start.toLowerCase(java.util.Locale.ROOT)) {
        case "sum" -> true;
        case "random" -> false;
        default -> throw new IllegalArgumentException("unknown --start '" + start + "'; use random or sum");
      };
    }

    @Mixin Common common;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "The bundle whose encoders feed the Combiner.")
    Path model;

    @Option(names = "--projection-dim", paramLabel = "P", description = "Combiner projection size (default: 4 x the embedding).")
    int projection;

    @Option(names = "--hidden-dim", paramLabel = "H", description = "Combiner hidden size (default: 8 x the embedding).")
    int hidden;

    @Option(names = "--hard-negatives", paramLabel = "N", description = "Add up to N of each triplet's member images (not its reference or target) to the batch's candidates as negatives (default: see above).")
    Integer hardNegatives;

    @Option(names = "--gallery-negatives", negatable = true, description = "Rank every image of the training gallery for every query (its features are cached), not just the batch's targets; the query's reference is left out, as retrieval leaves it out (default: on for tiny bundles, off otherwise).")
    Boolean galleryNegatives;

    @Option(names = "--gallery-sample", paramLabel = "K", description = "With gallery negatives: each update ranks K gallery images drawn afresh (plus the batch's targets) instead of the whole gallery; 0 for the whole gallery (default: 8192).")
    Integer gallerySample;

    @Option(names = "--mined-negatives", paramLabel = "M", description = "With a gallery sample: the M gallery images nearest to each triplet's target by the frozen features (found once, before training) join its batch's candidates; 0 for none (default: 32 for tiny bundles, 0 otherwise).")
    Integer minedNegatives;

    @Option(names = "--start", paramLabel = "FROM", description = "random (every layer drawn at random, as CLIP4Cir) or sum (the output layer and the dynamic scalar's last layer start at zero, so the new Combiner ranks exactly as the normalized sum) (default: sum for tiny bundles, random otherwise).")
    String start;

    private final PrintWriter out;

    @Inject
    CombinerCommand(@Named("out") PrintWriter out) {
      this.out = out;
    }

    @Override
    public Integer call() throws Exception {
      ModelBundle bundle = ModelBundle.open(model);
      TrainingPreset d = CombinerTraining.defaults(bundle);
      CombinerTraining.Options o =
          new CombinerTraining.Options(
              common.data(), bundle, common.out, common.settings(d), projection, hidden,
              common.device, common.workers, common.facts("cir train combiner"),
              hardNegatives != null ? hardNegatives : d.hardNegatives(),
              galleryNegatives != null ? galleryNegatives : d.galleryNegatives(),
              gallerySample != null ? gallerySample : d.gallerySample(),
              minedNegatives != null ? minedNegatives : d.minedNegatives(),
              startAtSum(start, d.startAtSum()));
      report(out, withMemoryAdvice(common.out, "a smaller --batch-size or --gallery-sample, or --no-gallery-negatives",
          () -> CombinerTraining.run(o, ProgressReporter.console(System.err), new PrintWriter(System.err, true))));
      return 0;
    }
  }

  @Command(
      name = "inversion",
      mixinStandardHelpOptions = true,
      sortOptions = false,
      description = {
        "Train phi, the inversion network of zero-shot composed retrieval (combine=inversion), on a bundle's frozen",
        "CLIP, from the training split's images (Pic2Word) or texts (LinCIR) alone: no triplet is trained on. phi",
        "maps an image's features to a pseudo-word that takes the place of $ in a prompt; the query is the text",
        "tower's features of the bundle's template (\"a photo of $ that {text}\") with the modification in {text}.",
        "The features are computed once and cached under --out/checkpoints/features; validation ranks the",
        "validation split with combine=inversion; the bundle with the best epoch's phi is written to --out.",
        "",
        "Defaults for OpenAI-size models (Pic2Word): 10 epochs, batch 256, lr 1e-4, constant. For a bundle named",
        "tiny: 3 epochs of 150 updates, batch 256, lr 5e-4, 20 warm-up updates, cosine, gradient norm clipped to 1."
      })
  static final class InversionCommand implements Callable<Integer> {
    @Mixin Common common;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "The bundle whose CLIP phi is trained for (its Combiner, if any, is kept).")
    Path model;

    @Option(names = "--objective", paramLabel = "NAME", description = "images (Pic2Word: the prompt with phi(image) must find that image) or texts (LinCIR: phi of a text's noisy features must give them back through the prompt) (default: ${DEFAULT-VALUE}).")
    String objective = "images";

    @Option(names = "--prompt", paramLabel = "TEXT", description = "The training prompt, $ once (default: '${DEFAULT-VALUE}').")
    String prompt = dev.cir.clip.text.PromptTemplate.DEFAULT_TRAINING;

    @Option(names = "--template", paramLabel = "TEXT", description = "The query template the bundle keeps, $ and {text} once each (default: '${DEFAULT-VALUE}').")
    String template = dev.cir.clip.text.PromptTemplate.DEFAULT_QUERY;

    @Option(names = "--noise", paramLabel = "X", description = "texts only: the largest noise added to a text's features, relative to their size per dimension (default: ${DEFAULT-VALUE}).")
    float noise = InversionTraining.DEFAULT_NOISE;

    private final PrintWriter out;

    @Inject
    InversionCommand(@Named("out") PrintWriter out) {
      this.out = out;
    }

    @Override
    public Integer call() throws Exception {
      ModelBundle bundle = ModelBundle.open(model);
      TrainingPreset d = InversionTraining.defaults(bundle);
      InversionTraining.Options o =
          new InversionTraining.Options(
              common.data(), bundle, common.out, common.settings(d), InversionObjective.parse(objective), prompt, template,
              noise, common.device, common.workers, common.facts("cir train inversion"));
      report(out, withMemoryAdvice(common.out, "a smaller --batch-size",
          () -> InversionTraining.run(o, ProgressReporter.console(System.err), new PrintWriter(System.err, true))));
      return 0;
    }
  }

  /**
   * Runs a training and turns running out of memory (the Java heap, or PyTorch's native allocator)
   * into one line saying what to change. Checkpoints are written whole or not at all, so the last
   * one is intact and {@code --resume} continues from it.
   */
  static TrainingLoop.Result withMemoryAdvice(Path out, String settings, java.util.concurrent.Callable<TrainingLoop.Result> run)
      throws Exception {
    try {
      return run.call();
    } catch (OutOfMemoryError e) {
      throw new IllegalStateException(
          "out of memory (Java heap: " + e.getMessage() + ") while training; the last checkpoint in " + out.resolve("checkpoints")
              + " is whole: continue with --resume after " + settings + ", or a larger heap (CIR_JAVA_OPTS=-Xmx...)", e);
    } catch (RuntimeException e) {
      String m = String.valueOf(e.getMessage());
      if (m.contains("DefaultCPUAllocator") || m.contains("not enough memory") || m.contains("out of memory")) {
        throw new IllegalStateException(
            "out of native memory (" + m.lines().findFirst().orElse(m) + ") while training; the last checkpoint in "
                + out.resolve("checkpoints") + " is whole: continue with --resume after " + settings, e);
      }
      throw e;
    }
  }
}
