package dev.cir.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import dev.cir.clip.bundle.BundleWriter;
import dev.cir.clip.bundle.ModelBundle;
import dev.cir.clip.encoder.CirEncoder;
import dev.cir.clip.encoder.EncoderOptions;
import dev.cir.clip.encoder.Engines;
import dev.cir.clip.image.ImageDecoder;
import dev.cir.clip.image.ImagePreprocessor;
import dev.cir.clip.image.ImageTransform;
import dev.cir.clip.io.Tensor;
import dev.cir.clip.model.ClipConfig;
import dev.cir.clip.model.ClipModel;
import dev.cir.clip.model.Combiner;
import dev.cir.clip.model.RandomWeights;
import dev.cir.clip.text.CaptionVocabulary;
import dev.cir.clip.text.ClipTokenizer;
import dev.cir.eval.data.CirDataset;
import dev.cir.eval.data.GalleryImage;
import dev.cir.eval.data.JsonlReader;
import dev.cir.eval.data.Triplet;
import dev.cir.eval.progress.ProgressReporter;
import dev.cir.eval.synth.SyntheticDataset;
import dev.cir.eval.validate.DatasetValidation;
import dev.cir.train.checkpoint.CheckpointStore;
import dev.cir.train.clip.ComposedTask;
import dev.cir.train.clip.Encoders;
import dev.cir.train.clip.TinyClip;
import dev.cir.train.combiner.CombinerTask;
import dev.cir.train.combiner.TripletFeatures;
import dev.cir.train.data.EpochOrder;
import dev.cir.train.data.MemoryImages;
import dev.cir.train.data.TrainingData;
import dev.cir.train.data.TrainingImages;
import dev.cir.train.loop.TrainingLoop;
import dev.cir.train.loop.TrainingTask;
import dev.cir.train.optim.AdamW;
import dev.cir.train.optim.ParameterGroup;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * {@code cir bench train}: in one run on the same data, (1) a Combiner epoch on cached features
 * against the same epoch recomputing the frozen CLIP features of every batch as CLIP4Cir's {@code
 * combiner_train.py} does (from images already decoded and preprocessed in memory, which favours
 * the baseline), and (2) the time of one stage-1 update at full ViT-B/32 size.
 */
public final class TrainingBenchmark {
  private TrainingBenchmark() {}

  public record Settings(Path work, int size, long seed, int combinerBatch, int stage1Batch, int stage1Runs, String stage1Arch) {}

  public record Report(
      String machine, String data, int triplets, int combinerBatch, double featureSeconds, double cachedEpochSeconds,
      double recomputeEpochSeconds, int[] bigSizes, double bigCachedEpochSeconds, double bigRecomputeEpochSeconds, int bigTimedBatches,
      String stage1Arch, int stage1Batch, double[] stage1StepSeconds, long stage1Parameters) {

    public double speedup() {
      return recomputeEpochSeconds / cachedEpochSeconds;
    }

    public String toMarkdown() {
      double[] s = stage1StepSeconds.clone();
      Arrays.sort(s);
      StringBuilder md = new StringBuilder();
      md.append(String.format(Locale.ROOT, "Machine: %s%n%nData: %s; %d training triplets, batch %d.%n%n", machine, data, triplets, combinerBatch));
      md.append("| Combiner epoch | seconds | triplets/s |\n|---|---:|---:|\n");
      md.append(String.format(Locale.ROOT, "| recomputing CLIP features every step (CLIP4Cir) | %.2f | %.0f |%n", recomputeEpochSeconds,
          triplets / recomputeEpochSeconds));
      md.append(String.format(Locale.ROOT, "| on cached features | %.3f | %.0f |%n", cachedEpochSeconds, triplets / cachedEpochSeconds));
      md.append(String.format(Locale.ROOT, "| %s CLIP and Combiner %d/%d/%d, recomputing (timed on %d batches) | %.1f | %.0f |%n",
          stage1Arch, bigSizes[0], bigSizes[1], bigSizes[2], bigTimedBatches, bigRecomputeEpochSeconds, triplets / bigRecomputeEpochSeconds));
      md.append(String.format(Locale.ROOT, "| %s CLIP and Combiner %d/%d/%d, on cached features | %.2f | %.0f |%n", stage1Arch,
          bigSizes[0], bigSizes[1], bigSizes[2], bigCachedEpochSeconds, triplets / bigCachedEpochSeconds));
      md.append(String.format(Locale.ROOT, "%nCached epochs are **%.1fx** faster with the tiny CLIP and **%.0fx** with %s. Computing the"
          + " tiny cache once (every training image and caption variant, decoding included) took %.1f s, i.e. %.1f recomputing"
          + " epochs. Each mode ran one warm-up pass first.%n%n", speedup(), bigRecomputeEpochSeconds / bigCachedEpochSeconds,
          stage1Arch, featureSeconds, featureSeconds / recomputeEpochSeconds));
      md.append(String.format(Locale.ROOT, "Stage-1 update (both towers, AdamW) at %s size (%,d trainable parameters), batch %d"
          + " (%d images and %d captions of 15 tokens per update): median %.2f s over %d updates (min %.2f, max %.2f), %.1f"
          + " triplets/s.%n", stage1Arch, stage1Parameters, stage1Batch, 2 * stage1Batch, stage1Batch, s[s.length / 2], s.length, s[0],
          s[s.length - 1], stage1Batch / s[s.length / 2]));
      return md.toString();
    }
  }

