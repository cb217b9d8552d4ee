package dev.cir.solr.search;

import dev.cir.clip.encoder.Combination;
import dev.cir.clip.encoder.CombineMode;
import dev.cir.clip.io.InvalidModelException;
import dev.cir.solr.model.CirModel;
import dev.cir.solr.model.UnknownBundleException;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.VectorEncoding;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.util.BytesRefBuilder;
import org.apache.solr.common.SolrException;
import org.apache.solr.common.SolrException.ErrorCode;
import org.apache.solr.common.params.ShardParams;
import org.apache.solr.common.params.SolrParams;
import org.apache.solr.request.SolrQueryRequest;
import org.apache.solr.schema.DenseVectorField;
import org.apache.solr.schema.SchemaField;
import org.apache.solr.search.SyntaxError;
import org.apache.solr.search.neural.AbstractVectorQParserBase;

/**
 * Parses one {@code {!cir}} query into the {@link KnnFloatVectorQuery} that {@code {!knn}} would
 * build for the fused vector: same field, same {@code topK}, same pre-filter (taken from Solr's
 * own vector parser base, so {@code fq}, {@code preFilter}, {@code includeTags} and {@code
 * excludeTags} behave as they do for {@code {!knn}}), plus the exclusion of the reference.
 *
 * <p>The fused vector comes from the request when the search component computed it (always, in
 * SolrCloud: it runs on the coordinator); otherwise this parser encodes it from the local index.
 */
public final class CirQParser extends AbstractVectorQParserBase {
  private final CirQParserPlugin plugin;
  private CirQuerySpec spec;

  CirQParser(String qstr, SolrParams localParams, SolrParams params, SolrQueryRequest req, CirQParserPlugin plugin) {
    super(qstr, localParams, params, req);
    this.plugin = plugin;
  }

  /** The checked local parameters. */
  public CirQuerySpec spec() {
    if (spec == null) {
      spec = CirQuerySpec.parse(localParams, plugin.defaultField(), plugin.defaultTopK(), plugin.maxTopK());
    }
    return spec;
  }

  @Override
  public Query parse() throws SyntaxError {
    CirQuerySpec s = spec();
    SchemaField field = vectorField(s.field());
    int dim = ((DenseVectorField) field.getType()).getDimension();
    float[] vector = FusedVector.readFrom(params, s.key());
    if (vector == null) {
      vector = fuse(new LocalReferenceSource(req.getSearcher(), collection())).vector();
    } else if (vector.length != dim) {
      throw new SolrException(
          ErrorCode.BAD_REQUEST,
          FusedVector.VECTOR_PARAM + " has " + vector.length + " values but field '" + s.field() + "' has dimension " + dim);
    }
    Query filter = getFilterQuery();
    if (s.ref() != null && !s.keepRef()) {
      filter = ReferenceExclusion.excluding(filter, idTerm(s.ref()));
    }
    return new KnnFloatVectorQuery(field.getName(), vector, s.topK(), filter);
  }

