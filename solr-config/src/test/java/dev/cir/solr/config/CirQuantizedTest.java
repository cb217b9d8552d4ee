package dev.cir.solr.config;

import com.carrotsearch.randomizedtesting.annotations.ThreadLeakFilters;
import dev.cir.clip.bundle.ModelBundle;
import dev.cir.clip.testing.TestBundles;
import dev.cir.solr.codec.VectorFormat;
import dev.cir.solr.search.FusedVector;
import dev.cir.solr.testing.DjlThreadsFilter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.tests.util.QuickPatchThreadsFilter;
import org.apache.solr.SolrIgnoredThreadsFilter;
import org.apache.solr.SolrTestCaseJ4;
import org.apache.solr.client.solrj.SolrClient;
import org.apache.solr.client.solrj.SolrRequest;
import org.apache.solr.client.solrj.embedded.EmbeddedSolrServer;
import org.apache.solr.common.SolrDocument;
import org.apache.solr.common.SolrDocumentList;
import org.apache.solr.common.SolrException;
import org.apache.solr.common.SolrInputDocument;
import org.apache.solr.schema.DenseVectorField;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * The configset with {@code cir.vector.format=int8}: the same 10,000 vectors in the int8 field
 * {@code clip_vector} and in a float field of the same type, {@code float_vector}; {@code {!cir}}
 * with exact rescoring answers on the int8 field what it answers on the float one.
 */
@ThreadLeakFilters(
    defaultFilters = true,
    filters = {SolrIgnoredThreadsFilter.class, QuickPatchThreadsFilter.class, DjlThreadsFilter.class})
public class CirQuantizedTest extends SolrTestCaseJ4 {
  static final int DOCS = 10_000;
  static final int DIM = 32;
  static SolrClient client;
  static final List<float[]> vectors = new ArrayList<>();

  @BeforeClass
  public static void beforeClass() throws Exception {
    ModelBundle bundle = TestBundles.small("small-vit", createTempDir("bundle"), true);
    Path home = createTempDir("home");
    Path conf =
        CirConfigset.render(home.resolve("collection1"), CirConfigset.Settings.defaults().withDimension(DIM).withVectorFormat(VectorFormat.INT8));
    Path schema = conf.resolve("schema.xml");
    Files.writeString(
        schema,
        Files.readString(schema).replace(
            "<field name=\"clip_vector\"",
            "<field name=\"float_vector\" type=\"clip_vector\" indexed=\"true\" stored=\"false\"/>\n  <field name=\"clip_vector\""));
    Path solrconfig = conf.resolve("solrconfig.xml");
    Files.writeString(
        solrconfig,
        Files.readString(solrconfig).replace(
            "<str name=\"vectorFormat\">${cir.vector.format:int8}</str>",
            "<str name=\"vectorFormat\">${cir.vector.format:int8}</str>\n    <str name=\"vectorFormat.float_vector\">float</str>"));
    System.setProperty("cir.bundle.default", bundle.dir().toString());
    System.setProperty("cir.predictors", "1");
    // the rendered schema keeps the HNSW parameters as properties: a collection can be created with others
    System.setProperty("cir.hnsw.beamWidth", "90");
    useFactory(null);
    initCore("solrconfig.xml", "schema.xml", home.toString());
    client = new EmbeddedSolrServer(h.getCore());
    Random r = new Random(11);
    List<SolrInputDocument> batch = new ArrayList<>();
    for (int i = 0; i < DOCS; i++) {
      float[] v = new float[DIM];
      for (int j = 0; j < DIM; j++) {
        v[j] = (float) r.nextGaussian();
      }
      vectors.add(v);
      SolrInputDocument d = new SolrInputDocument();
      d.addField("id", "d" + i);
      d.addField("color_s", i % 3 == 0 ? "red" : "blue");
      List<Float> list = new ArrayList<>();
      for (float f : v) {
        list.add(f);
      }
      d.addField("clip_vector", list);
      d.addField("float_vector", list);
      batch.add(d);
      if (batch.size() == 1000) {
        client.add("collection1", batch);
        batch.clear();
      }
    }
    client.commit("collection1");
  }

  @AfterClass
  public static void afterClass() throws Exception {
    if (client != null) {
      client.close();
    }
    client = null;
    vectors.clear();
    System.clearProperty("cir.bundle.default");
    System.clearProperty("cir.predictors");
    System.clearProperty("cir.hnsw.beamWidth");
  }

