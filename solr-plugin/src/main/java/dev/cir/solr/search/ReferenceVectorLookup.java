package dev.cir.solr.search;

import java.io.IOException;
import java.util.Objects;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.PostingsEnum;
import org.apache.lucene.index.SortedDocValues;
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
  /**
   * The field in which every vector written by the update processor and by {@code cir index}
   * records the fingerprint of the image tower that made it ({@code
   * ModelBundle.imageTowerFingerprint()}).
   */
  public static final String MODEL_FIELD = "clip_model_s";

  private ReferenceVectorLookup() {}

  /** What the index holds for an id. */
  public enum Status {
    FOUND,
    NOT_FOUND,
    NO_VECTOR
  }

  /**
   * @param vector a copy of the indexed vector when {@code status} is FOUND, else null
   * @param model the document's {@link #MODEL_FIELD}, or null where it has none (vectors written
   *     before it existed, or by a client that does not set it)
   */
  public record Result(Status status, float[] vector, String model) {
    static final Result NOT_FOUND = new Result(Status.NOT_FOUND, null, null);
    static final Result NO_VECTOR = new Result(Status.NO_VECTOR, null, null);
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
      return new Result(Status.FOUND, values.vectorValue().clone(), model(leaf, doc));
    }
    return Result.NOT_FOUND;
  }

  /** The document's {@link #MODEL_FIELD} from its doc values, else from its stored fields. */
  private static String model(LeafReader leaf, int doc) throws IOException {
    SortedDocValues dv = leaf.getSortedDocValues(MODEL_FIELD);
    if (dv != null) {
      return dv.advanceExact(doc) ? dv.lookupOrd(dv.ordValue()).utf8ToString() : null;
    }
    if (leaf.getFieldInfos().fieldInfo(MODEL_FIELD) == null) {
      return null;
    }
    return leaf.storedFields().document(doc, java.util.Set.of(MODEL_FIELD)).get(MODEL_FIELD);
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
