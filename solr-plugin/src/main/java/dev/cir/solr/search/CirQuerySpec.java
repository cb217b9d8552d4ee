package dev.cir.solr.search;

import dev.cir.clip.encoder.CombineMode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;
import java.util.Objects;
import org.apache.solr.common.SolrException;
import org.apache.solr.common.SolrException.ErrorCode;
import org.apache.solr.common.params.SolrParams;
import org.apache.solr.search.QueryParsing;

/**
 * The local parameters of one {@code {!cir}} query, checked: every way to get them wrong is a
 * {@link SolrException} with code 400 whose message says what to change.
 *
 * <pre>
 * {!cir f=FIELD topK=K bundle=NAME ref=ID|refVector=[..] combine=combiner|sum keepRef=false
 *       preFilter=.. includeTags=.. excludeTags=..}TEXT
 * </pre>
 *
 * @param field the vector field searched
 * @param topK nearest neighbours asked of each shard
 * @param bundle the bundle name, null for the core's default
 * @param ref the reference document's id, or null when {@code refVector} is given
 * @param refVector raw image features of the reference, or null when {@code ref} is given
 * @param combine combiner or sum; null means the Combiner when the bundle has one, else sum
 * @param keepRef whether the reference document may appear in the results
 * @param text the modification text
 */
