package dev.cir.solr.search;

import java.io.IOException;
import java.util.Objects;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.PostingsEnum;
import org.apache.lucene.index.Terms;
import org.apache.lucene.index.TermsEnum;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.BytesRef;

/**
 * Reads one document's vector from the index: the live document whose id term is {@code id}, its
 * vector in {@code vectorField} as it was indexed (Lucene keeps the raw values; cosine similarity
 * normalizes only when it scores). Deleted documents (an updated document's old versions) are
 * skipped.
 */
public final class ReferenceVectorLookup {
  private ReferenceVectorLookup() {}

  /** What the index holds for an id. */
  public enum Status {
    FOUND,
    NOT_FOUND,
    NO_VECTOR
  }

  /** @param vector a copy of the indexed vector when {@code status} is FOUND, else null */
  public record Result(Status status, float[] vector) {
    static final Result NOT_FOUND = new Result(Status.NOT_FOUND, null);
    static final Result NO_VECTOR = new Result(Status.NO_VECTOR, null);
  }

  /**
   * @param idField the field holding the unique key, indexed as a single term
   * @param id the id in its indexed form
   */
  public static Result lookup(IndexReader reader, String idField, BytesRef id, String vectorField) throws IOException {
    Objects.requireNonNull(id, "id");
    for (LeafReaderContext ctx : reader.leaves()) {
      LeafReader leaf = ctx.reader();
      int doc = liveDoc(leaf, idField, id);
      if (doc == DocIdSetIterator.NO_MORE_DOCS) {
        continue;
      }
      FloatVectorValues values = leaf.getFloatVectorValues(vectorField);
      if (values == null || values.advance(doc) != doc) {
        return Result.NO_VECTOR;
      }
      return new Result(Status.FOUND, values.vectorValue().clone());
    }
    return Result.NOT_FOUND;
  }

  private static int liveDoc(LeafReader leaf, String idField, BytesRef id) throws IOException {
    Terms terms = leaf.terms(idField);
    if (terms == null) {
      return DocIdSetIterator.NO_MORE_DOCS;
    }
    TermsEnum te = terms.iterator();
    if (!te.seekExact(id)) {
      return DocIdSetIterator.NO_MORE_DOCS;
    }
    Bits live = leaf.getLiveDocs();
    PostingsEnum docs = te.postings(null, PostingsEnum.NONE);
    for (int d = docs.nextDoc(); d != DocIdSetIterator.NO_MORE_DOCS; d = docs.nextDoc()) {
      if (live == null || live.get(d)) {
        return d;
      }
    }
    return DocIdSetIterator.NO_MORE_DOCS;
  }
}
