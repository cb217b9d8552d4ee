package dev.cir.solr.config;

import com.carrotsearch.randomizedtesting.annotations.ThreadLeakFilters;
import dev.cir.clip.bundle.ModelBundle;
import dev.cir.clip.encoder.CirEncoder;
import dev.cir.clip.encoder.EncoderOptions;
import dev.cir.clip.testing.TestBundles;
import dev.cir.solr.model.CirModelRegistry;
import dev.cir.solr.search.ReferenceVectorLookup;
import dev.cir.solr.testing.DjlThreadsFilter;
import dev.cir.solr.testing.SyntheticImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.lucene.tests.util.QuickPatchThreadsFilter;
import org.apache.lucene.util.BytesRef;
import org.apache.solr.SolrIgnoredThreadsFilter;
import org.apache.solr.SolrTestCaseJ4;
import org.apache.solr.client.solrj.SolrClient;
import org.apache.solr.client.solrj.embedded.EmbeddedSolrServer;
import org.apache.solr.client.solrj.response.QueryResponse;
import org.apache.solr.client.solrj.response.UpdateResponse;
import org.apache.solr.common.SolrException;
import org.apache.solr.common.SolrInputDocument;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * The {@code cir} configset in a standalone core, with the small ViT bundle (32 dimensions, with a
 * Combiner): index-time encoding of paths and bytes, rejected images, {@code {!cir}} against
 * {@code {!knn}} with the vector fused outside Solr, debug output, bad input, reloads.
 */
@ThreadLeakFilters(
    defaultFilters = true,
    filters = {SolrIgnoredThreadsFilter.class, QuickPatchThreadsFilter.class, DjlThreadsFilter.class})
public class CirStandaloneTest extends SolrTestCaseJ4 {
  static CirEncoder encoder;
  static SolrClient client;
  static Path images;
  static final Map<String, float[]> raw = new HashMap<>();
  static final List<String> ids = new ArrayList<>();

  @BeforeClass
  public static void beforeClass() throws Exception {
    Path bundleDir = createTempDir("bundle");
    ModelBundle bundle = TestBundles.small("small-vit", bundleDir, true);
    images = createTempDir("images");
    Path home = createTempDir("home");
    Path conf = CirConfigset.render(home.resolve("collection1"), CirConfigset.Settings.defaults().withDimension(32));
    // a second bundle, of another dimension (48), for the mismatch check
    ModelBundle rn = TestBundles.small("small-rn", createTempDir("rn"), false);
    String solrconfig = Files.readString(conf.resolve("solrconfig.xml"));
    Files.writeString(
        conf.resolve("solrconfig.xml"),
        solrconfig.replace("<lst name=\"bundles\">", "<lst name=\"bundles\">\n<lst name=\"rn48\"><str name=\"path\">" + rn.dir() + "</str></lst>"));
    System.setProperty("cir.bundle.default", bundle.dir().toString());
    System.setProperty("cir.image.dir", images.toString());
    System.setProperty("cir.maxTopK", "100");
    System.setProperty("cir.predictors", "1");
    useFactory(null);
    initCore("solrconfig.xml", "schema.xml", home.toString());
    client = new EmbeddedSolrServer(h.getCore());
    encoder = CirEncoder.open(ModelBundle.open(bundle.dir()), EncoderOptions.defaults().withPredictors(1));
  }

  @AfterClass
  public static void afterClass() throws Exception {
    if (client != null) {
      client.close();
    }
    if (encoder != null) {
      encoder.close();
    }
    client = null;
    encoder = null;
    raw.clear();
    ids.clear();
    for (String p : new String[] {"cir.bundle.default", "cir.image.dir", "cir.maxTopK", "cir.predictors"}) {
      System.clearProperty(p);
    }
  }