  public static Report run(Settings settings, Consumer<String> log) throws IOException {
    Engine engine = Engines.pytorch();
    Path data = settings.work().resolve("synth-" + settings.size() + "-" + settings.seed());
    if (!Files.isDirectory(data.resolve("test"))) {
      log.accept("generating the synthetic dataset in " + data);
      SyntheticDataset.generate(SyntheticDataset.Options.defaults().withSize(settings.size()).withSeed(settings.seed())).writeTo(data);
    }
    TrainingData td = new TrainingData(DatasetValidation.Kind.JSONL, data, List.of());
    CaptionVocabulary vocab = CaptionVocabulary.builder().build(td.texts("train"));
    Path tokenizer = settings.work().resolve("tokenizer.json");
    vocab.writeTokenizerJson(tokenizer);
    ModelBundle bundle =
        BundleWriter.writeRandom(settings.work().resolve("tiny-bundle"), "tiny", TinyClip.config(vocab.size()), tokenizer, false,
            settings.seed(), Map.of("created_by", "cir bench train"));
    CirDataset train = new JsonlReader(data).read("train");

    // (1a) the cache, computed once from the image files
    Path cache = settings.work().resolve("features");
    CheckpointStore.deleteTree(cache);
    long t = System.nanoTime();
    TripletFeatures features;
    try (CirEncoder enc = CirEncoder.open(bundle, EncoderOptions.defaults().withBatchSize(64))) {
      features = TripletFeatures.compute(enc, bundle, train, cache, ProgressReporter.none());
    }
    double featureSeconds = (System.nanoTime() - t) / 1e9;
    log.accept(String.format(Locale.ROOT, "features of %d triplets computed in %.1f s", features.triplets(), featureSeconds));

    int d = bundle.manifest().embeddingDim();
    int[] sizes = Combiner.defaultSizes(d);
    double cached;
    double recompute;
    // (1b) one epoch on the cache
    try (NDManager m = engine.newBaseManager()) {
      engine.setRandomSeed(1);
      Combiner c = new Combiner(new RandomWeights(m), sizes[0], sizes[1], sizes[2]);
      CombinerTask task = new CombinerTask(c, m, features, train.triplets(), train.captions(), bundle, true);
      epoch(m, task, settings.combinerBatch(), Integer.MAX_VALUE); // warm-up: kernels and JIT, as for the baseline
      cached = epoch(m, task, settings.combinerBatch(), Integer.MAX_VALUE);
    }
    log.accept(String.format(Locale.ROOT, "Combiner epoch on cached features: %.3f s", cached));
    // (1c) the same epoch, the frozen CLIP recomputing the features of every batch
    List<GalleryImage> images = tripletImages(train);
    ImagePreprocessor pre =
        new ImagePreprocessor(new ImageDecoder(), ImageTransform.forName("targetpad", bundle.manifest().config().imageResolution(), 1.25));
    MemoryImages pixels = MemoryImages.load(images, pre, bundle.manifest().config().imageResolution(), Runtime.getRuntime().availableProcessors(),
        ProgressReporter.none());
    try (NDManager m = engine.newBaseManager();
        ClipTokenizer tok = ClipTokenizer.load(bundle.tokenizerFile(), bundle.manifest().config().contextLength())) {
      ClipModel clip = bundle.loadClip(m);
      engine.setRandomSeed(1);
      Combiner c = new Combiner(new RandomWeights(m), sizes[0], sizes[1], sizes[2]);
      RecomputingCombinerTask task = new RecomputingCombinerTask(clip, c, m, train, pixels, tok);
      epoch(m, task, settings.combinerBatch(), 3);
      recompute = epoch(m, task, settings.combinerBatch(), Integer.MAX_VALUE);
    }
    log.accept(String.format(Locale.ROOT, "Combiner epoch recomputing features: %.2f s", recompute));

    // (1d) the same comparison with the stage-1 architecture's CLIP and its Combiner (d, 4d, 8d): the
    // cached epoch on features of that width, the recomputing epoch timed on a few batches of real images
    ClipConfig bigConfig = ClipConfig.named(settings.stage1Arch()).withVocabSize(vocab.size());
    int bd = bigConfig.embedDim();
    int[] bigSizes = Combiner.defaultSizes(bd);
    double bigCached;
    double bigRecompute;
    int bigBatches = 2;
    try (NDManager m = engine.newBaseManager()) {
      java.util.Random r = new java.util.Random(5);
      int n = features.triplets();
      float[][][] rows = new float[3][n][bd];
      for (float[][] block : rows) {
        for (float[] row : block) {
          for (int k = 0; k < bd; k++) {
            row[k] = (float) r.nextGaussian();
          }
        }
      }
      engine.setRandomSeed(3);
      Combiner c = new Combiner(new RandomWeights(m), bigSizes[0], bigSizes[1], bigSizes[2]);
      CombinerTask task = new CombinerTask(c, m, TripletFeatures.of(rows[0], rows[1], rows[2]), null, train.captions(), null, true);
      epoch(m, task, settings.combinerBatch(), 3);
      bigCached = epoch(m, task, settings.combinerBatch(), Integer.MAX_VALUE);
    }
    log.accept(String.format(Locale.ROOT, "%s-size Combiner epoch on cached features: %.2f s", settings.stage1Arch(), bigCached));
    ImagePreprocessor bigPre =
        new ImagePreprocessor(new ImageDecoder(), ImageTransform.forName("targetpad", bigConfig.imageResolution(), 1.25));
    CirDataset subset =
        new CirDataset(train.name(), train.split(),
            train.triplets().subList(0, Math.min(train.triplets().size(), (bigBatches + 1) * settings.combinerBatch())),
            train.gallery(), train.captions());
    MemoryImages bigPixels = MemoryImages.load(tripletImages(subset), bigPre, bigConfig.imageResolution(),
        Runtime.getRuntime().availableProcessors(), ProgressReporter.none());
    try (NDManager m = engine.newBaseManager();
        ClipTokenizer tok = ClipTokenizer.load(tokenizer, bigConfig.contextLength())) {
      engine.setRandomSeed(4);
      ClipModel clip = ClipModel.random(bigConfig, m);
      Combiner c = new Combiner(new RandomWeights(m), bigSizes[0], bigSizes[1], bigSizes[2]);
      RecomputingCombinerTask task = new RecomputingCombinerTask(clip, c, m, subset, bigPixels, tok);
      epoch(m, task, settings.combinerBatch(), 1);
      double perBatch = epoch(m, task, settings.combinerBatch(), bigBatches) / EpochOrder.batches(task.examples(), settings.combinerBatch());
      bigRecompute = perBatch * EpochOrder.batches(features.triplets(), settings.combinerBatch());
    }
    log.accept(String.format(Locale.ROOT, "%s-size Combiner epoch recomputing features (from %d batches): %.1f s", settings.stage1Arch(),
        bigBatches, bigRecompute));

    // (2) a stage-1 update at full size
    ClipConfig big = ClipConfig.named(settings.stage1Arch());
    double[] steps = new double[settings.stage1Runs()];
    long params;
    try (NDManager m = engine.newBaseManager()) {
      engine.setRandomSeed(2);
      ClipModel model = ClipModel.random(big, m);
      StepTask task = new StepTask(model, m, 0);
      params = task.optimizer().parameters().values().stream().mapToLong(p -> p.getArray().size()).sum();
      Map<String, Parameter> trainable = task.optimizer().parameters();
      trainable.values().forEach(p -> p.getArray().setRequiresGradient(true));
      int[] batch = new int[settings.stage1Batch()];
      for (int r = -1; r < settings.stage1Runs(); r++) {
        long s0 = System.nanoTime();
        TrainingLoop.update(m, task, task.optimizer(), trainable, batch, 2e-6, new SplittableRandom(r), 0);
        double secs = (System.nanoTime() - s0) / 1e9;
        if (r >= 0) {
          steps[r] = secs;
        }
        log.accept(String.format(Locale.ROOT, "%s stage-1 update%s: %.2f s", settings.stage1Arch(), r < 0 ? " (warm-up)" : "", secs));
      }
      task.optimizer().close();
    }
    return new Report(
        MachineDescription.describe(), "synthetic dataset, " + settings.size() + " triplets, seed " + settings.seed() + "; tiny CLIP ("
            + bundle.manifest().config() + "), Combiner " + sizes[0] + "/" + sizes[1] + "/" + sizes[2],
        features.triplets(), settings.combinerBatch(), featureSeconds, cached, recompute, bigSizes, bigCached, bigRecompute, bigBatches,
        settings.stage1Arch(), settings.stage1Batch(), steps, params);
  }

