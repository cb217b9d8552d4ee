package dev.cir.clip.encoder;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslatorContext;
import dev.cir.clip.bundle.BundleManifest;
import dev.cir.clip.bundle.ModelBundle;
import dev.cir.clip.model.ClipConfig;
import dev.cir.clip.model.ClipModel;
import dev.cir.clip.model.Combiner;
import dev.cir.clip.model.Inversion;
import dev.cir.clip.model.ZeroShotQuery;
import dev.cir.clip.image.ImageDecoder;
import dev.cir.clip.image.ImagePreprocessor;
import dev.cir.clip.image.ImageTransform;
import dev.cir.clip.image.InvalidImageException;
import dev.cir.clip.text.ClipTokenizer;
import dev.cir.clip.text.PromptTemplate;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.Arrays;
import java.util.List;

/**
 * Encodes images and texts with a bundle's CLIP towers and fuses them into query vectors. Safe
 * for many threads at once: each tower (image, text, Combiner) has a {@link MicroBatcher} whose
 * worker threads run the forward passes, one DJL predictor each, so calls that arrive while a pass
 * runs share the next one (up to {@link EncoderOptions#maxBatch()} rows); a bulk call is cut into
 * passes of at most {@link EncoderOptions#batchSize()}. No autograd graph is recorded. Features are
 * raw (unnormalised), as CLIP's {@code encode_image}/{@code encode_text} return them; {@link
 * #combine} returns normalised query vectors.
 */
public final class CirEncoder implements AutoCloseable {
  private final BundleManifest manifest;
  private final ClipConfig config;
  private final Model clipModel;
  private final Model combinerModel;
  private final MicroBatcher passes;
  private final MicroBatcher.Tower<float[]> images;
  private final MicroBatcher.Tower<long[]> texts;
  private final MicroBatcher.Tower<float[][]> combiner;
  private final MicroBatcher.Tower<ZeroShotRow> zeroShot;
  private final Model inversionModel;
  private final int batchSize;
  private final int imageChunk;
  private final Device device;
  private final ClipTokenizer tokenizer;
  private final ImagePreprocessor preprocessor;
  private final ExecutorService decoders;

