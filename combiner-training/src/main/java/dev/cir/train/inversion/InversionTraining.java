package dev.cir.train.inversion;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.cir.clip.bundle.BundleManifest;
import dev.cir.clip.bundle.InversionSpec;
import dev.cir.clip.bundle.ModelBundle;
import dev.cir.clip.encoder.CirEncoder;
import dev.cir.clip.encoder.CombineMode;
import dev.cir.clip.encoder.EncoderOptions;
import dev.cir.clip.encoder.Engines;
import dev.cir.clip.model.ClipModel;
import dev.cir.clip.model.Inversion;
import dev.cir.clip.model.RandomWeights;
import dev.cir.clip.model.StateDictWeights;
import dev.cir.clip.text.ClipTokenizer;
import dev.cir.clip.text.PromptTemplate;
import dev.cir.eval.data.GalleryImage;
import dev.cir.eval.data.ImageCaption;
import dev.cir.eval.data.JsonlReader;
import dev.cir.eval.progress.ProgressReporter;
import dev.cir.eval.validate.DatasetValidation;
import dev.cir.eval.validate.GalleryEncoder;
import dev.cir.train.TrainingPreset;
import dev.cir.train.TrainingPresets;
import dev.cir.train.combiner.TripletFeatures;
import dev.cir.train.data.TrainingData;
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

/**
 * {@code cir train inversion}: φ, the inversion network of zero-shot composed retrieval, trained on
 * a bundle's frozen CLIP from the training split's images (Pic2Word) or texts (LinCIR) alone — no
 * triplet is read for training. The texts of a JSONL dataset are its image captions ({@code
 * captions.jsonl}: a catalogue's product texts); FashionIQ and CIRR have no other texts than their
 * modification texts, which are then read as plain texts. The features are computed once and cached
 * under the checkpoints; validation ranks the validation split with {@code combine=inversion} (its
 * triplets only score). A JSONL dataset without validation triplets (a catalogue that has none) is
 * not validated: the output keeps the last epoch's φ. The output is the bundle with φ and the query
 * template.
 */
public final class InversionTraining {
  private InversionTraining() {}

  /**
   * @param trainingPrompt the prompt φ's pseudo-word is trained in ({@code $} once, no {@code {text}})
   * @param queryTemplate the template the bundle's zero-shot queries use
   * @param noise for texts, the largest noise strength ({@link InversionTask})
   */
  public record Options(
      TrainingData data,
      ModelBundle model,
      Path out,
      TrainingSettings settings,
      InversionObjective objective,
      String trainingPrompt,
      String queryTemplate,
      float noise,
      String device,
      int workers,
      Map<String, String> facts) {
    public Options {
      PromptTemplate t = new PromptTemplate(trainingPrompt);
      if (t.hasTextSlot()) {
        throw new IllegalArgumentException("--prompt '" + trainingPrompt + "' must not hold {text}: φ is trained on the pseudo-word alone");
      }
      PromptTemplate.query(queryTemplate);
      if (!(noise >= 0)) {
        throw new IllegalArgumentException("--noise must be 0 or more, got " + noise);
      }
    }
  }

  /** The largest noise added to a text's features for {@link InversionObjective#TEXTS}, unless told otherwise. */
  public static final float DEFAULT_NOISE = 1.0f;

  /** The hyper-parameters for {@code model}'s architecture ({@link TrainingPresets#forArchitecture}). */
  public static TrainingPreset defaults(ModelBundle model) {
    return TrainingPresets.forArchitecture(model.manifest().architectureName()).inversion();
  }

  /**
   * A run as {@code cir train inversion --objective OBJECTIVE} without other flags makes it: the
   * default training prompt and query template, noise 1 for texts, on the CPU with a thread per core.
   *
   * @param preset the hyper-parameters, usually {@link #defaults}
   */
  public static Options options(
      TrainingData data, ModelBundle model, InversionObjective objective, Path out, TrainingPreset preset, long seed,
      boolean resume, Map<String, String> facts) {
    return new Options(
        data, model, out, preset.settings(seed, resume), objective, PromptTemplate.DEFAULT_TRAINING, PromptTemplate.DEFAULT_QUERY,
        DEFAULT_NOISE, "cpu", Runtime.getRuntime().availableProcessors(), facts);
  }

