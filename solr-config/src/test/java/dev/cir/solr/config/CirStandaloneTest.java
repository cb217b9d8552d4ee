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
import org.apache.solr.client.solrj.SolrRequest;
import org.apache.solr.client.solrj.embedded.EmbeddedSolrServer;
import org.apache.solr.client.solrj.request.ContentStreamUpdateRequest;
import org.apache.solr.client.solrj.response.QueryResponse;
import org.apache.solr.client.solrj.response.UpdateResponse;
import org.apache.solr.common.SolrDocument;
import org.apache.solr.common.SolrDocumentList;
import org.apache.solr.common.SolrException;
import org.apache.solr.common.SolrInputDocument;
import org.apache.solr.common.params.ModifiableSolrParams;
import org.apache.solr.common.util.ContentStreamBase;
import dev.cir.solr.search.FusedVector;
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
  static final Map<String, byte[]> pngs = new HashMap<>();
  static final long MAX_IMAGE_BYTES = 300_000;
  static final List<String> ids = new ArrayList<>();

  private static ModelBundle otherImageTower;
  private static String defaultImageTower;

  @BeforeClass
  public static void beforeClass() throws Exception {
    Path bundleDir = createTempDir("bundle");
    ModelBundle bundle = TestBundles.smallWithInversion(bundleDir, KnnEquivalence.BUNDLE_TEMPLATE);
    images = createTempDir("images");
    Path home = createTempDir("home");
    Path conf = CirConfigset.render(home.resolve("collection1"), CirConfigset.Settings.defaults().withDimension(32));
    // a second bundle, of another dimension (48), for the mismatch check; a third without φ
    ModelBundle rn = TestBundles.small("small-rn", createTempDir("rn"), false);
    ModelBundle plain = TestBundles.small("small-vit", createTempDir("plain"), true);
    // the default's image tower with one weight changed: its vectors and the index's do not compare
    otherImageTower = TestBundles.withOneWeightChanged(plain, "visual.proj", createTempDir("other-image"));
    defaultImageTower = bundle.imageTowerFingerprint();
    String solrconfig = Files.readString(conf.resolve("solrconfig.xml"));
    Files.writeString(
        conf.resolve("solrconfig.xml"),
        solrconfig.replace(
            "<lst name=\"bundles\">",
            "<lst name=\"bundles\">\n<lst name=\"rn48\"><str name=\"path\">" + rn.dir() + "</str></lst>\n<lst name=\"plain\"><str name=\"path\">"
                + plain.dir() + "</str></lst>\n<lst name=\"otherimage\"><str name=\"path\">" + otherImageTower.dir() + "</str></lst>"));
    System.setProperty("cir.bundle.default", bundle.dir().toString());
    System.setProperty("cir.image.dir", images.toString());
    System.setProperty("cir.maxTopK", "100");
    System.setProperty("cir.predictors", "1");
    System.setProperty("cir.maxImageBytes", Long.toString(MAX_IMAGE_BYTES));
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
    pngs.clear();
    ids.clear();
    for (String p : new String[] {"cir.bundle.default", "cir.image.dir", "cir.maxTopK", "cir.predictors", "cir.maxImageBytes"}) {
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
      pngs.put(id, png);
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
    KnnEquivalence eq = new KnnEquivalence(client, "collection1", encoder, raw, pngs);
    // every kind of reference in every mode it serves, under every filtering: 50 queries a round
    int returned = eq.checkAll(r, ids, atLeast(1));
    assertTrue("the queries found documents", returned > 50);
  }

  @Test
  public void refImageAsAFilePartEqualsRefVector() throws Exception {
    indexOnce();
    Random r = new Random(random().nextLong());
    for (int i = 0; i < 6; i++) {
      String id = ids.get(r.nextInt(ids.size()));
      String text = i % 3 == 2 ? "" : SyntheticImages.text(r);
      ModifiableSolrParams p = params("q", "{!cir topK=20}" + text, "fl", "id,score", "rows", "20");
      QueryResponse byPart = new QueryResponse(client.request(filePart(p, pngs.get(id), "photo.png"), "collection1"), client);
      QueryResponse byVector =
          client.query("collection1", params("q", "{!cir topK=20 refVector=$rv}" + text, "rv", FusedVector.format(raw.get(id)), "fl", "id,score", "rows", "20"));
      assertEquals(text, KnnEquivalence.scored(byVector), KnnEquivalence.scored(byPart));
      assertEquals(20, byPart.getResults().size());
    }
  }

  /** A /select request whose content stream is a file part named refImage, as Solr's multipart parser makes it. */
  static ContentStreamUpdateRequest filePart(ModifiableSolrParams p, byte[] image, String fileName) {
    ContentStreamUpdateRequest req = new ContentStreamUpdateRequest("/select");
    ContentStreamBase.ByteArrayStream part = new ContentStreamBase.ByteArrayStream(image, fileName, "image/png");
    part.setName("refImage");
    req.addContentStream(part);
    req.setParams(p);
    return req;
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
    assertEquals("ref", cir2.get("source"));
    assertNull("no image was encoded", cir2.get("imageCached"));
    QueryResponse byVector =
        client.query("collection1", params("q", "{!cir refVector=$rv topK=5}w10", "rv", FusedVector.format(raw.get("img4")), "debug", "true"));
    assertEquals("refVector", ((Map<?, ?>) byVector.getDebugMap().get("cir")).get("reference"));
    assertEquals(5, byVector.getResults().size());

    // an uploaded image no query sent before: encoded once, then served from the image cache
    byte[] fresh = SyntheticImages.png(new Random(random().nextLong()), 44);
    String img = java.util.Base64.getEncoder().encodeToString(fresh);
    for (int i = 0; i < 2; i++) {
      QueryResponse up = client.query("collection1", params("q", "{!cir refImage=$img topK=5}w12", "img", img, "debug", "true"), SolrRequest.METHOD.POST);
      Map<?, ?> d = (Map<?, ?>) up.getDebugMap().get("cir");
      assertEquals("refImage", d.get("source"));
      assertEquals("combiner", d.get("combine"));
      assertTrue(d.toString(), ((String) d.get("reference")).startsWith("refImage (" + fresh.length + " bytes, sha256 "));
      assertEquals(d.toString(), i == 1, d.get("imageCached"));
      double imageMs = ((Number) ((Map<?, ?>) d.get("timing")).get("imageEncodeMs")).doubleValue();
      assertTrue(d.toString(), i == 0 ? imageMs > 0 : imageMs >= 0);
    }
    // standalone, the vector stays inside the request: it is not added to the parameters
    QueryResponse echoed = client.query("collection1", params("q", "{!cir ref=img3 topK=5}w10", "echoParams", "all"));
    String echo = echoed.getHeader().get("params").toString();
    assertTrue(echo, echo.contains("{!cir ref=img3 topK=5}w10") && !echo.contains("cir.fused"));
    // a text alone, and a reference alone
    Map<?, ?> text = (Map<?, ?>) client.query("collection1", params("q", "{!cir topK=5}w12 w13", "debug", "true")).getDebugMap().get("cir");
    assertEquals("text", text.get("combine"));
    assertEquals("none", text.get("source"));
    assertNull(text.get("imageCached"));
    Map<?, ?> image = (Map<?, ?>) client.query("collection1", params("q", "{!cir ref=img3 topK=5}", "debug", "true")).getDebugMap().get("cir");
    assertEquals("image", image.get("combine"));
    assertNull("no text was encoded", image.get("textCached"));
    // zero-shot: the prompt is shown, the second identical query comes from the zero-shot cache
    for (int i = 0; i < 2; i++) {
      Map<?, ?> z =
          (Map<?, ?>) client.query("collection1", params("q", "{!cir ref=img5 topK=5 combine=inversion}w14 w15", "debug", "true")).getDebugMap().get("cir");
      assertEquals("inversion", z.get("combine"));
      assertEquals(KnnEquivalence.BUNDLE_TEMPLATE, z.get("template"));
      assertNull(z.get("lambda"));
      assertEquals(z.toString(), i == 1, z.get("textCached"));
    }
    Map<?, ?> own =
        (Map<?, ?>) client.query("collection1", params("q", "{!cir ref=img5 topK=5 template=$t}w14 w15", "t", "w20 $ {text}", "debug", "true"))
            .getDebugMap().get("cir");
    assertEquals("w20 $ {text}", own.get("template"));
    assertEquals("inversion", own.get("combine"));
    assertEquals("a new prompt is a new query", Boolean.FALSE, own.get("textCached"));
    Map<?, ?> quoted =
        (Map<?, ?>) client.query("collection1", params("q", "{!cir ref=img5 topK=5 template=\"w20 $ {text}\"}w14 w15", "debug", "true"))
            .getDebugMap().get("cir");
    assertEquals("w20 $ {text}", quoted.get("template"));
    assertEquals("the same prompt in double quotes is the same query", Boolean.TRUE, quoted.get("textCached"));
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
      {"{!cir ref=img1 combine=combiner}", "the text is empty"},
      {"{!cir combine=combiner}w3", "combine=combiner needs a reference image"},
      {"{!cir combine=image}w3", "combine=image needs a reference image"},
      {"{!cir ref=img1 combine=text}", "combine=text needs a text"},
      {"{!cir}", "needs a reference image, a text, or both"},
      {"{!cir ref=img1 refVector=[1,2]}w3", "gives ref and refVector"},
      {"{!cir ref=img1}{!lucene}*:*", "local params"},
      {"{!cir ref=img1 v=$u}", "local params"},
      {"{!cir ref=img1 template='w5 $ w7'}w3", "has no {text}"},
      {"{!cir ref=img1 template='w5 w7 {text}'}w3", "exactly once"},
      {"{!cir ref=img1 combine=sum template='$ {text}'}w3", "drop template or use combine=inversion"},
      {"{!cir ref=img1 combine=inversion}", "the text is empty"},
      {"{!cir combine=inversion}w3", "combine=inversion needs a reference image"},
      {"{!cir bundle=plain ref=img1 combine=inversion}w3", "bundle 'plain' has no inversion network"},
      {"{!cir bundle=plain ref=img1 template='$ {text}'}w3", "train one with 'cir train inversion'"},
    };
    for (String[] c : cases) {
      SolrException e = expectThrows(SolrException.class, () -> client.query("collection1", params("q", c[0], "u", "{!join from=a to=b}*:*")));
      assertEquals(c[0] + ": " + e.getMessage(), 400, e.code());
      assertTrue(c[0] + ": " + e.getMessage(), e.getMessage().contains(c[1]));
    }
    // a reference alone is "more like this"
    assertEquals(3, client.query("collection1", params("q", "{!cir ref=img1 topK=3}")).getResults().size());
    // a text far longer than the context is truncated, not refused
    assertEquals(3, client.query("collection1", params("q", "{!cir ref=img1 topK=3}" + "w9 ".repeat(500))).getResults().size());
    // the empty text is fine for the sum of the two
    assertEquals(3, client.query("collection1", params("q", "{!cir ref=img1 topK=3 combine=sum}")).getResults().size());
  }

  @Test
  public void aBadRefImageIsA400SayingWhatToFixAndSolrStaysUp() throws Exception {
    indexOnce();
    Random r = new Random(random().nextLong());
    java.util.Base64.Encoder b64 = java.util.Base64.getEncoder();
    byte[] png = pngs.get("img5");
    byte[] big = SyntheticImages.noisePng(r, 330, 330);
    assertTrue("the noise image is over the test's maxImageBytes: " + big.length, big.length > MAX_IMAGE_BYTES);
    Object[][] cases = {
      {"not base64 at all!", "refImage is not base64"},
      {b64.encodeToString("hello, this is text".getBytes(java.nio.charset.StandardCharsets.UTF_8)), "not a supported image"},
      {"", "refImage is empty"},
      {b64.encodeToString(java.util.Arrays.copyOf(png, png.length / 2)), "truncated PNG"},
      {b64.encodeToString(SyntheticImages.pngHeaderClaiming(40000, 40000)), "40000x40000 = 1600000000 pixels exceeds the limit"},
      {b64.encodeToString(big), "more than maxImageBytes (" + MAX_IMAGE_BYTES + ")"},
      {b64.encodeToString(SyntheticImages.animatedGif(r, 24, 1000)), "animated GIF of more than 256 frames"},
    };
    for (Object[] c : cases) {
      SolrException e =
          expectThrows(
              SolrException.class,
              () -> client.query("collection1", params("q", "{!cir refImage=$img}w3", "img", (String) c[0]), SolrRequest.METHOD.POST));
      assertEquals(c[1] + ": " + e.getMessage(), 400, e.code());
      assertTrue(c[1] + ": " + e.getMessage(), e.getMessage().contains((String) c[1]));
    }
    // two references at once, one of them a file part
    SolrException two =
        expectThrows(SolrException.class, () -> client.request(filePart(params("q", "{!cir ref=img1}w3"), png, "p.png"), "collection1"));
    assertEquals(400, two.code());
    assertTrue(two.getMessage(), two.getMessage().contains("gives ref and refImage (file part 'refImage' (p.png))"));
    SolrException mode =
        expectThrows(
            SolrException.class,
            () -> client.query("collection1", params("q", "{!cir refImage=$img combine=text}", "img", b64.encodeToString(png)), SolrRequest.METHOD.POST));
    assertTrue(mode.getMessage(), mode.getMessage().contains("combine=text needs a text"));
    // the core still answers, and a GIF of a few frames is fine (its first frame is the image)
    assertEquals(
        3,
        client.query("collection1", params("q", "{!cir refImage=$img topK=3}w3", "img", b64.encodeToString(SyntheticImages.animatedGif(r, 24, 3))), SolrRequest.METHOD.POST)
            .getResults().size());
  }

  /** The plugin's {@code encoding} gauge in the core's metrics registry. */
  static Map<String, Object> encodingMetrics() {
    var registry = h.getCore().getCoreMetricManager().getRegistry();
    for (var e : registry.getMetrics().entrySet()) {
      if (e.getKey().startsWith("QUERYPARSER.") && e.getKey().endsWith(".encoding") && e.getKey().contains("Cir")) {
        @SuppressWarnings("unchecked")
        Map<String, Object> v = (Map<String, Object>) ((com.codahale.metrics.Gauge<?>) e.getValue()).getValue();
        return v;
      }
    }
    throw new AssertionError("no cir encoding gauge among " + registry.getNames());
  }

  static long metric(Map<String, Object> m, String name) {
    Object v = m.get(name);
    assertNotNull(name + " in " + m, v);
    return ((Number) v).longValue();
  }

  @Test
  public void theMetricsRegistryCountsPassesRowsAndCacheHits() throws Exception {
    indexOnce();
    client.query("collection1", params("q", "{!cir ref=img2}w40")); // the bundle is loaded
    Map<String, Object> before = encodingMetrics();
    int n = 5;
    String run = " m" + Integer.toUnsignedString(random().nextInt()); // new texts however often the test runs
    for (int i = 0; i < n; i++) {
      client.query("collection1", params("q", "{!cir ref=img2}w41 w" + (100 + i) + run));
    }
    client.query("collection1", params("q", "{!cir ref=img2}w41 w100" + run)); // a repeat: from the cache
    Map<String, Object> after = encodingMetrics();
    assertEquals(n, metric(after, "default.text.requests") - metric(before, "default.text.requests"));
    assertEquals("one query at a time: a pass each", n, metric(after, "default.text.passes") - metric(before, "default.text.passes"));
    assertEquals(n + 1, metric(after, "default.combiner.requests") - metric(before, "default.combiner.requests"));
    assertEquals(n, metric(after, "default.textCache.misses") - metric(before, "default.textCache.misses"));
    assertEquals(1, metric(after, "default.textCache.hits") - metric(before, "default.textCache.hits"));
    assertEquals(0, metric(after, "default.text.queued"));
    assertEquals(16, metric(after, "default.text.maxBatch"));
    assertTrue(after.toString(), ((Number) after.get("default.text.meanForwardMs")).doubleValue() > 0);
    assertTrue(after.toString(), ((String) after.get("default.text.batchSizes")).startsWith("1:"));
    assertEquals(after.toString(), "fused", after.get("default.passes"));
  }

  /** The count of the plugin's counter or timer {@code <bundle>.<name>}, 0 before it exists. */
  static long count(String name) {
    var registry = h.getCore().getCoreMetricManager().getRegistry();
    for (var e : registry.getMetrics().entrySet()) {
      if (e.getKey().startsWith("QUERYPARSER.") && e.getKey().contains("Cir") && e.getKey().endsWith("." + name)) {
        return ((com.codahale.metrics.Counting) e.getValue()).getCount();
      }
    }
    return 0;
  }

  @Test
  public void queriesFailuresAndEncodingTimesAreCountedPerBundle() throws Exception {
    indexOnce();
    client.query("collection1", params("q", "{!cir ref=img2}w40")); // the bundle is loaded
    String[] names = {
      "default.queries", "default.encode", "default.textEncode", "default.imageEncode", "default.lookup", "default.combine",
      "undefined.failures.unknownBundle", "default.failures.badRequest", "default.failures.invalidImage",
      "otherimage.failures.imageTowerMismatch", "rn48.failures.dimension", "plain.failures.mode"
    };
    Map<String, Long> before = new HashMap<>();
    for (String n : names) {
      before.put(n, count(n));
    }
    Map<String, Object> gaugeBefore = encodingMetrics();
    String run = " m" + Integer.toUnsignedString(random().nextInt());
    int n = 4;
    for (int i = 0; i < n; i++) {
      client.query("collection1", params("q", "{!cir ref=img2}w42 w" + (200 + i) + run));
    }
    // the same uploaded image twice, with new texts: one image encoding, then a hit of the image cache
    String img = java.util.Base64.getEncoder().encodeToString(SyntheticImages.png(new Random(random().nextLong()), 36));
    for (int i = 0; i < 2; i++) {
      client.query("collection1", params("q", "{!cir refImage=$img}w43 w" + (300 + i) + run, "img", img), SolrRequest.METHOD.POST);
    }
    String[][] refused = {
      {"{!cir bundle=nope" + random().nextInt(1000) + " ref=img1}w3", "undefined.failures.unknownBundle"},
      {"{!cir ref=nosuchdocument}w3", "default.failures.badRequest"},
      {"{!cir refImage=$bad}w3", "default.failures.invalidImage"},
      {"{!cir bundle=otherimage ref=img1}w3", "otherimage.failures.imageTowerMismatch"},
      {"{!cir bundle=rn48 ref=img1 combine=sum}w3", "rn48.failures.dimension"},
      {"{!cir bundle=plain ref=img1 combine=inversion}w3", "plain.failures.mode"},
    };
    String bad = java.util.Base64.getEncoder().encodeToString("not an image at all".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    for (String[] q : refused) {
      SolrException e = expectThrows(SolrException.class, () -> client.query("collection1", params("q", q[0], "bad", bad), SolrRequest.METHOD.POST));
      assertEquals(q[0] + ": " + e.getMessage(), 400, e.code());
    }
    Map<String, Long> delta = new HashMap<>();
    for (String name : names) {
      delta.put(name, count(name) - before.get(name));
    }
    assertEquals(delta.toString(), n + 2, (long) delta.get("default.queries"));
    assertEquals(delta.toString(), n + 2, (long) delta.get("default.encode"));
    assertEquals("every text new: the text tower ran for each " + delta, n + 2, (long) delta.get("default.textEncode"));
    assertEquals("the image tower ran once, the repeat came from the cache " + delta, 1, (long) delta.get("default.imageEncode"));
    assertEquals(delta.toString(), n, (long) delta.get("default.lookup"));
    assertEquals(delta.toString(), n + 2, (long) delta.get("default.combine"));
    for (String[] q : refused) {
      assertEquals(q[0] + " " + delta, 1, (long) delta.get(q[1]));
    }
    Map<String, Object> gauge = encodingMetrics();
    assertEquals(1, metric(gauge, "default.imageCache.hits") - metric(gaugeBefore, "default.imageCache.hits"));
    // the uploaded image's first query and the image that does not decode missed the cache
    assertEquals(2, metric(gauge, "default.imageCache.misses") - metric(gaugeBefore, "default.imageCache.misses"));
    long weights;
    try (CirEncoder fresh = CirEncoder.open(ModelBundle.open(Path.of(System.getProperty("cir.bundle.default"))), EncoderOptions.defaults().withPredictors(1))) {
      weights = fresh.weightBytes();
    }
    assertEquals("the default bundle's weights, as an encoder of its own counts them", weights, metric(gauge, "default.weightBytes"));
    assertTrue(gauge.toString(), metric(gauge, "loadedBundles") >= 1 && metric(gauge, "node.weightBytes") >= weights);
    assertEquals(defaultImageTower, gauge.get("default.imageTower"));
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
  public void everyVectorRecordsItsImageTowerAndAnotherTowerIsRefusedNamingBoth() throws Exception {
    indexOnce();
    // the update processor wrote the default bundle's image tower beside every vector
    SolrDocumentList stored = client.query("collection1", params("q", "id:img1 OR id:img2", "fl", "id,clip_model_s")).getResults();
    assertEquals(2, stored.size());
    for (SolrDocument d : stored) {
      assertEquals(d.toString(), defaultImageTower, d.getFieldValue("clip_model_s"));
    }
    assertNull("a document without a vector records no tower",
        client.query("collection1", params("q", "id:noimage", "fl", "clip_model_s")).getResults().get(0).getFieldValue("clip_model_s"));
    // another bundle with the same image tower (another Combiner / φ) is compatible: the "retrain stage 2" upgrade
    assertEquals(defaultImageTower, ModelBundle.open(Path.of(System.getProperty("cir.bundle.default"))).imageTowerFingerprint());
    assertTrue(client.query("collection1", params("q", "{!cir bundle=plain ref=img1}w3")).getResults().size() > 0);
    // another image tower: 400 naming both and what to do
    SolrException e = expectThrows(SolrException.class, () -> client.query("collection1", params("q", "{!cir bundle=otherimage ref=img1}w3")));
    assertEquals(400, e.code());
    String m = e.getMessage();
    assertTrue(m, m.contains("reference document 'img1' was encoded by image tower " + defaultImageTower));
    assertTrue(m, m.contains("bundle 'otherimage' has image tower " + otherImageTower.imageTowerFingerprint()));
    assertTrue(m, m.contains("Re-index the collection with bundle 'otherimage'") && m.contains("query with the bundle that indexed it"));
    assertFalse(defaultImageTower.equals(otherImageTower.imageTowerFingerprint()));
    // a text-only query or given features name no reference document: nothing to compare
    assertTrue(client.query("collection1", params("q", "{!cir bundle=otherimage}w3")).getResults().size() > 0);
    String v = FusedVector.format(raw.get("img1"));
    assertTrue(client.query("collection1", params("q", "{!cir bundle=otherimage refVector=$rv}w3", "rv", v)).getResults().size() > 0);
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
