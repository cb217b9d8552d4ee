package dev.cir.solr.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Random;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.lucene912.Lucene912Codec;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The three formats as Lucene writes and reads them, and what is refused. */
class VectorFormatTest {
  @TempDir Path tmp;

  @Test
  void parsesTheThreeNamesAndRefusesOthers() {
    assertEquals(VectorFormat.FLOAT, VectorFormat.parse(null));
    assertEquals(VectorFormat.INT8, VectorFormat.parse(" INT8 "));
    assertEquals(VectorFormat.INT4, VectorFormat.parse("int4"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> VectorFormat.parse("int2"));
    assertTrue(e.getMessage().contains("float, int8 or int4"), e.getMessage());
  }

  @Test
  void int4NeedsAnEvenDimension() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> VectorFormat.INT4.luceneFormat("v", 33, 16, 100));
    assertTrue(e.getMessage().contains("field 'v' has dimension 33") && e.getMessage().contains("use int8"), e.getMessage());
    VectorFormat.INT8.luceneFormat("v", 33, 16, 100); // int8 takes any dimension
  }

  @Test
  void everyFormatKeepsTheRawFloats() throws Exception {
    for (VectorFormat f : VectorFormat.values()) {
      KnnVectorsFormat format = f.luceneFormat("v", 32, 16, 100);
      Random r = new Random(1);
      float[][] vs = new float[300][32];
      try (Directory dir = FSDirectory.open(tmp.resolve(f.label()))) {
        IndexWriterConfig c = new IndexWriterConfig().setCodec(new Lucene912Codec() {
          @Override
          public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
            return format;
          }
        });
        try (IndexWriter w = new IndexWriter(dir, c)) {
          for (float[] v : vs) {
            for (int j = 0; j < v.length; j++) {
              v[j] = (float) r.nextGaussian();
            }
            Document d = new Document();
            d.add(new KnnFloatVectorField("v", v, VectorSimilarityFunction.COSINE));
            w.addDocument(d);
          }
          w.forceMerge(1);
        }
        try (DirectoryReader reader = DirectoryReader.open(dir)) {
          FloatVectorValues values = reader.leaves().get(0).reader().getFloatVectorValues("v");
          for (int i = 0; i < vs.length; i++) {
            assertEquals(i, values.nextDoc());
            assertTrue(java.util.Arrays.equals(vs[i], values.vectorValue()), f + ": the raw floats of document " + i);
          }
        }
      }
    }
  }
}