  @Test
  public void hnswParametersStayPropertiesWithTheRenderedValuesAsDefaults() {
    String schema = CirConfigset.files(CirConfigset.Settings.defaults().withHnsw(12, 80)).get("schema.xml");
    assertTrue(schema, schema.contains("hnswMaxConnections=\"${cir.hnsw.maxConnections:12}\""));
    assertTrue(schema, schema.contains("hnswBeamWidth=\"${cir.hnsw.beamWidth:80}\""));
    DenseVectorField dv = (DenseVectorField) h.getCore().getLatestSchema().getField("clip_vector").getType();
    assertEquals("the rendered default", 16, (int) dv.getHnswMaxConn());
    assertEquals("the property set when the core was created", 90, (int) dv.getHnswBeamWidth());
  }

  private static SolrDocumentList query(String q, String... more) throws Exception {
    var p = params("q", q, "fl", "id,score", "rows", "10");
    for (int i = 0; i + 1 < more.length; i += 2) {
      p.set(more[i], more[i + 1]);
    }
    return client.query("collection1", p, SolrRequest.METHOD.POST).getResults();
  }

  /** The same documents in the same order with the same scores. */
  private static void assertSame(SolrDocumentList quantized, SolrDocumentList exact, String what) {
    assertEquals(what, exact.size(), quantized.size());
    for (int i = 0; i < exact.size(); i++) {
      assertEquals(what + " rank " + i, exact.get(i).getFieldValue("id"), quantized.get(i).getFieldValue("id"));
      assertEquals(what + " score " + i, (Float) exact.get(i).getFieldValue("score"), (Float) quantized.get(i).getFieldValue("score"), 0f);
    }
  }

  @Test
  public void theIndexHoldsQuantizedVectorsBesideTheFloats() throws Exception {
    try (Stream<Path> files = Files.walk(Path.of(h.getCore().getIndexDir()))) {
      List<String> names = files.map(p -> p.getFileName().toString()).toList();
      assertTrue("scalar-quantized vector files (.veq): " + names, names.stream().anyMatch(n -> n.endsWith(".veq")));
      assertTrue("raw float vectors (.vec): " + names, names.stream().anyMatch(n -> n.endsWith(".vec")));
    }
  }

