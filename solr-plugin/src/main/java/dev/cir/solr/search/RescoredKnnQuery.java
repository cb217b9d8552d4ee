package dev.cir.solr.search;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.Explanation;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.QueryVisitor;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.Scorer;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.Weight;

/**
 * A {@link KnnFloatVectorQuery} over a quantized graph whose best {@code rescore} candidates are
 * scored again, exactly, with the raw float vectors the quantized format keeps: the answer is the
 * float index's for every document the quantized search found. The query matches the rescored
 * documents only, with the similarity's exact scores (for cosine {@code (1 + cos) / 2}, as {@code
 * {!knn}} scores a float field).
 */
final class RescoredKnnQuery extends Query {
  private final String field;
  private final float[] target;
  private final int k;
  private final int rescore;
  private final Query filter;
  private final VectorSimilarityFunction similarity;

  /**
   * @param k candidates taken from the graph (the HNSW beam)
   * @param rescore how many of the best candidates are rescored and returned (at most {@code k})
   */
  RescoredKnnQuery(String field, float[] target, int k, int rescore, Query filter, VectorSimilarityFunction similarity) {
    this.field = Objects.requireNonNull(field);
    this.target = target.clone();
    this.k = k;
    this.rescore = Math.min(rescore, k);
    this.filter = filter;
    this.similarity = similarity;
  }

  @Override
  public Query rewrite(IndexSearcher searcher) throws IOException {
    TopDocs approximate = searcher.search(new KnnFloatVectorQuery(field, target, k, filter), k);
    ScoreDoc[] best = Arrays.copyOf(approximate.scoreDocs, Math.min(rescore, approximate.scoreDocs.length));
    // exact scores, leaf by leaf in document order (a vector iterator only moves forward)
    Arrays.sort(best, (a, b) -> Integer.compare(a.doc, b.doc));
    List<LeafReaderContext> leaves = searcher.getIndexReader().leaves();
    FloatVectorValues values = null;
    int leaf = -1;
    for (ScoreDoc d : best) {
      int l = ReaderUtil.subIndex(d.doc, leaves);
      if (l != leaf) {
        leaf = l;
        values = leaves.get(l).reader().getFloatVectorValues(field);
      }
      int local = d.doc - leaves.get(l).docBase;
      if (values == null || values.docID() > local || values.advance(local) != local) {
        throw new IllegalStateException("document " + d.doc + " has no vector in field '" + field + "' to rescore");
      }
      d.score = similarity.compare(target, values.vectorValue());
    }
    return new Scored(searcher.getIndexReader().getContext().id(), best);
  }

  @Override
  public String toString(String f) {
    return "RescoredKnn[" + field + ", k=" + k + ", rescore=" + rescore + (filter == null ? "" : ", filter=" + filter) + "]";
  }

  @Override
  public void visit(QueryVisitor visitor) {
    if (visitor.acceptField(field)) {
      visitor.visitLeaf(this);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RescoredKnnQuery q && q.field.equals(field) && Arrays.equals(q.target, target) && q.k == k && q.rescore == rescore
        && Objects.equals(q.filter, filter) && q.similarity == similarity;
  }

  @Override
  public int hashCode() {
    return Objects.hash(field, Arrays.hashCode(target), k, rescore, filter, similarity);
  }

  /** Fixed documents (global ids, in order) with fixed scores, for the reader it was made on. */
  private static final class Scored extends Query {
    private final Object readerId;
    private final int[] docs;
    private final float[] scores;

    Scored(Object readerId, ScoreDoc[] sortedByDoc) {
      this.readerId = readerId;
      this.docs = new int[sortedByDoc.length];
      this.scores = new float[sortedByDoc.length];
      for (int i = 0; i < sortedByDoc.length; i++) {
        docs[i] = sortedByDoc[i].doc;
        scores[i] = sortedByDoc[i].score;
      }
    }

    @Override
    public Weight createWeight(IndexSearcher searcher, ScoreMode scoreMode, float boost) {
      if (searcher.getIndexReader().getContext().id() != readerId) {
        throw new IllegalStateException("a rescored vector query runs on the reader it was rewritten for");
      }
      return new Weight(this) {
        @Override
        public Explanation explain(LeafReaderContext context, int doc) {
          int i = Arrays.binarySearch(docs, context.docBase + doc);
          return i < 0 ? Explanation.noMatch("not among the rescored nearest vectors")
              : Explanation.match(scores[i] * boost, "exact vector similarity of a rescored candidate");
        }

        @Override
        public Scorer scorer(LeafReaderContext context) {
          int lo = lower(context.docBase);
          int hi = lower(context.docBase + context.reader().maxDoc());
          if (lo == hi) {
            return null;
          }
          return new Scorer(this) {
            int i = lo - 1;
            final DocIdSetIterator it =
                new DocIdSetIterator() {
                  @Override
                  public int docID() {
                    return i < lo ? -1 : i >= hi ? NO_MORE_DOCS : docs[i] - context.docBase;
                  }

                  @Override
                  public int nextDoc() {
                    i++;
                    return docID();
                  }

                  @Override
                  public int advance(int target) {
                    int d;
                    while ((d = nextDoc()) < target) {
                      // forward
                    }
                    return d;
                  }

                  @Override
                  public long cost() {
                    return hi - lo;
                  }
                };

            @Override
            public int docID() {
              return it.docID();
            }

            @Override
            public DocIdSetIterator iterator() {
              return it;
            }

            @Override
            public float getMaxScore(int upTo) {
              float m = 0;
              for (int j = lo; j < hi; j++) {
                m = Math.max(m, scores[j]);
              }
              return m * boost;
            }

            @Override
            public float score() {
              return scores[i] * boost;
            }
          };
        }

        @Override
        public boolean isCacheable(LeafReaderContext ctx) {
          return true;
        }
      };
    }

    private int lower(int doc) {
      int i = Arrays.binarySearch(docs, doc);
      return i >= 0 ? i : -i - 1;
    }

    @Override
    public String toString(String field) {
      return "RescoredDocs[" + docs.length + "]";
    }

    @Override
    public void visit(QueryVisitor visitor) {
      visitor.visitLeaf(this);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Scored s && s.readerId == readerId && Arrays.equals(s.docs, docs) && Arrays.equals(s.scores, scores);
    }

    @Override
    public int hashCode() {
      return Objects.hash(System.identityHashCode(readerId), Arrays.hashCode(docs), Arrays.hashCode(scores));
    }
  }
}