public record CirQuerySpec(
    String field, int topK, String bundle, String ref, float[] refVector, CombineMode combine, boolean keepRef, String text) {
  public static final String TOP_K = "topK";
  public static final String BUNDLE = "bundle";
  public static final String REF = "ref";
  public static final String REF_VECTOR = "refVector";
  public static final String COMBINE = "combine";
  public static final String KEEP_REF = "keepRef";
  public static final int DEFAULT_TOP_K = 10;

  public CirQuerySpec {
    Objects.requireNonNull(field, "field");
    Objects.requireNonNull(text, "text");
  }

  /**
   * @param localParams the query's local parameters, the text in {@code v}
   * @param maxTopK the largest topK this core allows
   */
  public static CirQuerySpec parse(SolrParams localParams, String defaultField, int maxTopK) {
    return parse(localParams, defaultField, DEFAULT_TOP_K, maxTopK);
  }

  /** @param defaultTopK the topK of a query that gives none */
  public static CirQuerySpec parse(SolrParams localParams, String defaultField, int defaultTopK, int maxTopK) {
    String field = localParams.get(QueryParsing.F, defaultField);
    if (field == null || field.isBlank()) {
      throw bad("{!cir} needs the vector field: f=FIELD (for example f=clip_vector)");
    }
    int topK = topK(localParams.get(TOP_K), defaultTopK, maxTopK);
    String bundle = localParams.get(BUNDLE);
    String ref = localParams.get(REF);
    String refVector = localParams.get(REF_VECTOR);
    if (ref != null && ref.isEmpty()) {
      throw bad("ref is empty: give the reference document's id, ref=ID");
    }
    if (ref == null && refVector == null) {
      throw bad("{!cir} needs a reference image: ref=ID (a document of this collection) or refVector=[f1,f2,...]"
          + " (its raw image features)");
    }
    if (ref != null && refVector != null) {
      throw bad("give either ref or refVector, not both");
    }
    String text = localParams.get(QueryParsing.V, "");
    refuseLocalParams("the text", text);
    if (ref != null) {
      refuseLocalParams("ref", ref);
    }
    return new CirQuerySpec(
        field, topK, bundle, ref, refVector == null ? null : vector(refVector), combine(localParams.get(COMBINE)),
        keepRef(localParams.get(KEEP_REF)), text);
  }

  private static int topK(String s, int defaultTopK, int maxTopK) {
    if (s == null) {
      return Math.min(defaultTopK, maxTopK);
    }
    int k;
    try {
      k = Integer.parseInt(s.trim());
    } catch (NumberFormatException e) {
      throw bad("topK must be a whole number between 1 and " + maxTopK + ", got '" + s + "'");
    }
    if (k < 1 || k > maxTopK) {
      throw bad("topK must be between 1 and " + maxTopK + " (this core's maxTopK), got " + k);
    }
    return k;
  }

  private static CombineMode combine(String s) {
    if (s == null || s.isBlank()) {
      return null;
    }
    return switch (s.trim().toLowerCase(Locale.ROOT)) {
      case "combiner" -> CombineMode.COMBINER;
      case "sum" -> CombineMode.SUM;
      default -> throw bad("unknown combine='" + s + "'; use combine=combiner (the bundle's learned Combiner) or combine=sum");
    };
  }

  private static boolean keepRef(String s) {
    if (s == null) {
      return false;
    }
    return switch (s.trim().toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> throw bad("keepRef must be true or false, got '" + s + "'");
    };
  }

  /**
   * Text and ids are never parsed as queries here, but a caller who pastes user input into a
   * {@code {!cir}} string expects local params to end at its braces: refuse what looks like an
   * attempt to open new ones.
   */
  private static void refuseLocalParams(String what, String value) {
    if (value.contains(QueryParsing.LOCALPARAM_START)) {
      throw bad(what + " contains local params ('{!'): {!cir} takes plain text and ids; pass user input as a"
          + " separate parameter (v=$text) and remove '{!'");
    }
  }

  /**
   * Parses {@code [f1,f2,...]}: finite floats, at least one.
   *
   * @throws SolrException 400 saying what is wrong
   */
  public static float[] vector(String s) {
    String t = s.trim();
    if (t.length() < 2 || t.charAt(0) != '[' || t.charAt(t.length() - 1) != ']') {
      throw bad("refVector must look like [f1,f2,...], got '" + abbreviate(t) + "'");
    }
    String body = t.substring(1, t.length() - 1).trim();
    if (body.isEmpty()) {
      throw bad("refVector is empty; give the reference's raw image features, [f1,f2,...]");
    }
    String[] parts = body.split(",", -1);
    float[] v = new float[parts.length];
    for (int i = 0; i < parts.length; i++) {
      try {
        v[i] = Float.parseFloat(parts[i].trim());
      } catch (NumberFormatException e) {
        throw bad("refVector element " + i + " is not a number: '" + abbreviate(parts[i].trim()) + "'");
      }
      if (!Float.isFinite(v[i])) {
        throw bad("refVector element " + i + " is not finite: " + parts[i].trim());
      }
    }
    return v;
  }

  /** The combine mode for a bundle with or without a Combiner. */
  public CombineMode combineFor(boolean bundleHasCombiner) {
    if (combine != null) {
      return combine;
    }
    return bundleHasCombiner ? CombineMode.COMBINER : CombineMode.SUM;
  }

  /**
   * Identifies the inputs of the fused vector: a coordinator hands the vector it computed to the
   * shards under this key, and a shard's parser uses it only for a query with the same key.
   */
  public String key() {
    StringBuilder b = new StringBuilder();
    for (String part :
        new String[] {field, bundle, ref, refVector == null ? null : Arrays.toString(refVector), combine == null ? null : combine.id(), text}) {
      b.append(part == null ? "-1" : String.valueOf(part.length())).append(':').append(part == null ? "" : part).append('|');
    }
    try {
      byte[] h = MessageDigest.getInstance("SHA-256").digest(b.toString().getBytes(StandardCharsets.UTF_8));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOf(h, 18));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static SolrException bad(String message) {
    return new SolrException(ErrorCode.BAD_REQUEST, message);
  }

  private static String abbreviate(String s) {
    return s.length() <= 40 ? s : s.substring(0, 37) + "...";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CirQuerySpec s
        && field.equals(s.field) && topK == s.topK && Objects.equals(bundle, s.bundle) && Objects.equals(ref, s.ref)
        && Arrays.equals(refVector, s.refVector) && combine == s.combine && keepRef == s.keepRef && text.equals(s.text);
  }

  @Override
  public int hashCode() {
    return Objects.hash(field, topK, bundle, ref, Arrays.hashCode(refVector), combine, keepRef, text);
  }

  @Override
  public String toString() {
    return "{!cir f=" + field + " topK=" + topK + (bundle == null ? "" : " bundle=" + bundle)
        + (ref == null ? " refVector=[" + refVector.length + " values]" : " ref=" + ref)
        + (combine == null ? "" : " combine=" + combine.id()) + (keepRef ? " keepRef=true" : "") + "}" + text;
  }
}
