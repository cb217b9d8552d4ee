package dev.cir.solr.search;

import dev.cir.clip.encoder.CombineMode;
import java.util.Locale;
import org.apache.solr.common.params.ModifiableSolrParams;
import org.apache.solr.common.params.SolrParams;

/**
 * A composed query's vector and how it was made: the reference source, λ (the Combiner's weight
 * of the text features; NaN for sum), whether the text features came from the cache, and the
 * time each step took.
 */
public record FusedVector(
    float[] vector,
    CombineMode mode,
    float lambda,
    String bundle,
    String reference,
    boolean textCached,
    long lookupNanos,
    long textNanos,
    long combineNanos) {

  /** Request parameter: the {@link CirQuerySpec#key()} the vector below belongs to. */
  public static final String KEY_PARAM = "cir.fused.key";

  /** Request parameter: the fused vector, {@code [f1,f2,...]} with every float exact. */
  public static final String VECTOR_PARAM = "cir.fused.vector";

  /** Writes the vector for the shards; {@link Float#toString} round-trips every float exactly. */
  public void writeTo(ModifiableSolrParams params, String key) {
    params.set(KEY_PARAM, key);
    params.set(VECTOR_PARAM, format(vector));
  }

  /** The vector a coordinator computed for the query {@code key}, or null. */
  public static float[] readFrom(SolrParams params, String key) {
    String k = params.get(KEY_PARAM);
    String v = params.get(VECTOR_PARAM);
    if (k == null || v == null || !k.equals(key)) {
      return null;
    }
    return CirQuerySpec.vector(v);
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
    return String.format(Locale.ROOT, "%s of %s and the text (bundle %s)", mode.id(), reference, bundle);
  }
}
