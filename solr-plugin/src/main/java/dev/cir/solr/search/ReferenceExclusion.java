package dev.cir.solr.search;

import java.util.Objects;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.MatchAllDocsQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.TermQuery;

/**
 * Keeps the reference image out of its own results. The exclusion joins the kNN pre-filter rather
 * than filtering the results afterwards, so the query still returns {@code topK} documents, and
 * it returns exactly what {@code {!knn}} returns with {@code fq=-id:REF}: Lucene's kNN search sees
 * only the set of accepted documents, and that set is the same.
 */
public final class ReferenceExclusion {
  private ReferenceExclusion() {}

  /**
   * @param filter the pre-filter, or null for none
   * @param id the reference's id term
   * @return a filter accepting what {@code filter} accepts except the document(s) of {@code id}
   */
  public static Query excluding(Query filter, Term id) {
    Objects.requireNonNull(id, "id");
    return new BooleanQuery.Builder()
        .add(filter == null ? new MatchAllDocsQuery() : filter, BooleanClause.Occur.FILTER)
        .add(new TermQuery(id), BooleanClause.Occur.MUST_NOT)
        .build();
  }
}
