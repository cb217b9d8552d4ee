package dev.cir.solr.search;

import dev.cir.clip.encoder.CirEncoder;
import dev.cir.clip.encoder.Combination;
import dev.cir.clip.encoder.CombineMode;
import dev.cir.clip.encoder.Fusion;
import dev.cir.clip.image.InvalidImageException;
import dev.cir.clip.io.InvalidModelException;
import dev.cir.solr.model.CirModel;
import dev.cir.solr.model.CoreBundles;
import dev.cir.solr.model.UnknownBundleException;
import java.util.Objects;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.solr.common.SolrException;
import org.apache.solr.common.SolrException.ErrorCode;

/**
 * Turns a checked {@link CirQuerySpec} into the vector Lucene searches with, and says how it was
 * made. The one place where a composed query meets the model, for the query parser (standalone,
 * or a shard that got no vector) and the search component (the coordinator) alike.
 *
 * <p>Steps: the bundle (its dimension must be the field's) → the mode ({@link CirQuerySpec#mode})
 * → the reference's raw image features, when the mode uses them: a document's stored vector, the
 * given {@code refVector}, or the {@code refImage} through the bundle's decoder and image tower
 * (cached by content digest) → the text's raw features (cached by text) when the mode uses them →
 * the fusion. For combine=inversion the text is not encoded apart: the text tower runs once on the
 * prompt (the bundle's template or the query's) with φ of the reference at its placeholder. The
 * Combiner, the sum and the zero-shot prompt give normalized vectors, as CLIP4Cir computes them; the
 * single-tower modes give a tower's raw features unchanged, because cosine similarity (the
 * configset's) normalizes them when it scores: the answer is exactly {@code {!knn}}'s with those
 * features.
 */
public final class QueryEncoder {
  private final CoreBundles bundles;
  private final CirQueryMetrics metrics;

  public QueryEncoder(CoreBundles bundles) {
    this(bundles, new CirQueryMetrics());
  }

  QueryEncoder(CoreBundles bundles, CirQueryMetrics metrics) {
    this.bundles = Objects.requireNonNull(bundles, "bundles");
    this.metrics = Objects.requireNonNull(metrics, "metrics");
  }

  /** The vector field a query searches: its name, dimension and similarity. */
  public record Field(String name, int dimension, VectorSimilarityFunction similarity) {}

  /**
   * @param documents where a {@code ref} document's vector is found (this core, or every shard)
   * @throws SolrException 400 for every input that cannot make a vector for this field, 503 when
   *     the bundle cannot be loaded
   */
  public FusedVector encode(CirQuerySpec spec, Field field, ReferenceSource documents) {
    String bundleName = spec.bundle() == null ? bundles.defaultName() : spec.bundle();
    long start = System.nanoTime();
    try (CirModel.Use use = use(bundleName)) {
      FusedVector v = encode(use.model(), bundleName, spec, field, documents);
      metrics.encoded(bundleName, v, System.nanoTime() - start);
      return v;
    } catch (Refusal r) {
      metrics.failed(r.kind.equals("unknownBundle") ? CirQueryMetrics.UNDEFINED : bundleName, r.kind);
      throw r;
    } catch (SolrException e) {
      metrics.failed(bundleName, e.code() == ErrorCode.SERVICE_UNAVAILABLE.code ? "unavailable" : e.code() == ErrorCode.BAD_REQUEST.code ? "badRequest" : "error");
      throw e;
    } catch (RuntimeException | Error e) {
      metrics.failed(bundleName, "error");
      throw e;
    }
  }