  private CirEncoder(
      BundleManifest manifest,
      ClipTokenizer tokenizer,
      Function<NDManager, ClipModel> clipLoader,
      Function<NDManager, Combiner> combinerLoader,
      Function<NDManager, Inversion> inversionLoader,
      EncoderOptions options) {
    this.manifest = manifest;
    this.tokenizer = tokenizer;
    this.preprocessor =
        new ImagePreprocessor(
            new ImageDecoder(),
            ImageTransform.forName(manifest.preprocess(), manifest.config().imageResolution(), manifest.targetRatio()));
    this.config = manifest.config();
    this.batchSize = options.batchSize();
    this.imageChunk = imageChunk(config, batchSize);
    this.device = Engines.device(options.device());
    Model clip = Model.newInstance("clip", device, "PyTorch");
    Model comb = null;
    Model inv = null;
    try {
      ClipModel clipBlock = clipLoader.apply(clip.getNDManager());
      clip.setBlock(clipBlock);
      if (manifest.hasCombiner()) {
        comb = Model.newInstance("combiner", device, "PyTorch");
        comb.setBlock(combinerLoader.apply(comb.getNDManager()));
      }
      if (manifest.hasInversion()) {
        inv = Model.newInstance("inversion", device, "PyTorch");
        inv.setBlock(new ZeroShotQuery(clipBlock.text(), inversionLoader.apply(inv.getNDManager())));
      }
    } catch (RuntimeException e) {
      if (tokenizer != null) {
        tokenizer.close();
      }
      clip.close();
      if (comb != null) {
        comb.close();
      }
      if (inv != null) {
        inv.close();
      }
      throw e;
    }
    this.clipModel = clip;
    this.combinerModel = comb;
    this.inversionModel = inv;
    int n = options.predictors();
    int r = config.imageResolution();
    this.passes = new MicroBatcher("encoder", n, options.threadsPerPass());
    try {
      this.images = tower("image", Math.min(options.maxBatch(), imageChunk), clip, new PixelsTranslator(r), rows -> rows.toArray(new float[0][]));
      this.texts = tower("text", options.maxBatch(), clip, new TokensTranslator(), rows -> rows.toArray(new long[0][]));
      this.combiner =
          comb == null
              ? null
              : tower("combiner", options.maxBatch(), comb, new CombineTranslator(), rows -> {
                  float[][][] pair = new float[2][rows.size()][];
                  for (int i = 0; i < rows.size(); i++) {
                    pair[0][i] = rows.get(i)[0];
                    pair[1][i] = rows.get(i)[1];
                  }
                  return pair;
                });
      this.zeroShot =
          inv == null ? null : tower("inversion", options.maxBatch(), inv, new ZeroShotTranslator(), rows -> rows.toArray(new ZeroShotRow[0]));
      passes.start();
    } catch (RuntimeException | Error e) {
      passes.close();
      if (tokenizer != null) {
        tokenizer.close();
      }
      clip.close();
      if (comb != null) {
        comb.close();
      }
      if (inv != null) {
        inv.close();
      }
      throw e;
    }
    AtomicInteger threadNumber = new AtomicInteger();
    this.decoders =
        Executors.newFixedThreadPool(
            Runtime.getRuntime().availableProcessors(),
            task -> {
              Thread t = new Thread(task, "cir-image-decode-" + threadNumber.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
  }

  /** A tower of the encoder's batcher: a predictor of its own for each worker. */
  private <R, B> MicroBatcher.Tower<R> tower(
      String name, int maxBatch, Model model, NoBatchifyTranslator<B, float[][]> translator, Function<List<R>, B> toBatch) {
    return passes.tower(name, maxBatch, worker -> new PredictorPass<>(model.newPredictor(translator, device), toBatch));
  }

  /** A worker's pass of one tower: its own DJL predictor, fed the rows as one batch. */
  private static final class PredictorPass<R, B> implements MicroBatcher.Pass<R> {
    private final Predictor<B, float[][]> predictor;
    private final Function<List<R>, B> toBatch;

    PredictorPass(Predictor<B, float[][]> predictor, Function<List<R>, B> toBatch) {
      this.predictor = predictor;
      this.toBatch = toBatch;
    }

    @Override
    public float[][] run(List<R> rows) throws Exception {
      return predictor.predict(toBatch.apply(rows));
    }

    @Override
    public void close() {
      predictor.close();
    }
  }

  /** What each tower has done: passes, rows per pass, waits (image, text, and the Combiner if any). */
  public List<BatchStats> batchStats() {
    List<BatchStats> out = new ArrayList<>(List.of(images.stats(), texts.stats()));
    if (combiner != null) {
      out.add(combiner.stats());
    }
    if (zeroShot != null) {
      out.add(zeroShot.stats());
    }
    return out;
  }

  /**
   * Loads the bundle's models onto the options' device.
   *
   * @throws dev.cir.clip.io.InvalidModelException when a file of the bundle is missing or corrupt
   */
  public static CirEncoder open(ModelBundle bundle, EncoderOptions options) {
    Engines.ensureOffline();
    ClipConfig c = bundle.manifest().config();
    ClipTokenizer tok = ClipTokenizer.load(bundle.tokenizerFile(), c.contextLength());
    try {
      tok.checkCompatible(c.vocabSize(), c.contextLength());
    } catch (RuntimeException e) {
      tok.close();
      throw e;
    }
    return new CirEncoder(bundle.manifest(), tok, bundle::loadClip, bundle::loadCombiner, bundle::loadInversion, options);
  }

  /**
   * An encoder over OpenAI's random initialisation of {@code config}, without a Combiner: for
   * benchmarks at full model size without writing weights to disk.
   */
  public static CirEncoder withRandomWeights(ClipConfig config, EncoderOptions options) {
    Engines.ensureOffline();
    BundleManifest m =
        new BundleManifest(
            BundleManifest.FORMAT_VERSION, null, config, "targetpad", 1.25, BundleManifest.CLIP_FILE,
            BundleManifest.TOKENIZER_FILE, null, null, null, java.util.Map.of("source", "random initialisation"));
    return new CirEncoder(m, null, mgr -> ClipModel.random(config, mgr), mgr -> null, mgr -> null, options);
  }

  public BundleManifest manifest() {
    return manifest;
  }

  public ClipConfig config() {
    return config;
  }

  /** Dimension of every feature and query vector. */
  public int dimension() {
    return config.embedDim();
  }

  public boolean hasCombiner() {
    return combiner != null;
  }

  /** Whether the bundle has the inversion network φ of zero-shot queries ({@link CombineMode#INVERSION}). */
  public boolean hasInversion() {
    return zeroShot != null;
  }

  public Device device() {
    return device;
  }

  /** Decoding limits and the bundle's preprocessing (clip, squarepad or targetpad). */
  public ImagePreprocessor preprocessor() {
    return preprocessor;
  }

  /**
   * Decodes, preprocesses and encodes one image file.
   *
   * @throws dev.cir.clip.image.InvalidImageException naming the file when it cannot be decoded
   */
  public float[] encodeImage(Path file) {
    return encodePixels(List.of(preprocessor.preprocess(file)))[0];
  }

  /**
   * Decodes, preprocesses and encodes one image given as bytes.
   *
   * @param source a name for the image in error messages (a document id, an upload's file name)
   */
  public float[] encodeImage(byte[] data, String source) {
    return encodePixels(List.of(preprocessor.preprocess(data, source)))[0];
  }

  /**
   * Encodes image files, decoding them in parallel. A file that cannot be decoded is reported in
   * its own result; the others are encoded. Every file is decoded before the first is encoded: for
   * more files than memory should hold at once, use {@link #imageBatches}.
   */
  public List<ImageEncoding> encodeImageFiles(List<Path> files) {
    if (files.isEmpty()) {
      return List.of();
    }
    try (ImageBatches all = imageBatches(files, files.size(), 0)) {
      return all.next();
    }
  }

  /**
   * Image files encoded in batches of {@code batchSize}, in order, decoding {@code prefetch}
   * batches ahead of the one being encoded on the encoder's decode threads: memory holds at most
   * {@code (prefetch + 1) x batchSize} decoded images (3 x R x R floats each). Close it to cancel
   * the decoding not taken.
   */
  public ImageBatches imageBatches(List<Path> files, int batchSize, int prefetch) {
    return new ImageBatches(files, batchSize, prefetch, preprocessor, decoders, this::encodePixels);
  }

  /**
   * Encodes image files, all or nothing.
   *
   * @throws dev.cir.clip.image.InvalidImageException for the first file that cannot be decoded,
   *     saying how many others failed too
   */
  public float[][] encodeImages(List<Path> files) {
    List<ImageEncoding> all = encodeImageFiles(files);
    List<ImageEncoding> failed = all.stream().filter(e -> !e.succeeded()).toList();
    if (!failed.isEmpty()) {
      RuntimeException first = failed.get(0).failure();
      if (failed.size() == 1) {
        throw first;
      }
      throw new InvalidImageException(
          failed.get(0).file().toString(), first.getMessage() + " (and " + (failed.size() - 1) + " other image(s) failed)", first);
    }
    return all.stream().map(ImageEncoding::features).toArray(float[][]::new);
  }

  /**
   * @param pixels preprocessed images, each [3, R, R] in channel-major order
   * @return raw image features, one row per image
   */
  public float[][] encodePixels(List<float[]> pixels) {
    int expected = 3 * config.imageResolution() * config.imageResolution();
    for (int i = 0; i < pixels.size(); i++) {
      if (pixels.get(i).length != expected) {
        throw new IllegalArgumentException(
            "image " + i + " has " + pixels.get(i).length + " values; this model takes 3x" + config.imageResolution() + "x"
                + config.imageResolution() + " = " + expected);
      }
    }
    return concat(passes.runAll(images, chunks(pixels, imageChunk)), pixels.size());
  }

  /** {@code rows} cut into runs of at most {@code size}. */
  private static <R> List<List<R>> chunks(List<R> rows, int size) {
    List<List<R>> out = new ArrayList<>();
    for (int start = 0; start < rows.size(); start += size) {
      out.add(rows.subList(start, Math.min(rows.size(), start + size)));
    }
    return out;
  }

  private static float[][] concat(List<float[][]> parts, int n) {
    float[][] out = new float[n][];
    int k = 0;
    for (float[][] part : parts) {
      System.arraycopy(part, 0, out, k, part.length);
      k += part.length;
    }
    return out;
  }

  /**
   * Tokenizes and encodes texts. A text longer than the context is truncated, as {@code
   * clip.tokenize(truncate=True)} does. Texts are grouped by length so each batch runs only as far
   * as its own longest text.
   *
   * @return raw text features, one row per text, in the order given
   */
  public float[][] encodeTexts(List<String> texts) {
    if (tokenizer == null) {
      throw new IllegalStateException("this encoder has no tokenizer; encode token ids instead");
    }
    long[][] rows = tokenizer.encodeBatch(texts);
    Integer[] order = new Integer[rows.length];
    int[] ends = new int[rows.length];
    for (int i = 0; i < rows.length; i++) {
      order[i] = i;
      ends[i] = tokenizer.endPosition(rows[i]);
    }
    Arrays.sort(order, (a, b) -> Integer.compare(ends[a], ends[b]));
    long[][] sorted = new long[rows.length][];
    for (int i = 0; i < rows.length; i++) {
      sorted[i] = rows[order[i]];
    }
    float[][] enc = encodeTokens(sorted);
    float[][] out = new float[rows.length][];
    for (int i = 0; i < rows.length; i++) {
      out[order[i]] = enc[i];
    }
    return out;
  }

  /** Tokenizes and encodes one text. */
  public float[] encodeText(String text) {
    return encodeTexts(List.of(text))[0];
  }

  /** The bundle's tokenizer (token rows of the context length). */
  public ClipTokenizer tokenizer() {
    if (tokenizer == null) {
      throw new IllegalStateException("this encoder has no tokenizer");
    }
    return tokenizer;
  }

  /**
   * @param tokens token ids, each row of the context length as the CLIP tokenizer writes it
   * @return raw text features, one row per text
   */
  public float[][] encodeTokens(long[][] tokens) {
    for (long[] row : tokens) {
      if (row.length != config.contextLength()) {
        throw new IllegalArgumentException(
            "token rows must have the context length " + config.contextLength() + ", got " + row.length);
      }
      for (long id : row) {
        if (id < 0 || id >= config.vocabSize()) {
          throw new IllegalArgumentException("token id " + id + " outside the vocabulary [0, " + config.vocabSize() + ")");
        }
      }
    }
    return concat(passes.runAll(texts, chunks(Arrays.asList(tokens), batchSize)), tokens.length);
  }

  /**
   * Fuses reference-image and text features row by row.
   *
   * @param image raw image features [n][d]
   * @param text raw text features [n][d]
   * @throws IllegalStateException for {@link CombineMode#COMBINER} on a bundle without one
   */
  public Combination combine(float[][] image, float[][] text, CombineMode mode) {
    if (image.length != text.length) {
      throw new IllegalArgumentException(image.length + " image rows but " + text.length + " text rows");
    }
    int d = dimension();
    for (int i = 0; i < image.length; i++) {
      if (image[i].length != d || text[i].length != d) {
        throw new IllegalArgumentException(
            "row " + i + ": features must have dimension " + d + ", got image " + image[i].length + " and text "
                + text[i].length);
      }
    }
    int n = image.length;
    float[] lambda = new float[n];
    Arrays.fill(lambda, Float.NaN);
    float[][] out = new float[n][];
    switch (mode) {
      case COMBINER -> {
        if (combiner == null) {
          throw new IllegalStateException(
              "the bundle has no Combiner; use combine=sum, or train one with 'cir train combiner'");
        }
        List<float[][]> pairs = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          pairs.add(new float[][] {image[i], text[i]});
        }
        float[][] r = concat(passes.runAll(combiner, chunks(pairs, batchSize)), n);
        for (int i = 0; i < n; i++) {
          out[i] = Arrays.copyOf(r[i], d);
          lambda[i] = r[i][d];
        }
      }
      case SUM -> {
        for (int i = 0; i < n; i++) {
          float[] s = new float[d];
          for (int k = 0; k < d; k++) {
            s[k] = image[i][k] + text[i][k];
          }
          out[i] = normalize(s);
        }
      }
      case IMAGE -> {
        for (int i = 0; i < n; i++) {
          out[i] = normalize(image[i].clone());
        }
      }
      case TEXT -> {
        for (int i = 0; i < n; i++) {
          out[i] = normalize(text[i].clone());
        }
      }
      case INVERSION -> throw new IllegalArgumentException(
          "combine=inversion encodes the text inside its prompt, not apart: call zeroShot(image, texts, template)");
    }
    return new Combination(out, lambda, mode);
  }

  /**
   * Zero-shot composed queries ({@link CombineMode#INVERSION}): for each row, the text tower's
   * features of {@code template} filled with the text, the reference's pseudo-word φ(image) at the
   * placeholder, normalized. One text-tower pass per batch of queries, as for a caption.
   *
   * @param image raw image features of the references [n][d]
   * @param texts the modification texts, one per reference
   * @param template the query template, or null for the bundle's
   * @throws IllegalStateException when the bundle has no inversion network
   */
  public Combination zeroShot(float[][] image, List<String> texts, PromptTemplate template) {
    return new Combination(
        Arrays.stream(zeroShotFeatures(image, texts, template)).map(CirEncoder::normalize).toArray(float[][]::new),
        nanLambdas(image.length), CombineMode.INVERSION);
  }

  /** {@link #zeroShot}'s raw text features, before normalization. */
  public float[][] zeroShotFeatures(float[][] image, List<String> texts, PromptTemplate template) {
    if (zeroShot == null) {
      throw new IllegalStateException(
          "the bundle has no inversion network; train one with 'cir train inversion', or use combine=sum");
    }
    if (image.length != texts.size()) {
      throw new IllegalArgumentException(image.length + " image rows but " + texts.size() + " texts");
    }
    PromptTemplate t = template != null ? template : manifest.inversion().queryTemplate();
    ClipTokenizer tok = tokenizer();
    int d = dimension();
    List<ZeroShotRow> rows = new ArrayList<>(image.length);
    for (int i = 0; i < image.length; i++) {
      if (image[i].length != d) {
        throw new IllegalArgumentException("row " + i + ": image features must have dimension " + d + ", got " + image[i].length);
      }
      ClipTokenizer.PromptTokens p = tok.encodePrompt(t.fill(texts.get(i)));
      rows.add(new ZeroShotRow(p.row(), p.position(), image[i]));
    }
    return concat(passes.runAll(zeroShot, chunks(rows, batchSize)), rows.size());
  }

  private static float[] nanLambdas(int n) {
    float[] lambda = new float[n];
    Arrays.fill(lambda, Float.NaN);
    return lambda;
  }

  /** One zero-shot query for the inversion tower: its prompt's tokens, the placeholder's position, the reference. */
  private record ZeroShotRow(long[] tokens, int position, float[] image) {}

  /** Largest block of memory one forward pass may ask for, per activation tensor. */
  static final long ACTIVATION_BUDGET_BYTES = 32L << 20;

  /**
   * How many images go through the image tower at once. Beyond glibc's largest mmap threshold
   * (32 MiB) every activation is a fresh mapping whose pages fault in on each pass, which costs
   * more than the larger batch gains; so batches are cut to keep each activation under it. Results
   * do not depend on the cut (every layer treats images independently).
   */
  static int imageChunk(ClipConfig c, int batchSize) {
    long perImage = largestActivationFloats(c) * Float.BYTES;
    return (int) Math.max(1, Math.min(batchSize, ACTIVATION_BUDGET_BYTES / perImage));
  }

  /** Floats in the largest activation of one image in the image tower. */
  static long largestActivationFloats(ClipConfig c) {
    long r = c.imageResolution();
    if (c.isVit()) {
      long n = (r / c.visionPatchSize()) * (r / c.visionPatchSize()) + 1;
      long w = c.visionWidth();
      return Math.max(n * 4 * w, (long) c.visionHeads() * n * n);
    }
    long w = c.visionWidth();
    long stem = w * (r / 2) * (r / 2); // third stem convolution, before the pool
    long layer1 = w * 4 * (r / 4) * (r / 4); // bottleneck output of the first stage
    return Math.max(stem, layer1);
  }

  /** In place: v / max(‖v‖₂, 1e-12), as {@code F.normalize}. */
  public static float[] normalize(float[] v) {
    double ss = 0;
    for (float x : v) {
      ss += (double) x * x;
    }
    float norm = (float) Math.max(Math.sqrt(ss), 1e-12);
    for (int i = 0; i < v.length; i++) {
      v[i] /= norm;
    }
    return v;
  }

  @Override
  public void close() {
    decoders.shutdownNow();
    passes.close();
    clipModel.close();
    if (tokenizer != null) {
      tokenizer.close();
    }
    if (combinerModel != null) {
      combinerModel.close();
    }
    if (inversionModel != null) {
      inversionModel.close();
    }
  }

  static float[][] rows(NDArray a) {
    long[] shape = a.getShape().getShape();
    int n = (int) shape[0];
    int d = (int) (a.size() / Math.max(1, n));
    float[] flat = a.toType(DataType.FLOAT32, false).toFloatArray();
    float[][] out = new float[n][];
    for (int i = 0; i < n; i++) {
      out[i] = Arrays.copyOfRange(flat, i * d, (i + 1) * d);
    }
    return out;
  }

  /** A batch of preprocessed images → the image tower. */
  private static final class PixelsTranslator implements NoBatchifyTranslator<float[][], float[][]> {
    private final int resolution;

    PixelsTranslator(int resolution) {
      this.resolution = resolution;
    }

    @Override
    public NDList processInput(TranslatorContext ctx, float[][] batch) {
      int per = 3 * resolution * resolution;
      float[] flat = new float[batch.length * per];
      for (int i = 0; i < batch.length; i++) {
        System.arraycopy(batch[i], 0, flat, i * per, per);
      }
      NDManager m = ctx.getNDManager();
      return new NDList(m.create(flat, new Shape(batch.length, 3, resolution, resolution)));
    }

    @Override
    public float[][] processOutput(TranslatorContext ctx, NDList list) {
      return rows(list.singletonOrThrow());
    }
  }

  /** A batch of token rows → the text tower. */
  private static final class TokensTranslator implements NoBatchifyTranslator<long[][], float[][]> {
    @Override
    public NDList processInput(TranslatorContext ctx, long[][] batch) {
      int n = batch[0].length;
      long[] flat = new long[batch.length * n];
      for (int i = 0; i < batch.length; i++) {
        System.arraycopy(batch[i], 0, flat, i * n, n);
      }
      return new NDList(ctx.getNDManager().create(flat, new Shape(batch.length, n)));
    }

    @Override
    public float[][] processOutput(TranslatorContext ctx, NDList list) {
      return rows(list.singletonOrThrow());
    }
  }

  /** (image rows, text rows) → Combiner → rows of [combined..., λ]. */
  private static final class CombineTranslator implements NoBatchifyTranslator<float[][][], float[][]> {
    @Override
    public NDList processInput(TranslatorContext ctx, float[][][] pair) {
      NDManager m = ctx.getNDManager();
      return new NDList(matrix(m, pair[0]), matrix(m, pair[1]));
    }

    @Override
    public float[][] processOutput(TranslatorContext ctx, NDList list) {
      return rows(list.get(0).concat(list.get(1), 1));
    }

    private static NDArray matrix(NDManager m, float[][] rows) {
      int d = rows[0].length;
      float[] flat = new float[rows.length * d];
      for (int i = 0; i < rows.length; i++) {
        System.arraycopy(rows[i], 0, flat, i * d, d);
      }
      return m.create(flat, new Shape(rows.length, d));
    }
  }

  /** Zero-shot rows → (tokens [b, n], positions [b], image features [b, d]) → the inversion tower. */
  private static final class ZeroShotTranslator implements NoBatchifyTranslator<ZeroShotRow[], float[][]> {
    @Override
    public NDList processInput(TranslatorContext ctx, ZeroShotRow[] batch) {
      NDManager m = ctx.getNDManager();
      int n = batch[0].tokens().length;
      int d = batch[0].image().length;
      long[] tokens = new long[batch.length * n];
      long[] positions = new long[batch.length];
      float[] image = new float[batch.length * d];
      for (int i = 0; i < batch.length; i++) {
        System.arraycopy(batch[i].tokens(), 0, tokens, i * n, n);
        positions[i] = batch[i].position();
        System.arraycopy(batch[i].image(), 0, image, i * d, d);
      }
      return new NDList(
          m.create(tokens, new Shape(batch.length, n)), m.create(positions), m.create(image, new Shape(batch.length, d)));
    }

    @Override
    public float[][] processOutput(TranslatorContext ctx, NDList list) {
      return rows(list.singletonOrThrow());
    }
  }
}
