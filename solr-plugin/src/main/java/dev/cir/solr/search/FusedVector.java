package dev.cir.solr.search;

import dev.cir.clip.encoder.CombineMode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;
import org.apache.solr.common.params.ModifiableSolrParams;
import org.apache.solr.common.params.SolrParams;

/**
 * A composed query's vector and how it was made: the mode, λ (the Combiner's weight of the text
 * features; NaN for the other modes), the bundle, the reference (which parameter gave it and a
 * description), whether each tower's features came from its cache (null: that tower did not run),
 * the prompt of a zero-shot query (null for the other modes), and the time each step took.
 */
public record FusedVector(
    float[] vector,
    CombineMode mode,
    float lambda,
    String bundle,
    String source,
    String reference,
    Boolean textCached,
    Boolean imageCached,
    String template,
    Timings timings) {

  /**
   * Nanoseconds of each step of the encoding.
   *
   * @param lookupNanos finding a reference document's stored vector (on every shard in SolrCloud)
   * @param imageNanos decoding, preprocessing and encoding a {@code refImage} (or its cache lookup)
   * @param textNanos the text tower (or its cache lookup); for combine=inversion, φ and the text
   *     tower on the prompt
   * @param combineNanos the Combiner, or the sum and normalization
   */
  public record Timings(long lookupNanos, long imageNanos, long textNanos, long combineNanos) {}

  /** Shard request parameter: the digest of the {@code q} the vector below belongs to. */
  public static final String KEY_PARAM = "cir.fused.key";

  /** Shard request parameter: the fused vector, {@code [f1,f2,...]} with every float exact. */
  public static final String VECTOR_PARAM = "cir.fused.vector";

  /**
   * Hands the vector to a shard: the shard's parser of {@code q} (and only of that query string)
   * searches with it instead of encoding. {@link Float#toString} round-trips every float exactly.
   */
  public void shipTo(ModifiableSolrParams params, String q) {
    params.set(KEY_PARAM, key(q));
    params.set(VECTOR_PARAM, format(vector));
  }

  /** The vector a coordinator computed for the query string {@code q}, or null. */
  public static float[] shipped(SolrParams params, String q) {
    String k = params.get(KEY_PARAM);
    String v = params.get(VECTOR_PARAM);
    if (k == null || v == null || q == null || !k.equals(key(q))) {
      return null;
    }
    return CirQuerySpec.vector(v);
  }

  /** A short digest of a query string: a shard uses a shipped vector only for the query it was made for. */
  static String key(String q) {
    try {
      byte[] h = MessageDigest.getInstance("SHA-256").digest(q.getBytes(StandardCharsets.UTF_8));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOf(h, 18));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public static String format(float[] v) {
    StringBuilder b = new StringBuilder(v.length * 12).append('[');
    for (int i = 0; i < v.length; i++) {
      if (i > 0) {
        b.append(',');
      }
      b.append(Float.toString(v[i]));
    }
    return b.append(']').toString();
  }

  static double millis(long nanos) {
    return Math.round(nanos / 1e4) / 100.0;
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "%s of %s (bundle %s)", mode.id(), reference, bundle);
  }
}