  private FusedVector encode(CirModel model, String bundleName, CirQuerySpec spec, Field field, ReferenceSource documents) {
    if (model.dimension() != field.dimension()) {
      throw bad(
          "dimension",
          "bundle '" + bundleName + "' makes " + model.dimension() + "-dimensional vectors but field '" + field.name()
              + "' has dimension " + field.dimension() + "; use a bundle of dimension " + field.dimension()
              + " or a field of dimension " + model.dimension());
    }
    CombineMode mode = spec.mode(model.hasCombiner(), model.hasInversion());
    if (mode == CombineMode.COMBINER && !model.hasCombiner()) {
      throw bad("mode", "bundle '" + bundleName + "' has no Combiner; use combine=sum (or a bundle with a Combiner)");
    }
    if (mode == CombineMode.INVERSION && !model.hasInversion()) {
      throw bad("mode", "bundle '" + bundleName + "' has no inversion network φ for combine=inversion (zero-shot); train one with"
          + " 'cir train inversion', or use combine=" + (model.hasCombiner() ? "combiner or sum" : "sum"));
    }
    boolean usesImage = mode != CombineMode.TEXT;
    // the zero-shot prompt holds the text: it is encoded with the reference, not apart
    boolean usesText = mode != CombineMode.IMAGE && mode != CombineMode.INVERSION;

    long lookup = 0;
    long imageTime = 0;
    Boolean imageCached = null;
    float[] image = null;
    String reference = spec.reference() == null ? "none" : spec.reference().describe();
    if (usesImage) {
      QueryReference given = spec.reference();
      if (given instanceof QueryReference.Document d) {
        long t0 = System.nanoTime();
        ReferenceSource.Reference r = documents.find(d.id(), field.name());
        lookup = System.nanoTime() - t0;
        image = checkDimension(r.vector(), model, bundleName, "the vector of reference document '" + d.id() + "'");
        checkImageTower(r, model, bundleName, d.id());
        reference = r.where();
      } else if (given instanceof QueryReference.Features f) {
        image = checkDimension(f.vector(), model, bundleName, "refVector");
      } else if (given instanceof QueryReference.Image i) {
        CirModel.ImageFeatures features = imageFeatures(model, i);
        image = features.features();
        imageCached = features.cached();
        imageTime = features.nanos();
      }
    }
    long textTime = 0;
    Boolean textCached = null;
    float[] text = null;
    if (usesText) {
      CirModel.TextFeatures t = model.textFeatures(spec.text());
      text = t.features();
      textCached = t.cached();
      textTime = t.nanos();
    }

    long t2 = System.nanoTime();
    float[] vector;
    float lambda = Float.NaN;
    switch (mode) {
      case COMBINER, SUM -> {
        Combination c = model.combine(image, text, mode);
        vector = c.vector(0);
        lambda = c.lambda(0);
      }
      case INVERSION -> {
        CirModel.TextFeatures z = model.zeroShot(image, spec.text(), spec.template());
        vector = z.features();
        textCached = z.cached();
        textTime = z.nanos();
      }
      case IMAGE -> vector = singleTower(image, field);
      case TEXT -> vector = singleTower(text, field);
      default -> throw new IllegalStateException("unknown mode " + mode);
    }
    long combineTime = System.nanoTime() - t2;
    String source = spec.reference() == null ? "none" : spec.reference().parameter();
    String template = mode != CombineMode.INVERSION ? null : spec.template() != null ? spec.template().template() : model.queryTemplate().template();
    return new FusedVector(
        vector, mode, lambda, bundleName, source, reference, textCached, imageCached, template,
        new FusedVector.Timings(lookup, imageTime, textTime, combineTime));
  }

  /**
   * Refuses a reference whose vector another image tower made: fused with this bundle's text
   * features it would retrieve quietly wrong documents. A document that records no fingerprint is
   * taken as it is.
   */
  private static void checkImageTower(ReferenceSource.Reference r, CirModel model, String bundleName, String id) {
    if (r.model() == null) {
      return;
    }
    String ours = model.imageFingerprint();
    if (!ours.equals(r.model())) {
      throw bad(
          "imageTowerMismatch",
          "reference document '" + id + "' was encoded by image tower " + r.model() + ", but bundle '" + bundleName + "' has image"
              + " tower " + ours + ": its vectors and this bundle's do not compare. Re-index the collection with bundle '"
              + bundleName + "' (cir index, or the update processor), or query with the bundle that indexed it (bundle=NAME);"
              + " 'cir info --solr URL' lists the image towers a collection holds");
    }
  }

  /** A tower's raw features, normalized only where the similarity needs unit vectors. */
  private static float[] singleTower(float[] features, Field field) {
    return field.similarity() == VectorSimilarityFunction.COSINE ? features : Fusion.normalize(features.clone());
  }

  private static CirModel.ImageFeatures imageFeatures(CirModel model, QueryReference.Image image) {
    try {
      return model.imageFeatures(image.digest(), image.bytes(), "refImage");
    } catch (InvalidImageException e) {
      throw bad("invalidImage", e.getMessage() + " (the " + image.origin() + ")");
    }
  }

  private static float[] checkDimension(float[] v, CirModel model, String bundleName, String what) {
    if (v.length != model.dimension()) {
      throw bad("dimension", what + " has " + v.length + " values but bundle '" + bundleName + "' has dimension " + model.dimension());
    }
    return v;
  }

  /** The bundle's model, held until the query is encoded (a bundle removed meanwhile closes after it). */
  private CirModel.Use use(String name) {
    try {
      return bundles.use(name);
    } catch (UnknownBundleException e) {
      throw bad("unknownBundle", e.getMessage());
    } catch (InvalidModelException | IllegalArgumentException | IllegalStateException e) {
      // a bundle that is missing or corrupt, or a device that is not there: the server's fault
      throw new SolrException(
          ErrorCode.SERVICE_UNAVAILABLE, "bundle '" + name + "' cannot be loaded: " + e.getMessage() + "; fix the bundle and reload the core");
    }
  }

  private static SolrException bad(String kind, String message) {
    return new Refusal(kind, message);
  }

  /** A 400 whose kind the metrics count it by. */
  private static final class Refusal extends SolrException {
    private static final long serialVersionUID = 1L;
    final String kind;

    Refusal(String kind, String message) {
      super(ErrorCode.BAD_REQUEST, message);
      this.kind = kind;
    }
  }
}
