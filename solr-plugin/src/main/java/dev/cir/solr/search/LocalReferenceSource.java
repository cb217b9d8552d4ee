package dev.cir.solr.search;

import java.io.IOException;
import org.apache.lucene.util.BytesRefBuilder;
import org.apache.solr.common.SolrException;
import org.apache.solr.common.SolrException.ErrorCode;
import org.apache.solr.schema.SchemaField;
import org.apache.solr.search.SolrIndexSearcher;

/** Reads the reference from this core's index (what the current searcher sees). */
final class LocalReferenceSource implements ReferenceSource {
  private final SolrIndexSearcher searcher;
  private final String collection;

  LocalReferenceSource(SolrIndexSearcher searcher, String collection) {
    this.searcher = searcher;
    this.collection = collection;
  }

  @Override
  public Reference find(String id, String vectorField) {
    ReferenceVectorLookup.Result r = lookup(searcher, id, vectorField);
    return switch (r.status()) {
      case FOUND -> new Reference(r.vector(), "document '" + id + "'", r.model());
      case NOT_FOUND -> throw notFound(id, collection);
      case NO_VECTOR -> throw noVector(id, vectorField);
    };
  }

  static ReferenceVectorLookup.Result lookup(SolrIndexSearcher searcher, String id, String vectorField) {
    SchemaField key = searcher.getSchema().getUniqueKeyField();
    if (key == null) {
      throw new SolrException(ErrorCode.BAD_REQUEST, "ref=ID needs a schema with a uniqueKey; pass refVector instead");
    }
    BytesRefBuilder indexed = new BytesRefBuilder();
    try {
      key.getType().readableToIndexed(id, indexed);
    } catch (RuntimeException e) {
      throw new SolrException(ErrorCode.BAD_REQUEST, "ref '" + id + "' is not a valid " + key.getName() + ": " + e.getMessage());
    }
    try {
      return ReferenceVectorLookup.lookup(searcher.getIndexReader(), key.getName(), indexed.get(), vectorField);
    } catch (IOException e) {
      throw new SolrException(ErrorCode.SERVER_ERROR, "cannot read the reference document '" + id + "': " + e.getMessage(), e);
    }
  }

  static SolrException notFound(String id, String collection) {
    return new SolrException(
        ErrorCode.BAD_REQUEST,
        "reference document '" + id + "' not found in collection '" + collection + "'; check the id (and that it was committed)");
  }

  static SolrException noVector(String id, String field) {
    return new SolrException(
        ErrorCode.BAD_REQUEST,
        "reference document '" + id + "' has no vector in field '" + field + "'; index it with an image, or pass its"
            + " features as refVector=[...]");
  }
}
