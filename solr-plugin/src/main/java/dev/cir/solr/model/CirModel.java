package dev.cir.solr.model;

import dev.cir.clip.bundle.ModelBundle;
import dev.cir.clip.encoder.CirEncoder;
import dev.cir.clip.encoder.Combination;
import dev.cir.clip.encoder.CombineMode;
import dev.cir.clip.encoder.EncoderOptions;
import java.nio.file.Path;

/**
 * One loaded bundle as the plugin uses it: the thread-safe {@link CirEncoder} and an LRU cache of
 * text features keyed by the text. Features are raw (as CLIP's towers return them); {@link
 * #combine} returns the normalized query vector.
 */
public final class CirModel implements AutoCloseable {
  private final ModelBundle bundle;
  private final CirEncoder encoder;
  private final TextEmbeddingCache textCache;

  CirModel(ModelBundle bundle, CirEncoder encoder, int textCacheSize) {
    this.bundle = bundle;
    this.encoder = encoder;
    this.textCache = new TextEmbeddingCache(textCacheSize);
  }

  /**
   * Opens and loads a bundle.
   *
   * @throws dev.cir.clip.io.InvalidModelException naming the file that is missing or corrupt
   */
  static CirModel load(BundleDefinition.LoadKey key) {
    ModelBundle b = ModelBundle.open(key.dir());
    EncoderOptions options = EncoderOptions.defaults().withDevice(key.device()).withPredictors(key.predictors());
    return new CirModel(b, CirEncoder.open(b, options), key.textCacheSize());
  }

  /** A model over an encoder opened elsewhere (tests, the command line); the model closes it. */
  public static CirModel of(ModelBundle bundle, CirEncoder encoder, int textCacheSize) {
    return new CirModel(bundle, encoder, textCacheSize);
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
    TextEmbeddingCache.Lookup l = textCache.get(text, encoder::encodeText);
    return new TextFeatures(l.features(), l.cached(), System.nanoTime() - start);
  }

  /** The normalized query vector fusing one reference image's and one text's raw features. */
  public Combination combine(float[] reference, float[] text, CombineMode mode) {
    return encoder.combine(new float[][] {reference}, new float[][] {text}, mode);
  }

  /** Hits and misses of the text cache since the model was loaded. */
  public long[] textCacheStats() {
    return new long[] {textCache.hits(), textCache.misses(), textCache.size()};
  }

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
}
