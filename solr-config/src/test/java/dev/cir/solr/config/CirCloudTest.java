package dev.cir.solr.config;

import com.carrotsearch.randomizedtesting.annotations.ThreadLeakFilters;
import dev.cir.clip.bundle.ModelBundle;
import dev.cir.clip.encoder.CirEncoder;
import dev.cir.clip.encoder.EncoderOptions;
import dev.cir.clip.testing.TestBundles;
import dev.cir.solr.model.CirModelRegistry;
import dev.cir.solr.search.FusedVector;
import dev.cir.solr.testing.DjlThreadsFilter;
import dev.cir.solr.testing.SyntheticImages;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.lucene.tests.util.QuickPatchThreadsFilter;
import org.apache.solr.SolrIgnoredThreadsFilter;
import org.apache.solr.SolrTestCaseJ4;
import org.apache.solr.client.solrj.SolrClient;
import org.apache.solr.client.solrj.impl.Http2SolrClient;
import org.apache.solr.client.solrj.request.CollectionAdminRequest;
import org.apache.solr.client.solrj.request.ConfigSetAdminRequest;
import org.apache.solr.client.solrj.response.QueryResponse;
import org.apache.solr.cloud.SolrCloudTestCase;
import org.apache.solr.common.SolrInputDocument;
import org.apache.solr.common.cloud.DocCollection;
import org.apache.solr.common.cloud.Replica;
import org.apache.solr.common.cloud.Slice;
import org.apache.solr.embedded.JettySolrRunner;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * The {@code cir} configset, uploaded as a zip, on SolrCloud: 2 nodes, a collection of 2 shards x 2
 * replicas. The fused vector is computed on the coordinator; references live on one shard only.
 */
@ThreadLeakFilters(
    defaultFilters = true,
    filters = {SolrIgnoredThreadsFilter.class, QuickPatchThreadsFilter.class, DjlThreadsFilter.class})
// the error-body checks read raw HTTP with the JDK client, which does not trust the test framework's random CA
@SolrTestCaseJ4.SuppressSSL
public class CirCloudTest extends SolrCloudTestCase {
  static final String COLLECTION = "cir";
  static CirEncoder encoder;
  static final Map<String, float[]> raw = new HashMap<>();
  static final Map<String, byte[]> pngs = new HashMap<>();
  static final List<String> ids = new ArrayList<>();

  @BeforeClass
  public static void setUpCluster() throws Exception {
    ModelBundle bundle = TestBundles.small("small-vit", createTempDir("bundle"), true);
    System.setProperty("cir.bundle.default", bundle.dir().toString());
    System.setProperty("cir.predictors", "1");
    configureCluster(2).configure();
    Path zip = createTempDir("configset").resolve("cir.zip");
    Files.write(zip, CirConfigset.zip(CirConfigset.Settings.defaults().withDimension(32)));
    new ConfigSetAdminRequest.Upload().setConfigSetName("cir").setUploadFile(zip.toFile(), "application/zip").process(cluster.getSolrClient());
    CollectionAdminRequest.createCollection(COLLECTION, "cir", 2, 2).process(cluster.getSolrClient());
    cluster.waitForActiveCollection(COLLECTION, 2, 4);
    encoder = CirEncoder.open(ModelBundle.open(bundle.dir()), EncoderOptions.defaults().withPredictors(1));

    Random r = new Random(random().nextLong());
    List<SolrInputDocument> docs = new ArrayList<>();
    for (int i = 0; i < 80; i++) {
      String id = "img" + i;
      byte[] png = SyntheticImages.png(r, 40);
      float[] v = encoder.encodeImage(png, id);
      SolrInputDocument d = new SolrInputDocument();
      d.addField("id", id);
      if (i < 6) {
        d.addField("image_bytes", png); // encoded by the node that receives it
      } else {
        d.addField("clip_vector", floats(v));
      }
      d.addField("color_s", SyntheticImages.COLORS[r.nextInt(3)]);
      d.addField("size_i", r.nextInt(10));
      docs.add(d);
      raw.put(id, v);
      pngs.put(id, png);
      ids.add(id);
    }
    cluster.getSolrClient().add(COLLECTION, docs);
    cluster.getSolrClient().commit(COLLECTION);
  }