  /** The exact top 10 of {@code v} over every document (brute force), as ids. */
  private static List<String> bruteForceTop10(float[] v, java.util.function.IntPredicate keep) {
    Integer[] order = new Integer[DOCS];
    float[] score = new float[DOCS];
    for (int i = 0; i < DOCS; i++) {
      order[i] = i;
      score[i] = VectorSimilarityFunction.COSINE.compare(v, vectors.get(i));
    }
    java.util.Arrays.sort(order, (a, b) -> Float.compare(score[b], score[a]));
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < DOCS && ids.size() < 10; i++) {
      if (keep.test(order[i])) {
        ids.add("d" + order[i]);
      }
    }
    return ids;
  }

  private static int found(SolrDocumentList got, List<String> exact) {
    int n = 0;
    for (var d : got) {
      n += exact.contains((String) d.getFieldValue("id")) ? 1 : 0;
    }
    return n;
  }

  /** Every score of {@code got} is the exact similarity of its document's float vector to {@code v}. */
  private static void assertExactScores(SolrDocumentList got, float[] v) {
    for (var d : got) {
      float[] doc = vectors.get(Integer.parseInt(((String) d.getFieldValue("id")).substring(1)));
      assertEquals("exact score of " + d, VectorSimilarityFunction.COSINE.compare(v, doc), (Float) d.getFieldValue("score"), 0f);
    }
  }

  @Test
  public void rescoredInt8FindsTheExactTop10AsTheFloatFieldDoes() throws Exception {
    Random r = new Random(random().nextLong());
    int queries = 30;
    int int8Found = 0;
    int floatFound = 0;
    int filteredInt8 = 0;
    int filteredFloat = 0;
    int knnDiffers = 0;
    for (int q = 0; q < queries; q++) {
      float[] v = new float[DIM];
      for (int j = 0; j < DIM; j++) {
        v[j] = (float) r.nextGaussian();
      }
      String rv = FusedVector.format(v);
      List<String> exact = bruteForceTop10(v, i -> true);
      SolrDocumentList onFloat = query("{!cir refVector=$rv combine=image topK=200 f=float_vector}", "rv", rv);
      SolrDocumentList onInt8 = query("{!cir refVector=$rv combine=image topK=200 f=clip_vector}", "rv", rv);
      assertExactScores(onInt8, v);
      assertExactScores(onFloat, v);
      int8Found += found(onInt8, exact);
      floatFound += found(onFloat, exact);
      // rescoring only the best 10 of the graph's order: exact scores, but the quantized order chose them
      SolrDocumentList ten = query("{!cir refVector=$rv combine=image topK=100 rescore=10 f=clip_vector}", "rv", rv);
      assertEquals(10, ten.size());
      assertExactScores(ten, v);
      // {!knn} on the same int8 field scores with the quantized vectors
      SolrDocumentList knn = query("{!knn f=clip_vector topK=10}" + rv);
      for (int i = 0; i < knn.size(); i++) {
        if (!knn.get(i).getFieldValue("score").equals(onInt8.get(i).getFieldValue("score"))) {
          knnDiffers++;
          break;
        }
      }
      // filters behave as on float
      List<String> exactRed = bruteForceTop10(v, i -> i % 3 == 0);
      SolrDocumentList redInt8 = query("{!cir refVector=$rv combine=image topK=100 f=clip_vector}", "rv", rv, "fq", "color_s:red");
      SolrDocumentList redFloat = query("{!cir refVector=$rv combine=image topK=100 f=float_vector}", "rv", rv, "fq", "color_s:red");
      for (var d : redInt8) {
        assertEquals(0, Integer.parseInt(((String) d.getFieldValue("id")).substring(1)) % 3);
      }
      filteredInt8 += found(redInt8, exactRed);
      filteredFloat += found(redFloat, exactRed);
    }
    double int8Recall = int8Found / (10.0 * queries);
    double floatRecall = floatFound / (10.0 * queries);
    String report = "recall@10 against brute force: int8 rescored " + int8Recall + ", float " + floatRecall + "; filtered int8 "
        + filteredInt8 / (10.0 * queries) + ", float " + filteredFloat / (10.0 * queries) + "; {!knn} on int8 scored otherwise in " + knnDiffers;
    System.out.println(report);
    assertTrue(report, int8Recall >= 0.97 && int8Recall >= floatRecall - 0.02);
    assertTrue(report, filteredInt8 >= filteredFloat - 3);
    assertTrue("the quantized scores differ from the exact ones (else rescoring is not shown): " + report, knnDiffers > 0);
  }

  @Test
  public void theReferenceIsExcludedAsOnFloat() throws Exception {
    for (String ref : List.of("d5", "d77", "d4242")) {
      SolrDocumentList a = query("{!cir ref=" + ref + " combine=image topK=100 f=clip_vector}");
      SolrDocumentList b = query("{!cir ref=" + ref + " combine=image topK=100 f=float_vector}");
      assertSame(a, b, ref);
      for (var d : a) {
        assertNotEquals(ref, d.getFieldValue("id"));
      }
      SolrDocumentList kept = query("{!cir ref=" + ref + " keepRef=true combine=image topK=100 f=clip_vector}");
      assertEquals("the reference itself first, at similarity 1", ref, kept.get(0).getFieldValue("id"));
    }
  }

  @Test
  public void tagsAndPreFiltersBehaveAsOnFloat() throws Exception {
    Random r = new Random(random().nextLong());
    for (int q = 0; q < 5; q++) {
      String rv = FusedVector.format(vectors.get(r.nextInt(DOCS)));
      String[][] cases = {
        {" includeTags=c", "fq", "{!tag=c}color_s:red"},
        {" excludeTags=c", "fq", "{!tag=c}color_s:red"},
        {" preFilter=color_s:blue", "fq", "-id:d1*"},
      };
      for (String[] c : cases) {
        SolrDocumentList a = query("{!cir refVector=$rv combine=image topK=200" + c[0] + " f=clip_vector}", "rv", rv, c[1], c[2]);
        SolrDocumentList b = query("{!cir refVector=$rv combine=image topK=200" + c[0] + " f=float_vector}", "rv", rv, c[1], c[2]);
        assertSame(a, b, c[0] + " " + c[2]);
        assertFalse(c[0], a.isEmpty());
        for (SolrDocument d : a) {
          int i = Integer.parseInt(((String) d.getFieldValue("id")).substring(1));
          boolean red = i % 3 == 0;
          boolean ok = c[0].contains("preFilter") ? !red && !d.getFieldValue("id").toString().startsWith("d1") : red;
          assertTrue(c[0] + " " + c[2] + ": " + d.getFieldValue("id") + " does not satisfy the filters", ok);
        }
      }
    }
  }

  @Test
  public void rescoreOutsideTopKIsRefused() {
    SolrException e = expectThrows(SolrException.class, () -> query("{!cir refVector=$rv combine=image topK=10 rescore=20 f=clip_vector}", "rv", FusedVector.format(vectors.get(0))));
    assertEquals(400, e.code());
    assertTrue(e.getMessage(), e.getMessage().contains("rescore must be between 1 and topK (10)"));
  }
}