  /** Indexes 60 images, half by path and half by bytes, plus two bad ones in the same batch. */
  private static synchronized void indexOnce() throws Exception {
    if (!ids.isEmpty()) {
      return;
    }
    Random r = new Random(random().nextLong());
    List<SolrInputDocument> docs = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      byte[] png = SyntheticImages.png(r, 40);
      String id = "img" + i;
      SolrInputDocument d = new SolrInputDocument();
      d.addField("id", id);
      if (i % 2 == 0) {
        Files.write(images.resolve(id + ".png"), png);
        d.addField("image_path", id + ".png");
      } else {
        d.addField("image_bytes", png);
      }
      d.addField("color_s", SyntheticImages.COLORS[r.nextInt(3)]);
      d.addField("size_i", r.nextInt(10));
      docs.add(d);
      raw.put(id, encoder.encodeImage(png, id));
      ids.add(id);
    }
    SolrInputDocument broken = new SolrInputDocument();
    broken.addField("id", "broken");
    broken.addField("image_bytes", "this is not an image".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    docs.add(20, broken);
    SolrInputDocument escaping = new SolrInputDocument();
    escaping.addField("id", "escaping");
    escaping.addField("image_path", "../../etc/passwd");
    docs.add(40, escaping);
    SolrInputDocument noImage = new SolrInputDocument();
    noImage.addField("id", "noimage");
    noImage.addField("color_s", "red");
    docs.add(noImage);

    UpdateResponse u = client.add("collection1", docs);
    List<?> errors = (List<?>) u.getResponseHeader().get("errors");
    assertNotNull("rejected documents are listed: " + u, errors);
    assertEquals(u.toString(), 2, errors.size());
    String all = errors.toString();
    assertTrue(all, all.contains("broken") && all.contains("cannot be decoded"));
    assertTrue(all, all.contains("escaping") && all.contains("'..'"));
    client.commit("collection1");
  }

  @Test
  public void indexTimeEncodingStoresTheRawImageFeatures() throws Exception {
    indexOnce();
    assertEquals(61, client.query("collection1", params("q", "*:*")).getResults().getNumFound());
    h.getCore()
        .withSearcher(
            s -> {
              for (String id : ids) {
                ReferenceVectorLookup.Result res = ReferenceVectorLookup.lookup(s.getIndexReader(), "id", new BytesRef(id), "clip_vector");
                assertEquals(id, ReferenceVectorLookup.Status.FOUND, res.status());
                assertArrayEquals(id, raw.get(id), res.vector(), 0f);
              }
              assertEquals(
                  ReferenceVectorLookup.Status.NO_VECTOR,
                  ReferenceVectorLookup.lookup(s.getIndexReader(), "id", new BytesRef("noimage"), "clip_vector").status());
              return null;
            });
  }

  @Test
  public void cirEqualsKnnWithTheVectorFusedOutsideSolr() throws Exception {
    indexOnce();
    Random r = new Random(random().nextLong());
    KnnEquivalence eq = new KnnEquivalence(client, "collection1", encoder, raw);
    int returned = 0;
    int queries = atLeast(40);
    for (int i = 0; i < queries; i++) {
      returned += eq.check(r, ids, KnnEquivalence.Filtering.values()[i % KnnEquivalence.Filtering.values().length]);
    }
    assertTrue("the queries found documents", returned > queries);
  }

  @Test
  public void debugShowsTheReferenceLambdaAndTimings() throws Exception {
    indexOnce();
    QueryResponse rsp = client.query("collection1", params("q", "{!cir ref=img3 topK=5}w10 w11", "debug", "true"));
    Map<?, ?> cir = (Map<?, ?>) rsp.getDebugMap().get("cir");
    assertNotNull(rsp.getDebugMap().toString(), cir);
    assertEquals("document 'img3'", cir.get("reference"));
    assertEquals("combiner", cir.get("combine"));
    float lambda = ((Number) cir.get("lambda")).floatValue();
    assertTrue("λ in (0, 1): " + lambda, lambda > 0 && lambda < 1);
    Map<?, ?> timing = (Map<?, ?>) cir.get("timing");
    for (String t : new String[] {"lookupMs", "textEncodeMs", "combineMs", "encodeMs", "searchMs"}) {
      assertTrue(t + " in " + timing, ((Number) timing.get(t)).doubleValue() >= 0);
    }
    QueryResponse again = client.query("collection1", params("q", "{!cir ref=img3 topK=5 combine=sum}w10 w11", "debug", "true"));
    Map<?, ?> cir2 = (Map<?, ?>) again.getDebugMap().get("cir");
    assertEquals(Boolean.TRUE, cir2.get("textCached"));
    assertNull(cir2.get("lambda"));
    QueryResponse byVector =
        client.query("collection1", params("q", "{!cir refVector=$rv topK=5}w10", "rv", dev.cir.solr.search.FusedVector.format(raw.get("img4")), "debug", "true"));
    assertEquals("refVector", ((Map<?, ?>) byVector.getDebugMap().get("cir")).get("reference"));
    assertEquals(5, byVector.getResults().size());
  }

