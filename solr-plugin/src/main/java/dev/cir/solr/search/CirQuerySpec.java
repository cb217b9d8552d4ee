package dev.cir.solr.search;

import dev.cir.clip.encoder.CombineMode;
import dev.cir.clip.text.PromptTemplate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.apache.solr.common.SolrException;
import org.apache.solr.common.SolrException.ErrorCode;
import org.apache.solr.common.params.SolrParams;
import org.apache.solr.common.util.ContentStream;
import org.apache.solr.search.QueryParsing;

/**
 * The local parameters of one {@code {!cir}} query, checked: every way to get them wrong is a
 * {@link SolrException} with code 400 whose message says what to change.
 *
 * <pre>
 * {!cir f=FIELD topK=K bundle=NAME ref=ID|refVector=[..]|refImage=BASE64 combine=combiner|inversion|sum|text|image
 *       template='a photo of $ that {text}' keepRef=false preFilter=.. includeTags=.. excludeTags=..}TEXT
 * </pre>
 *
 * The reference image is at most one of {@code ref} (a document of the collection), {@code
 * refVector} (its raw features) and {@code refImage} (the image itself: base64 in the local
 * parameter, usually {@code refImage=$img}, or in a request parameter or multipart file part named
 * {@code refImage}); with none, the query is the text alone. {@code combine=inversion} is zero-shot
 * composed retrieval: the text tower's features of a prompt in which the bundle's inversion network
 * φ turns the reference into a pseudo-word; {@code template} replaces the bundle's prompt for one
 * query (quoted, or {@code template=$tpl}; {@code $} marks the reference and {@code {text}} the text).
 *
 * @param search what the Lucene query needs: field, topK and the document to exclude
 * @param bundle the bundle name, null for the core's default
 * @param reference where the reference image comes from, or null for none
 * @param combine the mode asked for, or null: then {@link #mode} chooses from what the query holds
 * @param text the modification text (or, alone, the description of what to find); may be empty
 * @param template the prompt of combine=inversion, or null for the bundle's
 */