  @AfterClass
  public static void tearDownEncoder() {
    if (encoder != null) {
      encoder.close();
      encoder = null;
    }
    raw.clear();
    pngs.clear();
    ids.clear();
    System.clearProperty("cir.bundle.default");
    System.clearProperty("cir.predictors");
  }

  static List<Float> floats(float[] v) {
    List<Float> l = new ArrayList<>(v.length);
    for (float x : v) {
      l.add(x);
    }
    return l;
  }

  @Test
  public void cirEqualsKnnAcrossShards() throws Exception {
    // 80, or 90 once the node-stop test has added its documents
    assertTrue(cluster.getSolrClient().query(COLLECTION, params("q", "*:*")).getResults().getNumFound() >= 80);
    Random r = new Random(random().nextLong());
    KnnEquivalence eq = new KnnEquivalence(cluster.getSolrClient(), COLLECTION, encoder, raw, pngs);
    int returned = 0;
    int queries = atLeast(20);
    for (int i = 0; i < queries; i++) {
      returned += eq.check(r, ids, KnnEquivalence.Filtering.values()[i % KnnEquivalence.Filtering.values().length]);
    }
    assertTrue(returned > queries);
    assertEquals("one model for the whole JVM: 2 nodes, 4 cores", 1, CirModelRegistry.shared().loadedCount());
  }

  @Test
  public void theReferenceIsFoundOnWhicheverShardHoldsIt() throws Exception {
    DocCollection coll = getCollectionState(COLLECTION);
    for (Slice slice : coll.getSlices()) {
      // a document of this shard, asked through a core of the other shard
      QueryResponse local = cluster.getSolrClient().query(COLLECTION, params("q", "*:*", "shards", slice.getName(), "rows", "1"));
      String ref = (String) local.getResults().get(0).getFieldValue("id");
      Slice other = coll.getSlices().stream().filter(s -> !s.getName().equals(slice.getName())).findFirst().orElseThrow();
      Replica coordinator = other.getReplicas().iterator().next();
      try (SolrClient c = new Http2SolrClient.Builder(coordinator.getBaseUrl()).build()) {
        QueryResponse rsp = c.query(coordinator.getCoreName(), params("q", "{!cir ref=" + ref + " topK=10}w5 w6", "debug", "true"));
        assertEquals(10, rsp.getResults().size());
        String source = (String) ((Map<?, ?>) rsp.getDebugMap().get("cir")).get("reference");
        assertTrue(source, source.startsWith("document '" + ref + "' on ") && source.contains(slice.getName()));
        for (var d : rsp.getResults()) {
          assertNotEquals(ref, d.getFieldValue("id"));
        }
      }
    }
  }

