package dev.cir.solr.search;

import org.apache.lucene.index.Term;
import org.apache.lucene.index.VectorEncoding;
import dev.cir.solr.codec.CirCodecFactory;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.util.BytesRefBuilder;
import org.apache.solr.common.SolrException;
import org.apache.solr.common.SolrException.ErrorCode;
import org.apache.solr.common.params.SolrParams;
import org.apache.solr.request.SolrQueryRequest;
import org.apache.solr.schema.DenseVectorField;
import org.apache.solr.schema.SchemaField;
import org.apache.solr.search.SyntaxError;
import org.apache.solr.search.neural.AbstractVectorQParserBase;

/**
 * Parses one {@code {!cir}} query into the {@link KnnFloatVectorQuery} that {@code {!knn}} would
 * build for the query's vector: same field, same {@code topK}, same pre-filter (taken from Solr's
 * own vector parser base, so {@code fq}, {@code preFilter}, {@code includeTags} and {@code
 * excludeTags} behave as they do for {@code {!knn}}), plus the exclusion of the reference document.
 *
 * <p>The vector comes from, in this order: the {@link CirSearchComponent}, which encoded the
 * request's {@code q} before the query component parses it (and this very parser is then reused,
 * so the query is parsed once); the coordinator, on a shard of a distributed request; or the
 * {@link QueryEncoder}, for a {@code {!cir}} the component did not see (a filter, a nested query).
 */
public final class CirQParser extends AbstractVectorQParserBase {
  private final CirQParserPlugin plugin;
  private CirQuerySpec spec;
  private FusedVector fused;

  CirQParser(String qstr, SolrParams localParams, SolrParams params, SolrQueryRequest req, CirQParserPlugin plugin) {
    super(qstr, localParams, params, req);
    this.plugin = plugin;
  }

  /** The checked local parameters, with the request's {@code refImage} file part or parameter. */
  public CirQuerySpec spec() {
    if (spec == null) {
      spec = CirQuerySpec.parse(localParams, plugin.defaults(), params, CirSearchHandler.imageParts(req));
    }
    return spec;
  }

  /** The vector encoded so far (by {@link #encode} or {@link #parse}), or null. */
  FusedVector fused() {
    return fused;
  }

  /**
   * Encodes this query's vector with the given source of reference documents, once.
   *
   * @throws SolrException 400 for every input that cannot make a vector for this field
   */
  FusedVector encode(ReferenceSource documents) {
    if (fused == null) {
      fused = plugin.encoder().encode(spec(), field(vectorField(spec().search().field())), documents);
    }
    return fused;
  }

  /** Whether this parser was made for exactly these inputs (the search component's reuse check). */
  boolean parses(String qstr, SolrParams localParams, SolrParams params, SolrQueryRequest req) {
    return this.req == req && this.params == params && java.util.Objects.equals(this.qstr, qstr)
        && sameParams(this.localParams, localParams);
  }

  @Override
  public Query parse() throws SyntaxError {
    CirQuerySpec.Search search;
    float[] vector;
    float[] shipped = fused == null ? FusedVector.shipped(params, stringIncludingLocalParams) : null;
    if (shipped != null) {
      // a shard: the coordinator encoded the query; only the search parameters matter here
      search = CirQuerySpec.Search.parse(localParams, plugin.defaults());
      vector = shipped;
    } else {
      search = spec().search();
      vector = encode(new LocalReferenceSource(req.getSearcher(), collection())).vector();
    }
    SchemaField field = vectorField(search.field());
    int dim = ((DenseVectorField) field.getType()).getDimension();
    if (vector.length != dim) {
      throw new SolrException(
          ErrorCode.BAD_REQUEST,
          FusedVector.VECTOR_PARAM + " has " + vector.length + " values but field '" + search.field() + "' has dimension " + dim);
    }
    Query filter = getFilterQuery();
    if (search.excludedId() != null) {
      filter = ReferenceExclusion.excluding(filter, idTerm(search.excludedId()));
    }
    DenseVectorField type = (DenseVectorField) field.getType();
    if (CirCodecFactory.formatOf(req.getCore().getCodec(), field.getName()).quantized()) {
      // the graph ranks by quantized vectors: the best candidates are scored again with the raw floats
      return new RescoredKnnQuery(field.getName(), vector, search.topK(), search.rescoreCount(), filter, type.getSimilarityFunction());
    }
    return new KnnFloatVectorQuery(field.getName(), vector, search.topK(), filter);
  }

  private static QueryEncoder.Field field(SchemaField f) {
    DenseVectorField type = (DenseVectorField) f.getType();
    return new QueryEncoder.Field(f.getName(), type.getDimension(), type.getSimilarityFunction());
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

  private static boolean sameParams(SolrParams a, SolrParams b) {
    if (a == b) {
      return true;
    }
    if (a == null || b == null) {
      return false;
    }
    java.util.Set<String> names = new java.util.HashSet<>();
    a.getParameterNamesIterator().forEachRemaining(names::add);
    java.util.Set<String> other = new java.util.HashSet<>();
    b.getParameterNamesIterator().forEachRemaining(other::add);
    if (!names.equals(other)) {
      return false;
    }
    for (String n : names) {
      if (!java.util.Arrays.equals(a.getParams(n), b.getParams(n))) {
        return false;
      }
    }
    return true;
  }
}
