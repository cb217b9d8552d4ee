package dev.cir.solr.model;

import dev.cir.clip.bundle.ModelBundle;
import dev.cir.clip.encoder.CirEncoder;
import dev.cir.clip.encoder.Combination;
import dev.cir.clip.encoder.CombineMode;
import dev.cir.clip.encoder.EncoderOptions;
import dev.cir.clip.text.PromptTemplate;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * One loaded bundle as the plugin uses it: the thread-safe {@link CirEncoder} and Caffeine caches of
 * text features (keyed by the text) and of query images' features (keyed by the image's content
 * digest), and of zero-shot queries (keyed by the prompt, the text and the reference's features).
 * Features are raw (as CLIP's towers return them); {@link #combine} and {@link #zeroShot} return
 * the normalized query vector.
 */
public final class CirModel implements AutoCloseable {
  private final ModelBundle bundle;
  private final CirEncoder encoder;
  private final FeatureCache<String> textCache;
  private final FeatureCache<String> imageCache;
  private final FeatureCache<String> zeroShotCache;
  private final long weightBytes;
  /** The bundle's files as they were when it loaded: name → size and modification time. */
  private final Map<String, FileStamp> files;

  CirModel(ModelBundle bundle, CirEncoder encoder, int textCacheSize, int imageCacheSize) {
    this.bundle = bundle;
    this.encoder = encoder;
    this.textCache = new FeatureCache<>(textCacheSize);
    this.imageCache = new FeatureCache<>(imageCacheSize);
    // a zero-shot query runs the text tower: it is bounded as the text cache is
    this.zeroShotCache = new FeatureCache<>(encoder.hasInversion() ? textCacheSize : 0);
    this.weightBytes = encoder.weightBytes();
    this.files = stamps(bundle.dir());
  }

  private record FileStamp(long size, long modified) {}

  private static Map<String, FileStamp> stamps(Path dir) {
    Map<String, FileStamp> out = new LinkedHashMap<>();
    try (Stream<Path> s = Files.list(dir)) {
      for (Path f : s.sorted().toList()) {
        BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
        if (a.isRegularFile()) {
          out.put(f.getFileName().toString(), new FileStamp(a.size(), a.lastModifiedTime().toMillis()));
        }
      }
    } catch (IOException e) {
      // the model is loaded; its directory is only watched: nothing recorded, nothing reported later
    }
    return out;
  }

  /**
   * What happened to the bundle's directory since the model loaded, or null when nothing did: the
   * directory or a file of it is gone, or a file has another size or modification time. The loaded
   * model keeps serving either way (its weights are in memory); this is for the health check.
   * Never throws.
   */
  public String diskChange() {
    Path dir = bundle.dir();
    if (!Files.isDirectory(dir)) {
      return "its directory " + dir + " is gone";
    }
    Map<String, FileStamp> now = stamps(dir);
    List<String> gone = new java.util.ArrayList<>();
    List<String> changed = new java.util.ArrayList<>();
    for (Map.Entry<String, FileStamp> e : files.entrySet()) {
      FileStamp n = now.get(e.getKey());
      if (n == null) {
        gone.add(e.getKey());
      } else if (!n.equals(e.getValue())) {
        changed.add(e.getKey());
      }
    }
    if (gone.isEmpty() && changed.isEmpty()) {
      return null;
    }
    StringBuilder b = new StringBuilder("in ").append(dir).append(",");
    if (!gone.isEmpty()) {
      b.append(" gone: ").append(String.join(", ", gone)).append(changed.isEmpty() ? "" : ";");
    }
    if (!changed.isEmpty()) {
      b.append(" changed since it loaded: ").append(String.join(", ", changed));
    }
    return b.toString();
  }

  /**
   * Opens and loads a bundle.
   *
   * @throws dev.cir.clip.io.InvalidModelException naming the file that is missing or corrupt
   */
  static CirModel load(BundleDefinition.LoadKey key) {
    ModelBundle b = ModelBundle.open(key.dir());
    EncoderOptions options =
        EncoderOptions.defaults().withDevice(key.device()).withPredictors(key.predictors()).withMaxBatch(key.maxBatch()).withThreads(key.threads())
            .withPrecision(key.precision()).withFusedPasses(key.fusedPasses());
    b.imageTowerFingerprint(); // read the weights once more now, not on the first query
    return new CirModel(b, CirEncoder.open(b, options), key.textCacheSize(), key.imageCacheSize());
  }

  /** A model over an encoder opened elsewhere (tests, the command line); the model closes it. */
  public static CirModel of(ModelBundle bundle, CirEncoder encoder, int textCacheSize, int imageCacheSize) {
    return new CirModel(bundle, encoder, textCacheSize, imageCacheSize);
  }

  public Path dir() {
    return bundle.dir();
  }

  /** The content hash of the bundle's {@code bundle.json}. */
  public String fingerprint() {
    return bundle.fingerprint();
  }

  /** The fingerprint of the bundle's image tower and preprocessing, which indexed vectors record. */
  public String imageFingerprint() {
    return bundle.imageTowerFingerprint();
  }

  /** Native memory the loaded weights hold (with bf16's copies), measured when the model loaded. */
  public long weightBytes() {
    return weightBytes;
  }

  public int dimension() {
    return encoder.dimension();
  }

  public boolean hasCombiner() {
    return encoder.hasCombiner();
  }

  /** Whether the bundle has an inversion network φ, for combine=inversion. */
  public boolean hasInversion() {
    return encoder.hasInversion();
  }

  /** The query template of the bundle's φ, or null without one. */
  public PromptTemplate queryTemplate() {
    return encoder.hasInversion() ? bundle.manifest().inversion().queryTemplate() : null;
  }

  /** The encoder, for index-time image encoding. */
  public CirEncoder encoder() {
    return encoder;
  }

  /** Raw text features of {@code text}, from the cache when it was encoded before. */
  public TextFeatures textFeatures(String text) {
    long start = System.nanoTime();
    FeatureCache.Lookup l = textCache.get(text, encoder::encodeText);
    return new TextFeatures(l.features(), l.cached(), System.nanoTime() - start);
  }

  /**
   * Raw image features of an image sent with a query, from the cache when the same content was
   * encoded before. Decoded with the indexing guards and preprocessed as the bundle says.
   *
   * @param digest the content digest of {@code data} (the cache key)
   * @param source names the image in error messages
   * @throws dev.cir.clip.image.InvalidImageException when the data is not an image this decoder takes
   */
  public ImageFeatures imageFeatures(String digest, byte[] data, String source) {
    long start = System.nanoTime();
    FeatureCache.Lookup l = imageCache.get(digest, d -> encoder.encodeImage(data, source));
    return new ImageFeatures(l.features(), l.cached(), System.nanoTime() - start);
  }

  /** The normalized query vector fusing one reference image's and one text's raw features. */
  public Combination combine(float[] reference, float[] text, CombineMode mode) {
    return encoder.combine(new float[][] {reference}, new float[][] {text}, mode);
  }

  /**
   * The normalized zero-shot query vector of one reference and one text (combine=inversion), from
   * the cache when the same query was encoded before.
   *
   * @param reference the reference's raw image features
   * @param template the prompt, or null for the bundle's
   * @throws IllegalStateException when the bundle has no inversion network
   */
  public TextFeatures zeroShot(float[] reference, String text, PromptTemplate template) {
    long start = System.nanoTime();
    PromptTemplate t = template != null ? template : queryTemplate();
    if (t == null) {
      throw new IllegalStateException("the bundle has no inversion network");
    }
    String key = t.template() + '\0' + text + '\0' + digest(reference);
    FeatureCache.Lookup l =
        zeroShotCache.get(key, k -> encoder.zeroShot(new float[][] {reference}, List.of(text), t).vector(0));
    return new TextFeatures(l.features(), l.cached(), System.nanoTime() - start);
  }

  private static String digest(float[] v) {
    ByteBuffer b = ByteBuffer.allocate(v.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(v);
    try {
      return Base64.getEncoder().withoutPadding().encodeToString(MessageDigest.getInstance("SHA-256").digest(b.array()));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Hits, misses and entries of the zero-shot query cache since the model was loaded. */
  public CacheStats zeroShotCacheStats() {
    return new CacheStats(zeroShotCache.hits(), zeroShotCache.misses(), zeroShotCache.size());
  }

  /** Hits, misses and entries of the text cache since the model was loaded. */
  public CacheStats textCacheStats() {
    return new CacheStats(textCache.hits(), textCache.misses(), textCache.size());
  }

  /** Hits, misses and entries of the query-image cache since the model was loaded. */
  public CacheStats imageCacheStats() {
    return new CacheStats(imageCache.hits(), imageCache.misses(), imageCache.size());
  }

  /** How a cache has served since the model was loaded. */
  public record CacheStats(long hits, long misses, int entries) {}

  @Override
  public void close() {
    boolean now;
    synchronized (this) {
      closing = true;
      now = inUse == 0 && !closed;
      closed |= now;
    }
    if (now) {
      encoder.close();
    }
  }

  private int inUse;
  private boolean closing;
  private boolean closed;

  /**
   * Holds the model for one request: {@link #close} waits for every use to end before it closes
   * the encoder, so a bundle removed (or a core closed) while a query encodes never closes under it.
   *
   * @return the use to close when the request is done, or null when the model is closing already
   */
  public synchronized Use use() {
    if (closing) {
      return null;
    }
    inUse++;
    return new Use(this);
  }

  private void endUse() {
    boolean now;
    synchronized (this) {
      inUse--;
      now = closing && inUse == 0 && !closed;
      closed |= now;
    }
    if (now) {
      encoder.close();
    }
  }

  /** One request's hold on a model ({@link #use}); closing it twice releases once. */
  public static final class Use implements AutoCloseable {
    private final CirModel model;
    private boolean ended;

    private Use(CirModel model) {
      this.model = model;
    }

    public CirModel model() {
      return model;
    }

    @Override
    public synchronized void close() {
      if (!ended) {
        ended = true;
        model.endUse();
      }
    }
  }

  @Override
  public String toString() {
    return bundle.toString();
  }

  /** Raw text features, whether they came from the cache, and how long getting them took. */
  public record TextFeatures(float[] features, boolean cached, long nanos) {}

  /** Raw image features, whether they came from the cache, and how long getting them took. */
  public record ImageFeatures(float[] features, boolean cached, long nanos) {}
}
