package dev.cir.clip.encoder;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.cir.clip.bundle.BundleManifest;
import dev.cir.clip.bundle.ModelBundle;
import dev.cir.clip.encoder.Translators.ZeroShotRow;
import dev.cir.clip.image.ImageDecoder;
import dev.cir.clip.image.ImagePreprocessor;
import dev.cir.clip.image.ImageTransform;
import dev.cir.clip.image.InvalidImageException;
import dev.cir.clip.model.Bf16Kernels;
import dev.cir.clip.model.ClipConfig;
import dev.cir.clip.model.ClipModel;
import dev.cir.clip.model.Combiner;
import dev.cir.clip.model.Inversion;
import dev.cir.clip.model.Precision;
import dev.cir.clip.text.ClipTokenizer;
import dev.cir.clip.text.PromptTemplate;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Encodes images and texts with a bundle's CLIP towers and fuses them into query vectors. Safe
 * for many threads at once: calls that arrive while a forward pass runs share the next one (up to
 * {@link EncoderOptions#maxBatch()} rows); a bulk call is cut into passes of at most {@link
 * EncoderOptions#batchSize()}. No autograd graph is recorded. Features are raw (unnormalised), as
 * CLIP's {@code encode_image}/{@code encode_text} return them; {@link #combine} returns normalised
 * query vectors.
 *
 * <p>This class checks its inputs and puts the pieces together: the tokenizer and the image
 * preprocessing of the bundle, {@link Towers} (the blocks on the device and the {@link
 * MicroBatcher} that runs their passes, fed by {@link Translators}), {@link PassSizes} (how many
 * rows a pass takes), {@link Fusion} (the sum, image and text modes) and the decode threads that
 * {@link ImageBatches} uses.
 */
public final class CirEncoder implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CirEncoder.class);
  private final BundleManifest manifest;
  private final ClipConfig config;
  private final Towers towers;
  private final int batchSize;
  private final int imageChunk;
  private final ClipTokenizer tokenizer;
  private final ImagePreprocessor preprocessor;
  private final ExecutorService decoders;
  private final Precision precision;

  private CirEncoder(
      BundleManifest manifest,
      ClipTokenizer tokenizer,
      Function<NDManager, ClipModel> clipLoader,
      Function<NDManager, Combiner> combinerLoader,
      Function<NDManager, Inversion> inversionLoader,
      EncoderOptions options) {
    this.manifest = manifest;
    this.tokenizer = tokenizer;
    this.config = manifest.config();
    this.preprocessor =
        new ImagePreprocessor(
            new ImageDecoder(),
            ImageTransform.forName(manifest.preprocess(), config.imageResolution(), manifest.targetRatio()));
    this.batchSize = options.batchSize();
    this.imageChunk = PassSizes.imageChunk(config, batchSize);
    try {
      this.towers =
          new Towers(
              Engines.device(options.device()), manifest.hasCombiner(), manifest.hasInversion(), clipLoader, combinerLoader,
              inversionLoader, config.imageResolution(), Math.min(options.maxBatch(), imageChunk), options);
    } catch (RuntimeException | Error e) {
      if (tokenizer != null) {
        tokenizer.close();
      }
      throw e;
    }
    this.decoders = ImageBatches.decodeThreads();
    this.precision = options.precision();
    if (towers.bf16Emulated()) {
      LOG.warn(
          "precision bf16 {}: its products run emulated, float32 kernels on operands rounded to bfloat16 (bf16's"
              + " numbers at about float32's speed, not faster; precision=float32 is exact and as fast)",
          // emulated on a GPU or a CPU with native bfloat16 only because the property asks
          Precision.cpuHasNativeBf16() || towers.device().isGpu()
              ? "with " + Bf16Kernels.KERNELS_PROPERTY + "=emulated"
              : "on a CPU without AVX512-BF16 or AMX");
    }
  }

  /** What each tower has done: passes, rows per pass, waits (image, text, and the Combiner if any). */
  public List<BatchStats> batchStats() {
    return towers.stats();
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
            BundleManifest.TOKENIZER_FILE, null, null, null, Map.of("source", "random initialisation"));
    return new CirEncoder(m, null, mgr -> ClipModel.random(config, mgr), mgr -> null, mgr -> null, options);
  }

  /**
   * Bytes of native memory the loaded weights hold: every tower, the Combiner and φ, with the
   * bfloat16 copies in bf16 (predictors share the weights; activations come and go with the passes).
   */
  public long weightBytes() {
    return towers.weightBytes();
  }

  /**
   * Whether the passes run fused ({@link EncoderOptions#fusedPasses()} on a CPU whose PyTorch has
   * oneDNN; bf16 only where the CPU has native bf16), else operation by operation.
   */
  public boolean fusedPasses() {
    return towers.fused();
  }

  /** The arithmetic of this encoder's passes: float32 (exact) or bf16. */
  /**
   * Whether this encoder's bf16 products run emulated: float32 kernels on operands rounded to
   * bfloat16, on a CPU without native bfloat16 ({@link Bf16Kernels}); false in float32.
   */
  public boolean bf16Emulated() {
    return towers.bf16Emulated();
  }

  public Precision precision() {
    return precision;
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
    return towers.combiner != null;
  }

  /** Whether the bundle has the inversion network φ of zero-shot queries ({@link CombineMode#INVERSION}). */
  public boolean hasInversion() {
    return towers.zeroShot != null;
  }

  public Device device() {
    return towers.device();
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
    return towers.run(towers.images, PassSizes.chunks(pixels, imageChunk), pixels.size());
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
    return towers.run(towers.texts, PassSizes.chunks(Arrays.asList(tokens), batchSize), tokens.length);
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
        if (towers.combiner == null) {
          throw new IllegalStateException(
              "the bundle has no Combiner; use combine=sum, or train one with 'cir train combiner'");
        }
        List<float[][]> pairs = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          pairs.add(new float[][] {image[i], text[i]});
        }
        float[][] r = towers.run(towers.combiner, PassSizes.chunks(pairs, batchSize), n);
        for (int i = 0; i < n; i++) {
          out[i] = Arrays.copyOf(r[i], d);
          lambda[i] = r[i][d];
        }
      }
      case SUM -> {
        for (int i = 0; i < n; i++) {
          out[i] = Fusion.sum(image[i], text[i]);
        }
      }
      case IMAGE -> {
        for (int i = 0; i < n; i++) {
          out[i] = Fusion.normalized(image[i]);
        }
      }
      case TEXT -> {
        for (int i = 0; i < n; i++) {
          out[i] = Fusion.normalized(text[i]);
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
        Arrays.stream(zeroShotFeatures(image, texts, template)).map(Fusion::normalize).toArray(float[][]::new),
        nanLambdas(image.length), CombineMode.INVERSION);
  }

  /** {@link #zeroShot}'s raw text features, before normalization. */
  public float[][] zeroShotFeatures(float[][] image, List<String> texts, PromptTemplate template) {
    if (towers.zeroShot == null) {
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
    return towers.run(towers.zeroShot, PassSizes.chunks(rows, batchSize), rows.size());
  }

  private static float[] nanLambdas(int n) {
    float[] lambda = new float[n];
    Arrays.fill(lambda, Float.NaN);
    return lambda;
  }

  @Override
  public void close() {
    decoders.shutdownNow();
    towers.close();
    if (tokenizer != null) {
      tokenizer.close();
    }
  }
}