  /**
   * Computes the query vector: the reference's raw image features (from {@code refs}, or {@code
   * refVector}) fused with the text's by the bundle's Combiner, or their normalized sum.
   *
   * @throws SolrException 400 for every input that cannot make a vector for this field
   */
  public FusedVector fuse(ReferenceSource refs) {
    CirQuerySpec s = spec();
    SchemaField field = vectorField(s.field());
    int fieldDim = ((DenseVectorField) field.getType()).getDimension();
    String bundleName = s.bundle() == null ? plugin.bundles().defaultName() : s.bundle();
    CirModel model = model(bundleName);
    if (model.dimension() != fieldDim) {
      throw new SolrException(
          ErrorCode.BAD_REQUEST,
          "bundle '" + bundleName + "' makes " + model.dimension() + "-dimensional vectors but field '" + s.field()
              + "' has dimension " + fieldDim + "; use a bundle of dimension " + fieldDim + " or a field of dimension "
              + model.dimension());
    }
    CombineMode mode = s.combineFor(model.hasCombiner());
    if (mode == CombineMode.COMBINER && !model.hasCombiner()) {
      throw new SolrException(
          ErrorCode.BAD_REQUEST, "bundle '" + bundleName + "' has no Combiner; use combine=sum (or a bundle with a Combiner)");
    }
    if (mode == CombineMode.COMBINER && s.text().isBlank()) {
      throw new SolrException(
          ErrorCode.BAD_REQUEST,
          "the text is empty: the Combiner fuses the reference with a modification text; give one, e.g."
              + " {!cir ref=ID}is red, or search the reference's own vector with {!knn}");
    }
    long t0 = System.nanoTime();
    float[] reference;
    String where;
    if (s.refVector() != null) {
      if (s.refVector().length != model.dimension()) {
        throw new SolrException(
            ErrorCode.BAD_REQUEST,
            "refVector has " + s.refVector().length + " values but bundle '" + bundleName + "' has dimension "
                + model.dimension());
      }
      reference = s.refVector();
      where = "refVector";
    } else {
      ReferenceSource.Reference r = refs.find(s.ref(), field.getName());
      if (r.vector().length != model.dimension()) {
        throw new SolrException(
            ErrorCode.BAD_REQUEST,
            "the vector of reference document '" + s.ref() + "' has " + r.vector().length + " values but bundle '"
                + bundleName + "' has dimension " + model.dimension());
      }
      reference = r.vector();
      where = r.where();
    }
    long t1 = System.nanoTime();
    CirModel.TextFeatures text = model.textFeatures(s.text());
    long t2 = System.nanoTime();
    Combination c = model.combine(reference, text.features(), mode);
    long t3 = System.nanoTime();
    return new FusedVector(c.vector(0), mode, c.lambda(0), bundleName, where, text.cached(), t1 - t0, t2 - t1, t3 - t2);
  }

  private CirModel model(String name) {
    try {
      return plugin.bundles().model(name);
    } catch (UnknownBundleException e) {
      throw new SolrException(ErrorCode.BAD_REQUEST, e.getMessage());
    } catch (InvalidModelException | IllegalArgumentException | IllegalStateException e) {
      // a bundle that is missing or corrupt, or a device that is not there: the server's fault
      throw new SolrException(
          ErrorCode.SERVICE_UNAVAILABLE, "bundle '" + name + "' cannot be loaded: " + e.getMessage() + "; fix the bundle and reload the core");
    }
  }

  /** The schema field {@code name}, which must be a float DenseVectorField. */
  SchemaField vectorField(String name) {
    SchemaField f = req.getSchema().getFieldOrNull(name);
    if (f == null) {
      throw new SolrException(ErrorCode.BAD_REQUEST, "unknown field '" + name + "': f must name a vector field (DenseVectorField)");
    }
    if (!(f.getType() instanceof DenseVectorField dv)) {
      throw new SolrException(
          ErrorCode.BAD_REQUEST,
          "field '" + name + "' is not a vector field (it is " + f.getType().getTypeName() + "); f must name a"
              + " DenseVectorField such as clip_vector");
    }
    if (dv.getVectorEncoding() != VectorEncoding.FLOAT32) {
      throw new SolrException(ErrorCode.BAD_REQUEST, "field '" + name + "' holds byte vectors; {!cir} searches float vectors");
    }
    return f;
  }

  private Term idTerm(String id) {
    SchemaField key = req.getSchema().getUniqueKeyField();
    BytesRefBuilder b = new BytesRefBuilder();
    key.getType().readableToIndexed(id, b);
    return new Term(key.getName(), b.toBytesRef());
  }

  private String collection() {
    String c = req.getCore().getCoreDescriptor().getCollectionName();
    return c != null ? c : req.getCore().getName();
  }

  /** Whether this request is one shard's part of a distributed request. */
  boolean isShardRequest() {
    return params.getBool(ShardParams.IS_SHARD, false);
  }
}