  /**
   * Seconds of one epoch of {@code task}; when {@code maxBatches} is smaller than the epoch, the
   * time of that many batches scaled to the whole epoch.
   */
  private static double epoch(NDManager m, TrainingTask task, int batchSize, int maxBatches) {
    AdamW opt = task.optimizer();
    Map<String, Parameter> trainable = opt.parameters();
    trainable.values().forEach(p -> p.getArray().setRequiresGradient(true));
    int[] order = EpochOrder.permutation(0, 0, task.examples());
    int n = EpochOrder.batches(task.examples(), batchSize);
    int timed = Math.min(n, maxBatches);
    long t = System.nanoTime();
    for (int b = 0; b < timed; b++) {
      int[] batch = Arrays.copyOfRange(order, b * batchSize, (b + 1) * batchSize);
      TrainingLoop.update(m, task, opt, trainable, batch, 2e-5, EpochOrder.batchRandom(0, 0, b), 0);
    }
    return (System.nanoTime() - t) / 1e9 * n / timed;
  }

  private static List<GalleryImage> tripletImages(CirDataset train) {
    Set<String> used = new LinkedHashSet<>();
    for (Triplet t : train.triplets()) {
      used.add(t.reference());
      used.add(t.target());
    }
    List<GalleryImage> out = new ArrayList<>();
    for (GalleryImage g : train.gallery().images()) {
      if (used.contains(g.id())) {
        out.add(g);
      }
    }
    return out;
  }

