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
import java.util.Base64;
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
import org.apache.solr.client.solrj.SolrRequest;
import org.apache.solr.client.solrj.impl.Http2SolrClient;
import org.apache.solr.client.solrj.request.CollectionAdminRequest;
import org.apache.solr.client.solrj.request.ConfigSetAdminRequest;
import org.apache.solr.client.solrj.response.QueryResponse;
import org.apache.solr.cloud.SolrCloudTestCase;
import org.apache.solr.common.SolrException;
import org.apache.solr.common.SolrInputDocument;
import org.apache.solr.common.params.ModifiableSolrParams;
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

  static String imageTower;
  static ModelBundle otherImageTower;
  /** Whether a query has loaded the second bundle (the registry then holds two models). */
  static volatile boolean otherImageTowerUsed;

  @BeforeClass
  public static void setUpCluster() throws Exception {
    ModelBundle bundle = TestBundles.smallWithInversion(createTempDir("bundle"), KnnEquivalence.BUNDLE_TEMPLATE);
    System.setProperty("cir.bundle.default", bundle.dir().toString());
    imageTower = bundle.imageTowerFingerprint();
    otherImageTower = TestBundles.withOneWeightChanged(bundle, "visual.proj", createTempDir("other-image"));
    System.setProperty("cir.predictors", "1");
    // Every pass takes one request. The equivalence below is bit for bit against vectors encoded one at a
    // time outside Solr; a pass shared by concurrent requests (the two shard leaders encoding their image
    // documents at once, the node-stop test's clients filling the text cache) gives features equal to float
    // rounding only, which can move a score by one ulp. ConcurrentEncodingTest bounds that difference.
    System.setProperty("cir.maxBatch", "1");
    configureCluster(2).configure();
    Path zip = createTempDir("configset").resolve("cir.zip");
    Map<String, String> files = CirConfigset.files(CirConfigset.Settings.defaults().withDimension(32));
    // records what every shard request carries
    String solrconfig = files.get("solrconfig.xml");
    String first = "<arr name=\"first-components\">\n      <str>cir</str>";
    assertTrue("the configset has " + first, solrconfig.contains(first));
    files.put(
        "solrconfig.xml",
        solrconfig.replace(first, first + "\n      <str>recorder</str>")
            .replace("<lst name=\"bundles\">", "<lst name=\"bundles\">\n<lst name=\"otherimage\"><str name=\"path\">" + otherImageTower.dir() + "</str></lst>")
            .replace("</config>", "<searchComponent name=\"recorder\" class=\"" + ShardParamsRecorder.class.getName() + "\"/>\n</config>"));
    Files.write(zip, CirConfigset.zip(files));
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
    System.clearProperty("cir.maxBatch");
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
    // every kind of reference in every mode it serves, under every filtering: 50 queries a round
    int returned = eq.checkAll(r, ids, 1);
    assertTrue(returned > 50);
    assertEquals(
        "one model per bundle for the whole JVM: 2 nodes, 4 cores", otherImageTowerUsed ? 2 : 1, CirModelRegistry.shared().loadedCount());
  }

  @Test
  public void aRefImageIsEncodedOnTheCoordinatorAndShardsGetOnlyTheVector() throws Exception {
    Random r = new Random(random().nextLong());
    String base = cluster.getJettySolrRunner(random().nextInt(2)).getBaseUrl() + "/" + COLLECTION + "/select";
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    for (int i = 0; i < 4; i++) {
      String id = ids.get(r.nextInt(ids.size()));
      byte[] png = pngs.get(id);
      String b64 = (i % 2 == 0 ? Base64.getEncoder() : Base64.getUrlEncoder().withoutPadding()).encodeToString(png);
      String text = i == 3 ? "" : SyntheticImages.text(r);
      ModifiableSolrParams byVector = params("q", "{!cir topK=15 refVector=$rv}" + text, "rv", FusedVector.format(raw.get(id)), "fl", "id,score", "rows", "15");
      String expected = KnnEquivalence.scored(cluster.getSolrClient().query(COLLECTION, byVector));
      ShardParamsRecorder.take();

      // the base64 by reference, inline in q, and as a request parameter of that name; then a file part
      List<String> answers = new ArrayList<>();
      for (ModifiableSolrParams p :
          List.of(
              params("q", "{!cir topK=15 refImage=$img}" + text, "img", b64),
              params("q", "{!cir topK=15 refImage=" + b64 + "}" + text),
              params("q", "{!cir topK=15}" + text, "refImage", b64))) {
        p.set("fl", "id,score");
        p.set("rows", 15);
        answers.add(KnnEquivalence.scored(cluster.getSolrClient().query(COLLECTION, p, SolrRequest.METHOD.POST)));
      }
      HttpResponse<String> part =
          http.send(
              multipart(base, Map.of("q", "{!cir topK=15}" + text, "fl", "id,score", "rows", "15", "wt", "json"), png, "photo.png"),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(part.body(), 200, part.statusCode());
      answers.add(jsonScored(part.body()));
      for (String a : answers.subList(0, 3)) {
        assertEquals(text, expected, a);
      }
      assertEquals("the file part finds the same documents", idsOf(expected), idsOf(answers.get(3)));

      List<ModifiableSolrParams> received = ShardParamsRecorder.take();
      assertTrue("shard requests were made: " + received.size(), received.size() >= 8);
      String digest = sha256(png);
      for (ModifiableSolrParams p : received) {
        StringBuilder all = new StringBuilder();
        p.getParameterNamesIterator().forEachRemaining(n -> all.append(n).append('=').append(String.join("&", p.getParams(n))).append('\n'));
        assertFalse("a shard received the image bytes:\n" + abbreviate(all), all.indexOf(b64) >= 0 || all.indexOf(b64.substring(0, 64)) >= 0);
        assertTrue("a shard request without the vector:\n" + abbreviate(all), p.get(FusedVector.VECTOR_PARAM) != null);
        assertTrue("shard requests are small: " + all.length(), all.length() < 8_000);
        String q = p.get("q");
        if (q.contains("refImage=") && !q.contains("refImage=$img")) {
          assertTrue(q, q.contains("refImage=sha256-" + digest)); // the inline image, replaced by its digest
        }
      }
    }
  }

  static HttpRequest multipart(String url, Map<String, String> fields, byte[] file, String fileName) {
    String boundary = "cirtest" + Long.toHexString(random().nextLong());
    java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
    for (Map.Entry<String, String> f : fields.entrySet()) {
      body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + f.getKey() + "\"\r\n\r\n" + f.getValue() + "\r\n")
          .getBytes(StandardCharsets.UTF_8));
    }
    body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"refImage\"; filename=\"" + fileName
        + "\"\r\nContent-Type: image/png\r\n\r\n").getBytes(StandardCharsets.UTF_8));
    body.writeBytes(file);
    body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    return HttpRequest.newBuilder(URI.create(url))
        .header("Content-Type", "multipart/form-data; boundary=" + boundary)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()))
        .build();
  }

  static HttpRequest form(String url, Map<String, String> fields) {
    StringBuilder b = new StringBuilder();
    for (Map.Entry<String, String> f : fields.entrySet()) {
      b.append(b.length() == 0 ? "" : "&").append(URLEncoder.encode(f.getKey(), StandardCharsets.UTF_8)).append('=')
          .append(URLEncoder.encode(f.getValue(), StandardCharsets.UTF_8));
    }
    return HttpRequest.newBuilder(URI.create(url))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(b.toString()))
        .build();
  }

  /** "id=score id=score ..." of a JSON response, as {@link KnnEquivalence#scored} writes it. */
  static String jsonScored(String json) {
    StringBuilder s = new StringBuilder();
    com.google.gson.JsonArray docs =
        com.google.gson.JsonParser.parseString(json).getAsJsonObject().getAsJsonObject("response").getAsJsonArray("docs");
    for (com.google.gson.JsonElement d : docs) {
      s.append(d.getAsJsonObject().get("id").getAsString()).append('=').append(d.getAsJsonObject().get("score").getAsFloat()).append(' ');
    }
    return s.toString();
  }

  static List<String> idsOf(String scored) {
    List<String> out = new ArrayList<>();
    for (String pair : scored.trim().split(" ")) {
      out.add(pair.substring(0, pair.indexOf('=')));
    }
    return out;
  }

  static String sha256(byte[] b) throws Exception {
    return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(b));
  }

  static String abbreviate(CharSequence s) {
    return s.length() < 2000 ? s.toString() : s.subSequence(0, 2000) + "...";
  }

  @Test
  public void imagesUpToMaxImageBytesGetThroughAndLargerOnesAreRefused() throws Exception {
    String base = cluster.getJettySolrRunner(0).getBaseUrl() + "/" + COLLECTION + "/select";
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    Random r = new Random(random().nextLong());
    // a 9.5 MB photo: 12.7 MB of base64, over Solr's 2 MB default for a form post
    byte[] photo = SyntheticImages.noisePng(r, 1780, 1780);
    assertTrue(photo.length + " bytes", photo.length > 9_000_000 && photo.length < 10 << 20);
    float[] features = encoder.encodeImage(photo, "photo");
    String expected = KnnEquivalence.scored(cluster.getSolrClient().query(COLLECTION, params("q", "{!cir topK=5 refVector=$rv}w3", "rv", FusedVector.format(features), "fl", "id,score")));
    HttpResponse<String> ok =
        http.send(form(base, Map.of("q", "{!cir topK=5 refImage=$img}w3", "img", Base64.getEncoder().encodeToString(photo), "fl", "id,score", "wt", "json")), HttpResponse.BodyHandlers.ofString());
    assertEquals(abbreviate(ok.body()), 200, ok.statusCode());
    assertEquals(expected, jsonScored(ok.body()));
    HttpResponse<String> okPart = http.send(multipart(base, Map.of("q", "{!cir topK=5}w3", "fl", "id,score", "wt", "json"), photo, "photo.png"), HttpResponse.BodyHandlers.ofString());
    assertEquals(abbreviate(okPart.body()), 200, okPart.statusCode());
    assertEquals(idsOf(expected), idsOf(jsonScored(okPart.body())));

    // over maxImageBytes (10 MB): refused by {!cir} before decoding
    byte[] tooLarge = java.util.Arrays.copyOf(photo, (10 << 20) + 1);
    for (HttpRequest req :
        List.of(
            form(base, Map.of("q", "{!cir refImage=$img}w3", "img", Base64.getEncoder().encodeToString(tooLarge), "wt", "json")),
            multipart(base, Map.of("q", "{!cir}w3", "wt", "json"), tooLarge, "big.png"))) {
      HttpResponse<String> rsp = http.send(req, HttpResponse.BodyHandlers.ofString());
      assertEquals(abbreviate(rsp.body()), 400, rsp.statusCode());
      assertTrue(abbreviate(rsp.body()), rsp.body().contains("more than maxImageBytes (10485760)"));
    }
    // a form over Solr's own limit on its body (the configset's 20 MB) is refused by Solr; a file
    // part of that size gets to {!cir}, which refuses it: no 5xx either way
    byte[] huge = new byte[21 << 20];
    HttpResponse<String> form = http.send(form(base, Map.of("q", "{!cir refImage=$img}w3", "img", Base64.getEncoder().encodeToString(huge), "wt", "json")), HttpResponse.BodyHandlers.ofString());
    assertTrue(form.statusCode() + " " + abbreviate(form.body()), form.statusCode() == 400 || form.statusCode() == 413);
    assertTrue(abbreviate(form.body()), form.body().contains("exceeds upload limit of 20480 KB"));
    HttpResponse<String> part = http.send(multipart(base, Map.of("q", "{!cir}w3", "wt", "json"), huge, "huge.png"), HttpResponse.BodyHandlers.ofString());
    assertEquals(abbreviate(part.body()), 400, part.statusCode());
    assertTrue(abbreviate(part.body()), part.body().contains("more than maxImageBytes (10485760)"));
    assertEquals(200, http.send(HttpRequest.newBuilder(URI.create(base + "?q=" + URLEncoder.encode("{!cir}w3", StandardCharsets.UTF_8))).build(), HttpResponse.BodyHandlers.ofString()).statusCode());
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
        // the shard that holds it also says which image tower encoded it: another one is refused
        otherImageTowerUsed = true;
        SolrException e =
            expectThrows(SolrException.class, () -> c.query(coordinator.getCoreName(), params("q", "{!cir bundle=otherimage ref=" + ref + "}w5")));
        assertEquals(400, e.code());
        assertTrue(e.getMessage(), e.getMessage().contains("was encoded by image tower " + imageTower));
        assertTrue(e.getMessage(), e.getMessage().contains("has image tower " + otherImageTower.imageTowerFingerprint()));
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
      {"{!cir refImage=$img}w3", "refImage is not base64", "img", "not base64!"},
      {"{!cir refImage=$img}w3", "not a supported image", "img", Base64.getEncoder().encodeToString("some text".getBytes(StandardCharsets.UTF_8))},
      {"{!cir refImage=$img}w3", "refImage is empty", "img", ""},
      {"{!cir refImage=$img}w3", "truncated PNG", "img", Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(pngs.get("img1"), pngs.get("img1").length / 2))},
      {"{!cir refImage=$img}w3", "40000x40000", "img", Base64.getEncoder().encodeToString(SyntheticImages.pngHeaderClaiming(40000, 40000))},
      {"{!cir refImage=$img}w3", "animated GIF of more than 256 frames", "img", Base64.getEncoder().encodeToString(SyntheticImages.animatedGif(new Random(1), 24, 1000))},
      {"{!cir ref=img1 refImage=$img}w3", "gives ref and refImage", "img", Base64.getEncoder().encodeToString(pngs.get("img1"))},
      {"{!cir refImage=$img combine=text}", "combine=text needs a text", "img", Base64.getEncoder().encodeToString(pngs.get("img1"))},
      {"{!cir combine=sum}w3", "combine=sum needs a reference image"},
    };
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    String select = cluster.getJettySolrRunner(0).getBaseUrl() + "/" + COLLECTION + "/select";
    for (String[] c : cases) {
      HttpResponse<String> rsp =
          c.length > 2
              ? http.send(form(select, Map.of("q", c[0], c[2], c[3], "wt", "json")), HttpResponse.BodyHandlers.ofString())
              : http.send(HttpRequest.newBuilder(URI.create(base + URLEncoder.encode(c[0], StandardCharsets.UTF_8))).build(), HttpResponse.BodyHandlers.ofString());
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
