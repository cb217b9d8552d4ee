package dev.cir.solr.search;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.store.Directory;
import org.apache.lucene.tests.index.RandomIndexWriter;
import org.apache.lucene.tests.util.LuceneTestCase;
import org.apache.lucene.util.BytesRef;

/**
 * Reading a document's vector by id over random indexes: many segments, updates (the old version
 * deleted in another segment), deletions, documents without a vector.
 */
public class ReferenceVectorLookupTest extends LuceneTestCase {

  public void testFindsTheLiveVersionOfEveryDocument() throws Exception {
    for (int iter = 0; iter < atLeast(3); iter++) {
      int dim = 2 + random().nextInt(15);
      Map<String, float[]> live = new HashMap<>(); // id -> vector, or null for "indexed without a vector"
      List<String> gone = new ArrayList<>();
      try (Directory dir = newDirectory();
          RandomIndexWriter w = new RandomIndexWriter(random(), dir)) {
        int n = atLeast(60);
        for (int i = 0; i < n; i++) {
          String id = "doc" + random().nextInt(n); // repeats: updates
          float[] v = random().nextInt(5) == 0 ? null : randomVector(dim);
          w.updateDocument(new Term("id", id), doc(id, v));
          live.put(id, v);
          if (random().nextInt(7) == 0) {
            w.commit(); // a new segment
          }
          if (random().nextInt(10) == 0 && !live.isEmpty()) {
            String victim = new ArrayList<>(live.keySet()).get(random().nextInt(live.size()));
            w.deleteDocuments(new Term("id", victim));
            live.remove(victim);
            gone.add(victim);
          }
        }
        if (random().nextBoolean()) {
          w.forceMerge(1 + random().nextInt(3));
        }
        try (IndexReader reader = w.getReader()) {
          for (Map.Entry<String, float[]> e : live.entrySet()) {
            ReferenceVectorLookup.Result r = ReferenceVectorLookup.lookup(reader, "id", new BytesRef(e.getKey()), "v");
            if (e.getValue() == null) {
              assertEquals(e.getKey(), ReferenceVectorLookup.Status.NO_VECTOR, r.status());
              assertNull(r.vector());
            } else {
              assertEquals(e.getKey(), ReferenceVectorLookup.Status.FOUND, r.status());
              assertArrayEquals(e.getValue(), r.vector(), 0f);
            }
          }
          for (String id : gone) {
            if (!live.containsKey(id)) {
              assertEquals(id, ReferenceVectorLookup.Status.NOT_FOUND, ReferenceVectorLookup.lookup(reader, "id", new BytesRef(id), "v").status());
            }
          }
          assertEquals(ReferenceVectorLookup.Status.NOT_FOUND, ReferenceVectorLookup.lookup(reader, "id", new BytesRef("never"), "v").status());
          assertEquals(ReferenceVectorLookup.Status.NOT_FOUND, ReferenceVectorLookup.lookup(reader, "no_such_field", new BytesRef("doc0"), "v").status());
        }
      }
    }
  }

  public void testReturnsACopyTheCallerMayChange() throws Exception {
    try (Directory dir = newDirectory();
        RandomIndexWriter w = new RandomIndexWriter(random(), dir)) {
      w.addDocument(doc("a", new float[] {1, 2, 3}));
      try (IndexReader reader = w.getReader()) {
        float[] first = ReferenceVectorLookup.lookup(reader, "id", new BytesRef("a"), "v").vector();
        first[0] = 99;
        assertArrayEquals(new float[] {1, 2, 3}, ReferenceVectorLookup.lookup(reader, "id", new BytesRef("a"), "v").vector(), 0f);
      }
    }
  }

  public void testReadsTheImageTowerFromDocValuesOrStoredFieldsAndNullWithout() throws Exception {
    for (boolean docValues : new boolean[] {true, false}) {
      try (Directory dir = newDirectory();
          RandomIndexWriter w = new RandomIndexWriter(random(), dir)) {
        Document with = doc("with", new float[] {1, 2, 3});
        with.add(
            docValues
                ? new org.apache.lucene.document.SortedDocValuesField(ReferenceVectorLookup.MODEL_FIELD, new BytesRef("image-tower:aaa"))
                : new StringField(ReferenceVectorLookup.MODEL_FIELD, "image-tower:aaa", Field.Store.YES));
        w.addDocument(with);
        w.addDocument(doc("without", new float[] {1, 2, 5}));
        if (random().nextBoolean()) {
          w.forceMerge(1);
        }
        try (IndexReader reader = w.getReader()) {
          assertEquals("docValues " + docValues, "image-tower:aaa", ReferenceVectorLookup.lookup(reader, "id", new BytesRef("with"), "v").model());
          assertNull("docValues " + docValues, ReferenceVectorLookup.lookup(reader, "id", new BytesRef("without"), "v").model());
        }
      }
    }
  }

  static Document doc(String id, float[] v) {
    Document d = new Document();
    d.add(new StringField("id", id, Field.Store.YES));
    if (v != null) {
      d.add(new KnnFloatVectorField("v", v, VectorSimilarityFunction.COSINE));
    }
    return d;
  }

  static float[] randomVector(int dim) {
    float[] v = new float[dim];
    for (int i = 0; i < dim; i++) {
      v[i] = (float) random().nextGaussian();
    }
    v[0] += 0.01f; // never all zero: cosine similarity needs a direction
    return v;
  }
}