public record CirQuerySpec(
    Search search, String bundle, QueryReference reference, CombineMode combine, String text, PromptTemplate template) {
  public static final String TOP_K = "topK";
  public static final String BUNDLE = "bundle";
  public static final String REF = "ref";
  public static final String REF_VECTOR = "refVector";
  public static final String REF_IMAGE = "refImage";
  public static final String COMBINE = "combine";
  public static final String KEEP_REF = "keepRef";
  public static final String RESCORE = "rescore";
  public static final String TEMPLATE = "template";
  public static final int DEFAULT_TOP_K = 10;
  public static final long DEFAULT_MAX_IMAGE_BYTES = 10L << 20;

  public CirQuerySpec {
    Objects.requireNonNull(search, "search");
    Objects.requireNonNull(text, "text");
  }

  /**
   * What a core allows and assumes when a query says nothing.
   *
   * @param field the vector field of a query without {@code f}
   * @param topK the topK of a query without one
   * @param maxTopK the largest topK a query may ask for
   * @param maxImageBytes the largest {@code refImage}, in bytes
   */
  public record Defaults(String field, int topK, int maxTopK, long maxImageBytes) {
    public static Defaults of(String field, int maxTopK) {
      return new Defaults(field, DEFAULT_TOP_K, maxTopK, DEFAULT_MAX_IMAGE_BYTES);
    }
  }

  /**
   * What the kNN search itself needs, which is all a shard needs once the vector is computed.
   *
   * @param field the vector field searched
   * @param topK nearest neighbours asked of each shard
   * @param excludedId the reference document kept out of the results, or null ({@code keepRef=true},
   *     or a reference that is not a document)
   */
  /**
   * @param rescore on a quantized field, how many of the best candidates are scored again with the
   *     raw float vectors (and returned); 0 for all {@code topK}. A float field ignores it.
   */
  public record Search(String field, int topK, String excludedId, int rescore) {
    public Search(String field, int topK, String excludedId) {
      this(field, topK, excludedId, 0);
    }

    /** Candidates to rescore on a quantized field: {@code rescore}, or every candidate. */
    public int rescoreCount() {
      return rescore == 0 ? topK : Math.min(rescore, topK);
    }

    /** Parses {@code f}, {@code topK}, {@code rescore}, {@code ref} and {@code keepRef}, ignoring the rest. */
    public static Search parse(SolrParams localParams, Defaults defaults) {
      String field = localParams.get(QueryParsing.F, defaults.field());
      if (field == null || field.isBlank()) {
        throw bad("{!cir} needs the vector field: f=FIELD (for example f=clip_vector)");
      }
      int topK = CirQuerySpec.topK(localParams.get(TOP_K), defaults.topK(), defaults.maxTopK());
      String ref = CirQuerySpec.ref(localParams);
      boolean keepRef = CirQuerySpec.keepRef(localParams.get(KEEP_REF));
      int rescore = 0;
      String r = localParams.get(RESCORE);
      if (r != null) {
        try {
          rescore = Integer.parseInt(r.trim());
        } catch (NumberFormatException e) {
          throw bad("rescore must be a whole number between 1 and topK (" + topK + "), got '" + r + "'");
        }
        if (rescore < 1 || rescore > topK) {
          throw bad("rescore must be between 1 and topK (" + topK + "): the candidates rescored are among the topK found, got " + rescore);
        }
      }
      return new Search(field, topK, ref != null && !keepRef ? ref : null, rescore);
    }
  }

  /**
   * @param localParams the query's local parameters, the text in {@code v}
   * @param request the request's parameters and content streams, for a {@code refImage} sent as a
   *     request parameter or a multipart file part
   */
  public static CirQuerySpec parse(SolrParams localParams, Defaults defaults, SolrParams request, Iterable<ContentStream> streams) {
    Search search = Search.parse(localParams, defaults);
    String text = localParams.get(QueryParsing.V, "");
    refuseLocalParams("the text", text);
    PromptTemplate template = template(localParams.get(TEMPLATE));
    CombineMode combine = combine(localParams.get(COMBINE));
    if (template != null && combine == null) {
      combine = CombineMode.INVERSION; // a prompt is asked for: the query is zero-shot
    } else if (template != null && combine != CombineMode.INVERSION) {
      throw bad("template is the prompt of combine=inversion (zero-shot), but this query asks for combine=" + combine.id()
          + "; drop template or use combine=inversion");
    }
    return new CirQuerySpec(
        search, localParams.get(BUNDLE), reference(localParams, defaults, request, streams), combine, text, template);
  }

  private static PromptTemplate template(String s) {
    if (s == null) {
      return null;
    }
    try {
      return PromptTemplate.query(s);
    } catch (IllegalArgumentException e) {
      throw bad(e.getMessage() + " (the template local parameter; quote it: template='" + PromptTemplate.DEFAULT_QUERY + "')");
    }
  }

  /** A query's own local parameters only (no request-level image): for tests and tools. */
  public static CirQuerySpec parse(SolrParams localParams, Defaults defaults) {
    return parse(localParams, defaults, null, null);
  }

  private static String ref(SolrParams localParams) {
    String ref = localParams.get(REF);
    if (ref == null) {
      return null;
    }
    if (ref.isEmpty()) {
      throw bad("ref is empty: give the reference document's id, ref=ID");
    }
    refuseLocalParams("ref", ref);
    return ref;
  }

  private static QueryReference reference(
      SolrParams localParams, Defaults defaults, SolrParams request, Iterable<ContentStream> streams) {
    List<QueryReference> given = new ArrayList<>();
    String ref = ref(localParams);
    if (ref != null) {
      given.add(new QueryReference.Document(ref));
    }
    String refVector = localParams.get(REF_VECTOR);
    if (refVector != null) {
      given.add(new QueryReference.Features(vector(refVector)));
    }
    String local = localParams.get(REF_IMAGE);
    String requestParam = request == null ? null : request.get(REF_IMAGE);
    if (local != null) {
      given.add(ReferenceImages.fromBase64(local, defaults.maxImageBytes()));
    }
    if (requestParam != null && !requestParam.equals(local)) {
      given.add(ReferenceImages.fromBase64(requestParam, defaults.maxImageBytes()));
    }
    if (streams != null) {
      for (ContentStream part : streams) {
        if (REF_IMAGE.equals(part.getName())) {
          given.add(ReferenceImages.fromPart(part, defaults.maxImageBytes()));
        }
      }
    }
    if (given.size() > 1) {
      List<String> names = new ArrayList<>();
      for (QueryReference r : given) {
        names.add(r instanceof QueryReference.Image i ? "refImage (" + i.origin() + ")" : r.parameter());
      }
      throw bad("{!cir} takes one reference image, but this query gives " + String.join(" and ", names)
          + "; keep one of them");
    }
    return given.isEmpty() ? null : given.get(0);
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
    try {
      return CombineMode.parse(s);
    } catch (IllegalArgumentException e) {
      throw bad("unknown combine='" + s + "'; use combiner (the bundle's learned Combiner), inversion (zero-shot: the"
          + " reference as a word of the text, through the bundle's inversion network), sum (normalized image + text),"
          + " text (the text alone) or image (the reference alone)");
    }
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

  /** {@link #mode(boolean, boolean)} for a bundle without an inversion network. */
  public CombineMode mode(boolean bundleHasCombiner) {
    return mode(bundleHasCombiner, false);
  }

  /**
   * The mode this query runs in: the one asked for, or the one its inputs call for — a reference
   * and a text: the Combiner, else (a bundle without one) zero-shot inversion when the bundle has
   * φ, else the sum; a text alone: {@code text}; a reference alone: {@code image}.
   *
   * @throws SolrException 400 when the query lacks what the mode needs, saying what is missing
   */
  public CombineMode mode(boolean bundleHasCombiner, boolean bundleHasInversion) {
    boolean hasText = !text.isBlank();
    if (combine == null) {
      if (reference == null && !hasText) {
        throw bad("{!cir} needs a reference image, a text, or both: ref=ID, refVector=[...] or refImage=$img, and/or"
            + " the text after the braces ({!cir ref=ID}is red)");
      }
      if (reference == null) {
        return CombineMode.TEXT;
      }
      if (!hasText) {
        return CombineMode.IMAGE;
      }
      return bundleHasCombiner ? CombineMode.COMBINER : bundleHasInversion ? CombineMode.INVERSION : CombineMode.SUM;
    }
    String needsReference = "combine=" + combine.id() + " needs a reference image: ref=ID, refVector=[...] or refImage=$img";
    switch (combine) {
      case COMBINER -> {
        if (reference == null) {
          throw bad(needsReference + " (or leave combine out to search by the text alone)");
        }
        if (!hasText) {
          throw bad("the text is empty: the Combiner fuses the reference with a modification text; give one, e.g."
              + " {!cir ref=ID}is red, or leave combine out to search by the reference alone");
        }
      }
      case INVERSION -> {
        if (reference == null) {
          throw bad(needsReference + ": φ turns it into the word $ of the prompt");
        }
        if (!hasText) {
          throw bad("the text is empty: combine=inversion puts the modification text into the prompt after the reference;"
              + " give one, e.g. {!cir ref=ID combine=inversion}is red, or leave combine out to search by the reference alone");
        }
      }
      case SUM, IMAGE -> {
        if (reference == null) {
          throw bad(needsReference);
        }
      }
      case TEXT -> {
        if (!hasText) {
          throw bad("combine=text needs a text: the description of what to find after the braces ({!cir}red dress)");
        }
      }
    }
    return combine;
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

  static SolrException bad(String message) {
    return new SolrException(ErrorCode.BAD_REQUEST, message);
  }

  private static String abbreviate(String s) {
    return s.length() <= 40 ? s : s.substring(0, 37) + "...";
  }

  @Override
  public String toString() {
    return "{!cir f=" + search.field() + " topK=" + search.topK() + (bundle == null ? "" : " bundle=" + bundle)
        + (reference == null ? "" : " " + reference.parameter() + "=" + reference.describe())
        + (combine == null ? "" : " combine=" + combine.id())
        + (template == null ? "" : " template='" + template + "'")
        + (search.excludedId() == null ? "" : " excluding " + search.excludedId()) + "}" + text;
  }
}