  @Test
  public void badInputIsA400WithAMessageAndNoStackTrace() throws Exception {
    String base = cluster.getJettySolrRunner(0).getBaseUrl() + "/" + COLLECTION + "/select?wt=json&q=";
    String[][] cases = {
      {"{!cir ref=nope}w3", "reference document 'nope' not found in collection 'cir'"},
      {"{!cir f=color_s ref=img1}w3", "not a vector field"},
      {"{!cir bundle=nope ref=img1}w3", "unknown bundle 'nope'"},
      {"{!cir refVector=[1,2]}w3", "refVector has 2 values but bundle 'default' has dimension 32"},
      {"{!cir refVector=[1,2}w3", "refVector must look like"},
      {"{!cir ref=img1 topK=0}w3", "topK must be between 1 and 1000"},
      {"{!cir ref=img1 topK=5000}w3", "maxTopK"},
      {"{!cir ref=img1 combine=combiner}", "the text is empty"},
      {"{!cir ref=img1}w3 {!func}1", "local params"},
    };
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    for (String[] c : cases) {
      HttpResponse<String> rsp =
          http.send(HttpRequest.newBuilder(URI.create(base + URLEncoder.encode(c[0], StandardCharsets.UTF_8))).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(c[0] + ": " + rsp.body(), 400, rsp.statusCode());
      assertTrue(c[0] + ": " + rsp.body(), rsp.body().contains(c[1]));
      assertFalse(c[0] + " has a stack trace: " + rsp.body(), rsp.body().contains("\"trace\"") || rsp.body().contains("at org.apache"));
    }
  }

  @Test
  public void aStoppedNodeDuringQueriesLosesNothing() throws Exception {
    JettySolrRunner survivor = cluster.getJettySolrRunner(0);
    JettySolrRunner victim = cluster.getJettySolrRunner(1);
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger answered = new AtomicInteger();
    List<String> errors = java.util.Collections.synchronizedList(new ArrayList<>());
    ExecutorService load = Executors.newFixedThreadPool(2);
    List<Future<?>> clients = new ArrayList<>();
    try (SolrClient c = new Http2SolrClient.Builder(survivor.getBaseUrl().toString()).build()) {
      for (int t = 0; t < 2; t++) {
        Random r = new Random(random().nextLong());
        clients.add(
            load.submit(
                () -> {
                  for (int q = 0; q < 2000 && !stop.get(); q++) {
                    try {
                      QueryResponse rsp =
                          c.query(COLLECTION, params("q", "{!cir ref=" + ids.get(r.nextInt(ids.size())) + " topK=5}" + SyntheticImages.text(r), "shards.tolerant", "true"));
                      if (rsp.getResults().isEmpty()) {
                        errors.add("no results");
                      }
                      answered.incrementAndGet();
                    } catch (Exception e) {
                      errors.add(e.toString());
                    }
                  }
                }));
      }
      Thread.sleep(1500);
      cluster.stopJettySolrRunner(victim);
      cluster.waitForJettyToStop(victim);
      int before = answered.get();
      // documents indexed while a node is down reach its replicas when it comes back
      List<SolrInputDocument> late = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        SolrInputDocument d = new SolrInputDocument();
        d.addField("id", "late" + i);
        // new vectors (copies of indexed ones would tie in score, and ties across shards have no fixed order)
        d.addField("clip_vector", floats(encoder.encodeImage(SyntheticImages.png(new Random(1000 + i), 40), "late" + i)));
        late.add(d);
      }
      c.add(COLLECTION, late);
      c.commit(COLLECTION);
      Thread.sleep(2000);
      assertTrue("queries kept being answered with a node down", answered.get() > before);
      cluster.startJettySolrRunner(victim);
      cluster.waitForNode(victim, 60);
      cluster.waitForActiveCollection(COLLECTION, 2, 4);
      Thread.sleep(1000);
      stop.set(true);
      for (Future<?> f : clients) {
        f.get(60, TimeUnit.SECONDS);
      }
      assertTrue(errors.size() + " errors: " + errors.subList(0, Math.min(5, errors.size())), errors.isEmpty());
    } finally {
      stop.set(true);
      load.shutdown();
      assertTrue(load.awaitTermination(60, TimeUnit.SECONDS));
    }
    cluster.getSolrClient().commit(COLLECTION);
    assertEquals(90, cluster.getSolrClient().query(COLLECTION, params("q", "*:*")).getResults().getNumFound());
    // every replica holds its shard's documents
    for (Slice slice : getCollectionState(COLLECTION).getSlices()) {
      long expected = -1;
      for (Replica replica : slice.getReplicas()) {
        try (SolrClient c = new Http2SolrClient.Builder(replica.getBaseUrl()).build()) {
          long n = c.query(replica.getCoreName(), params("q", "*:*", "distrib", "false")).getResults().getNumFound();
          if (expected < 0) {
            expected = n;
          }
          assertEquals(replica.getCoreName(), expected, n);
        }
      }
    }
  }

  static String vectorText(String id) {
    return FusedVector.format(raw.get(id));
  }
}