  /** Stage 2 as {@code combiner_train.py} runs it: the frozen CLIP encodes each batch's images and captions. */
  private static final class RecomputingCombinerTask implements TrainingTask {
    private final ClipModel clip;
    private final Combiner combiner;
    private final ParameterStore ps;
    private final CirDataset data;
    private final TrainingImages pixels;
    private final ClipTokenizer tokenizer;
    private final AdamW optimizer;

    RecomputingCombinerTask(ClipModel clip, Combiner combiner, NDManager m, CirDataset data, TrainingImages pixels, ClipTokenizer tokenizer) {
      this.clip = clip;
      this.combiner = combiner;
      this.ps = new ParameterStore(m, false);
      this.data = data;
      this.pixels = pixels;
      this.tokenizer = tokenizer;
      this.optimizer = AdamW.adam(combiner.namedParameters(), m);
    }

    @Override
    public int examples() {
      return data.triplets().size();
    }

    @Override
    public AdamW optimizer() {
      return optimizer;
    }

    @Override
    public NDArray loss(NDManager step, int[] positions, SplittableRandom random) {
      int b = positions.length;
      int[] refs = new int[b];
      int[] tgts = new int[b];
      List<String> texts = new ArrayList<>();
      for (int i = 0; i < b; i++) {
        Triplet t = data.triplets().get(positions[i]);
        refs[i] = pixels.indexOf(t.reference());
        tgts[i] = pixels.indexOf(t.target());
        texts.add(data.captions().trainingText(t, random));
      }
      long[][] rows = tokenizer.encodeBatch(texts);
      long[] flat = new long[b * rows[0].length];
      for (int i = 0; i < b; i++) {
        System.arraycopy(rows[i], 0, flat, i * rows[0].length, rows[0].length);
      }
      NDArray ref;
      NDArray tgt;
      NDArray txt;
      try (AutoCloseable noGrad = Engines.noGrad()) {
        ref = clip.encodeImage(ps, pixels.batch(step, refs), false);
        tgt = clip.encodeImage(ps, pixels.batch(step, tgts), false);
        txt = clip.encodeText(ps, step.create(flat, new Shape(b, rows[0].length)), false);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
      return CombinerTask.loss(combiner, ps, ref, txt, tgt, true);
    }

    @Override
    public Map<String, Tensor> weights() {
      return ClipModel.export(combiner.namedParameters());
    }

    @Override
    public ModelBundle writeBundle(Path dir, Map<String, String> provenance) {
      throw new UnsupportedOperationException("a benchmark writes no bundle");
    }

    @Override
    public void close() {}
  }