  @Test
  public void badInputIsA400SayingWhatToFix() throws Exception {
    indexOnce();
    String[][] cases = {
      {"{!cir ref=nope}w3", "reference document 'nope' not found in collection"},
      {"{!cir ref=noimage}w3", "has no vector in field 'clip_vector'"},
      {"{!cir f=color_s ref=img1}w3", "not a vector field"},
      {"{!cir f=nofield ref=img1}w3", "unknown field 'nofield'"},
      {"{!cir bundle=nope ref=img1}w3", "unknown bundle 'nope'"},
      {"{!cir refVector=[1,2,oops]}w3", "element 2 is not a number"},
      {"{!cir refVector=[1,2,3]}w3", "refVector has 3 values but bundle 'default' has dimension 32"},
      {"{!cir ref=img1 topK=0}w3", "topK must be between 1 and 100"},
      {"{!cir ref=img1 topK=101}w3", "maxTopK"},
      {"{!cir ref=img1}", "the text is empty"},
      {"{!cir ref=img1}{!lucene}*:*", "local params"},
      {"{!cir ref=img1 v=$u}", "local params"},
    };
    for (String[] c : cases) {
      SolrException e = expectThrows(SolrException.class, () -> client.query("collection1", params("q", c[0], "u", "{!join from=a to=b}*:*")));
      assertEquals(c[0] + ": " + e.getMessage(), 400, e.code());
      assertTrue(c[0] + ": " + e.getMessage(), e.getMessage().contains(c[1]));
    }
    // a text far longer than the context is truncated, not refused
    assertEquals(3, client.query("collection1", params("q", "{!cir ref=img1 topK=3}" + "w9 ".repeat(500))).getResults().size());
    // the empty text is fine for the sum of the two
    assertEquals(3, client.query("collection1", params("q", "{!cir ref=img1 topK=3 combine=sum}")).getResults().size());
  }

  @Test
  public void aBundleOfAnotherDimensionIsRefusedNamingBoth() throws Exception {
    indexOnce();
    SolrException e = expectThrows(SolrException.class, () -> client.query("collection1", params("q", "{!cir bundle=rn48 ref=img1 combine=sum}w3")));
    assertEquals(400, e.code());
    assertTrue(e.getMessage(), e.getMessage().contains("bundle 'rn48' makes 48-dimensional vectors but field 'clip_vector' has dimension 32"));
    e = expectThrows(SolrException.class, () -> client.query("collection1", params("q", "{!cir bundle=rn48 ref=img1}w3")));
    assertTrue(e.getMessage(), e.getMessage().contains("48-dimensional"));
  }

  @Test
  public void aReloadKeepsTheLoadedBundle() throws Exception {
    indexOnce();
    client.query("collection1", params("q", "{!cir ref=img1}w3"));
    long loads = CirModelRegistry.shared().loadCount();
    int loaded = CirModelRegistry.shared().loadedCount();
    h.reload();
    client.close();
    client = new EmbeddedSolrServer(h.getCore());
    assertEquals(5, client.query("collection1", params("q", "{!cir ref=img1 topK=5}w3")).getResults().size());
    assertEquals("no second load after a reload", loads, CirModelRegistry.shared().loadCount());
    assertEquals(loaded, CirModelRegistry.shared().loadedCount());
  }
}
