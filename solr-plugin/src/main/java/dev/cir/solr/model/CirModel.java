package dev.cir.solr.model;

import dev.cir.clip.bundle.ModelBundle;
import dev.cir.clip.encoder.CirEncoder;
import dev.cir.clip.encoder.Combination;
import dev.cir.clip.encoder.CombineMode;
import dev.cir.clip.encoder.EncoderOptions;
import java.nio.file.Path;

/**
 * One loaded bundle as the plugin uses it: the thread-safe {@link CirEncoder} and Caffeine caches of
 * text features (keyed by the text) and of query images' features (keyed by the image's content
 * digest). Features are raw (as CLIP's towers return them); {@link #combine} returns the
 * normalized query vector.
 */
public final class CirModel implements AutoCloseable {
  private final ModelBundle bundle;
  private final CirEncoder encoder;
  private final FeatureCache<String> textCache;
  private final FeatureCache<String> imageCache;

  CirModel(ModelBundle bundle, CirEncoder encoder, int textCacheSize, int imageCacheSize) {
    this.bundle = bundle;
    this.encoder = encoder;
    this.textCache = new FeatureCache<>(textCacheSize);
    this.imageCache = new FeatureCache<>(imageCacheSize);
  }

  /**
   * Opens and loads a bundle.
   *
   * @throws dev.cir.clip.io.InvalidModelException naming the file that is missing or corrupt
   */
  static CirModel load(BundleDefinition.LoadKey key) {
    ModelBundle b = ModelBundle.open(key.dir());
    EncoderOptions options =
        EncoderOptions.defaults().withDevice(key.device()).withPredictors(key.predictors()).withMaxBatch(key.maxBatch()).withThreads(key.threads());
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

  public int dimension() {
    return encoder.dimension();
  }

  public boolean hasCombiner() {
    return encoder.hasCombiner();
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
    encoder.close();
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
