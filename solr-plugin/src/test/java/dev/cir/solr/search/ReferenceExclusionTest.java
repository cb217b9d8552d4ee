package dev.cir.solr.search;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermInSetQuery;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.Directory;
import org.apache.lucene.tests.index.RandomIndexWriter;
import org.apache.lucene.tests.util.LuceneTestCase;
import org.apache.lucene.util.BytesRef;

/**
 * The reference's exclusion joins the kNN pre-filter: over random indexes and filters, a kNN query
 * with it returns exactly what the same query returns with the same accepted documents spelled as
 * a list of ids (what {@code {!knn}} with {@code fq=-id:REF} sees), never the reference, and
 * {@code k} documents whenever that many are accepted.
 */
public class ReferenceExclusionTest extends LuceneTestCase {

  public void testSameResultsAsTheEquivalentFilterAndNeverTheReference() throws Exception {
    for (int iter = 0; iter < atLeast(3); iter++) {
      int dim = 2 + random().nextInt(15);
      int n = atLeast(80);
      List<String> ids = new ArrayList<>();
      Set<String> deleted = new HashSet<>();
      try (Directory dir = newDirectory();
          RandomIndexWriter w = new RandomIndexWriter(random(), dir)) {
        for (int i = 0; i < n; i++) {
          String id = "d" + i;
          Document d = ReferenceVectorLookupTest.doc(id, ReferenceVectorLookupTest.randomVector(dim));
          d.add(new StringField("color", random().nextBoolean() ? "red" : "blue", Field.Store.YES));
          w.addDocument(d);
          ids.add(id);
          if (random().nextInt(10) == 0) {
            w.commit();
          }
        }
        for (int i = 0; i < n / 10; i++) {
          String victim = ids.get(random().nextInt(n));
          w.deleteDocuments(new Term("id", victim));
          deleted.add(victim);
        }
        try (IndexReader reader = w.getReader()) {
          IndexSearcher searcher = newSearcher(reader, true, true, false);
          for (int q = 0; q < atLeast(20); q++) {
            String ref = ids.get(random().nextInt(n));
            int k = 1 + random().nextInt(random().nextBoolean() ? 10 : n + 5);
            float[] target = ReferenceVectorLookupTest.randomVector(dim);
            String color = random().nextInt(3) == 0 ? null : (random().nextBoolean() ? "red" : "blue");
            Query filter = color == null ? null : new TermQuery(new Term("color", color));

            Query excluded = new KnnFloatVectorQuery("v", target, k, ReferenceExclusion.excluding(filter, new Term("id", ref)));
            List<BytesRef> accepted = new ArrayList<>();
            for (int doc = 0; doc < reader.maxDoc(); doc++) {
              Document stored = reader.storedFields().document(doc);
              String id = stored.get("id");
              if (!deleted.contains(id) && !id.equals(ref) && (color == null || color.equals(stored.get("color")))) {
                accepted.add(new BytesRef(id));
              }
            }
            Query spelled = new KnnFloatVectorQuery("v", target, k, new TermInSetQuery("id", accepted));

            TopDocs a = searcher.search(excluded, n + 5);
            TopDocs b = searcher.search(spelled, n + 5);
            assertEquals(b.scoreDocs.length, a.scoreDocs.length);
            for (int i = 0; i < a.scoreDocs.length; i++) {
              assertEquals(b.scoreDocs[i].doc, a.scoreDocs[i].doc);
              assertEquals(b.scoreDocs[i].score, a.scoreDocs[i].score, 0f);
            }
            assertEquals(Math.min(k, accepted.size()), a.scoreDocs.length);
            for (ScoreDoc sd : a.scoreDocs) {
              assertNotEquals(ref, searcher.storedFields().document(sd.doc).get("id"));
            }
          }
        }
      }
    }
  }

  public void testEqualsAndHashCodeFollowTheInputs() {
    Query f = new TermQuery(new Term("color", "red"));
    assertEquals(ReferenceExclusion.excluding(f, new Term("id", "a")), ReferenceExclusion.excluding(f, new Term("id", "a")));
    assertEquals(
        ReferenceExclusion.excluding(null, new Term("id", "a")).hashCode(), ReferenceExclusion.excluding(null, new Term("id", "a")).hashCode());
    assertNotEquals(ReferenceExclusion.excluding(f, new Term("id", "a")), ReferenceExclusion.excluding(f, new Term("id", "b")));
    assertNotEquals(ReferenceExclusion.excluding(f, new Term("id", "a")), ReferenceExclusion.excluding(null, new Term("id", "a")));
  }
}