  /**
   * Stage-1 updates on random pixels and 15-token captions: per query a reference, a target and
   * {@code negatives} further candidate images through the image tower, as {@link ComposedTask}
   * with hard negatives takes them; what an update costs depends on these shapes, not on the
   * pixels' values.
   */
  static final class StepTask implements TrainingTask {
    private final ClipModel model;
    private final ParameterStore ps;
    private final AdamW optimizer;
    private final int resolution;
    private final int context;
    private final int vocab;
    private final int negatives;

    StepTask(ClipModel model, NDManager m, int negatives) {
      this.model = model;
      this.ps = new ParameterStore(m, false);
      this.optimizer = AdamW.clip4cirFineTuning(ParameterGroup.split(Encoders.BOTH.select(model.namedParameters()), 0.01, false), m);
      this.resolution = model.config().imageResolution();
      this.context = model.config().contextLength();
      this.vocab = model.config().vocabSize();
      this.negatives = negatives;
    }

    /** Images one update of {@code batch} queries reads. */
    static int imagesPerUpdate(int batch, int negatives) {
      return batch * (2 + negatives);
    }

    @Override
    public int examples() {
      return 0;
    }

    @Override
    public AdamW optimizer() {
      return optimizer;
    }

    @Override
    public NDArray loss(NDManager step, int[] positions, SplittableRandom random) {
      int b = positions.length;
      NDArray pixels = step.randomNormal(new Shape(imagesPerUpdate(b, negatives), 3, resolution, resolution));
      long[] tokens = new long[b * context];
      for (int i = 0; i < b; i++) {
        tokens[i * context] = vocab - 2;
        for (int j = 1; j < 14; j++) {
          tokens[i * context + j] = 1 + random.nextInt(vocab - 3);
        }
        tokens[i * context + 14] = vocab - 1;
      }
      return ComposedTask.loss(model, ps, pixels, b, step.create(tokens, new Shape(b, context)));
    }

    @Override
    public Map<String, Tensor> weights() {
      return Map.of();
    }

    @Override
    public ModelBundle writeBundle(Path dir, Map<String, String> provenance) {
      throw new UnsupportedOperationException("a benchmark writes no bundle");
    }

    @Override
    public void close() {}
  }
}