  public static TrainingLoop.Result run(Options o, ProgressReporter progress, PrintWriter log) throws IOException {
    Device device = Engines.device(o.device());
    BundleManifest m = o.model().manifest();
    int d = m.embeddingDim();
    int w = m.config().textWidth();
    Map<String, String> facts = new LinkedHashMap<>(o.facts());
    facts.put("objective", "inversion-" + o.objective().id());
    facts.put("dataset", o.data().kind().id());
    facts.put("start", o.model().dir().toString());
    facts.put("prompt", o.trainingPrompt());
    facts.put("template", o.queryTemplate());
    if (o.objective() == InversionObjective.TEXTS) {
      facts.put("noise", Float.toString(o.noise()));
    }
    TrainingLoop loop = new TrainingLoop(o.settings(), o.out(), facts, progress, log);
    loop.checkOutput();
    Path cacheDir = loop.checkpointDir().resolve("features");
    EncoderOptions encoderOptions =
        EncoderOptions.defaults().withDevice(o.device()).withPredictors(Math.max(1, o.workers())).withBatchSize(64);

    long t0 = System.nanoTime();
    float[][] features;
    ClipTokenizer.PromptTokens prompt;
    try (CirEncoder enc = CirEncoder.open(o.model(), encoderOptions)) {
      prompt = enc.tokenizer().encodePrompt(new PromptTemplate(o.trainingPrompt()).fill(""));
      if (o.objective() == InversionObjective.IMAGES) {
        List<Path> files = o.data().gallery("train").images().stream().map(GalleryImage::path).toList();
        features =
            new GalleryEncoder(enc, TripletFeatures.imageCache(o.model(), cacheDir), progress)
                .encode(files, "training image features").features();
      } else {
        List<String> texts = new ArrayList<>(new LinkedHashSet<>(trainingTexts(o.data())));
        features = TripletFeatures.encodeTexts(enc, texts, TripletFeatures.textCache(o.model(), cacheDir), progress);
      }
    }
    log.printf(Locale.ROOT, "features of %,d training %s ready in %.1f s%n", features.length, o.objective().id(),
        (System.nanoTime() - t0) / 1e9);
    log.flush();

    Validation validation = null;
    if (hasValidationTriplets(o.data())) {
      validation =
          new Validation(
              o.data().kind(), o.data().root(), "val", o.data().categories(), CombineMode.INVERSION, encoderOptions,
              b -> TripletFeatures.imageCache(b, cacheDir));
    } else {
      log.printf(Locale.ROOT, "no validation triplets (%s): not validated, the last epoch's phi is kept%n",
          o.data().root().resolve("val").resolve(JsonlReader.TRIPLETS));
      log.flush();
    }
    float[][] rows = features;
    ClipTokenizer.PromptTokens tokens = prompt;
    return loop.run(
        checkpoint -> {
          NDManager manager = Engines.pytorch().newBaseManager(device);
          try {
            ClipModel clip = o.model().loadClip(manager);
            Inversion phi;
            if (checkpoint.isPresent()) {
              StateDictWeights sw = new StateDictWeights(checkpoint.get(), manager);
              phi = Inversion.pic2word(sw, d, w);
              sw.checkAllUsed();
            } else {
              Engines.pytorch().setRandomSeed((int) (o.settings().seed() & 0x7fffffff));
              phi = Inversion.pic2word(new RandomWeights(manager), d, w);
            }
            InversionSpec spec =
                new InversionSpec(BundleManifest.INVERSION_FILE, d, phi.hiddenDim(), w, phi.hiddenLayers(), o.queryTemplate());
            return new InversionTask(clip, phi, manager, rows, o.objective(), tokens, o.noise(), o.model(), spec, true);
          } catch (RuntimeException e) {
            manager.close();
            throw e;
          }
        },
        validation);
  }

  /** The texts φ trains on for the texts objective: a JSONL dataset's captions, else the modification texts. */
  static List<String> trainingTexts(TrainingData data) {
    if (data.kind() == DatasetValidation.Kind.JSONL) {
      return data.captions("train").stream().map(ImageCaption::caption).toList();
    }
    return data.texts("train");
  }

  private static boolean hasValidationTriplets(TrainingData data) {
    return data.kind() != DatasetValidation.Kind.JSONL || new JsonlReader(data.root()).splits().contains("val");
  }
}
