package dev.cir.solr.install;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.cir.clip.bundle.ModelBundle;
import dev.cir.clip.encoder.CirEncoder;
import dev.cir.clip.encoder.CombineMode;
import dev.cir.clip.encoder.EncoderOptions;
import dev.cir.clip.testing.TestBundles;
import dev.cir.solr.search.FusedVector;
import dev.cir.solr.testing.SyntheticImages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The module archive ({@code solr-module}'s {@code cir-solr-VERSION.tgz}) installed as the admin guide
 * says, {@code tar xzf ... -C $SOLR_TIP} and {@code SOLR_MODULES=cir}, into a Solr that runs in a JVM
 * of its own with Solr's jars only: its jar list against Solr's own, then a core from the configset,
 * documents encoded by the update processor, {@code {!cir}} against {@code {!knn}} with the vector made
 * here, two reloads and a second core on the same bundle (one native load, one model load), a clean stop.
 */
class SolrModuleInstallTest {
  private static final Pattern VERSIONED_JAR = Pattern.compile("^(.+?)-\\d[^/]*\\.jar$");
  private static final int DOCS = 24;

  @TempDir static Path work;
  static Path tip;
  static List<Path> solrJars;

  @BeforeAll
  static void unpack() throws Exception {
    Path archive = Path.of(System.getProperty("cir.module.archive"));
    assertTrue(Files.isRegularFile(archive), "the module archive is built by solr-module before this test: " + archive);
    solrJars =
        Stream.of(Files.readString(Path.of(System.getProperty("cir.solr.classpath"))).strip().split(java.io.File.pathSeparator))
            .map(Path::of)
            .toList();
    tip = Files.createDirectories(work.resolve("solr-9.10.1"));
    // exactly the admin guide's install line
    Process tar = new ProcessBuilder("tar", "xzf", archive.toString(), "-C", tip.toString()).inheritIO().start();
    assertEquals(0, tar.waitFor(), "tar xzf " + archive);
    // what a Solr distribution has there: its solr.xml (the module adds only its own directories)
    Files.writeString(
        tip.resolve("server/solr/solr.xml"),
        """
        <?xml version="1.0" encoding="UTF-8" ?>
        <solr>
          <int name="maxBooleanClauses">${solr.max.booleanClauses:1024}</int>
          <str name="sharedLib">${solr.sharedLib:}</str>
          <str name="modules">${solr.modules:}</str>
          <solrcloud>
            <str name="host">${host:127.0.0.1}</str>
            <int name="hostPort">${solr.port.advertise:0}</int>
            <str name="hostContext">${hostContext:solr}</str>
            <bool name="genericCoreNodeNames">${genericCoreNodeNames:true}</bool>
            <int name="zkClientTimeout">${zkClientTimeout:30000}</int>
            <int name="distribUpdateSoTimeout">${distribUpdateSoTimeout:600000}</int>
            <int name="distribUpdateConnTimeout">${distribUpdateConnTimeout:60000}</int>
          </solrcloud>
        </solr>
        """);
  }

  /** The artifact id of a jar named {@code artifact-version[-classifier].jar}. */
  static String artifactOf(String jarName) {
    Matcher m = VERSIONED_JAR.matcher(jarName);
    if (!m.matches()) {
      throw new AssertionError("not a versioned jar name: " + jarName);
    }
    return m.group(1);
  }

  @Test
  void moduleHoldsThePluginAndNothingSolrShips() throws IOException {
    Path lib = tip.resolve("modules/cir/lib");
    Map<String, Long> jars = new TreeMap<>();
    try (Stream<Path> s = Files.list(lib)) {
      for (Path p : s.toList()) {
        jars.put(p.getFileName().toString(), Files.size(p));
      }
    }
    Set<String> ours = jars.keySet().stream().map(SolrModuleInstallTest::artifactOf).collect(Collectors.toCollection(TreeSet::new));
    // a jar in the local repository: .../<groupId path>/<artifactId>/<version>/<file>
    Set<String> solrs = solrJars.stream().map(p -> p.getParent().getParent().getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
    Set<String> both = new TreeSet<>(ours);
    both.retainAll(solrs);
    assertEquals(Set.of(), both, "jars of the module that Solr already ships");
    for (String needed : List.of("solr-plugin", "clip-core", "api", "pytorch-engine", "pytorch-jni", "pytorch-native-cpu", "tokenizers")) {
      assertTrue(ours.contains(needed), "the module holds " + needed + ": " + jars.keySet());
    }
    for (String banned : List.of("solr-", "lucene-", "jetty-", "slf4j-", "jackson-", "guava", "guice", "log4j", "model-import", "cli-")) {
      for (String jar : jars.keySet()) {
        assertTrue(jar.startsWith("solr-plugin-") || !jar.startsWith(banned), "the module ships " + jar);
      }
    }
    assertTrue(Files.isRegularFile(tip.resolve("server/solr/configsets/cir/conf/solrconfig.xml")), "the configset is unpacked");
    assertTrue(Files.isRegularFile(tip.resolve("modules/cir/README.md")), "the module's README is unpacked");
    long total = jars.values().stream().mapToLong(Long::longValue).sum();
    System.out.printf("module jars (%d, %,d bytes): %s%n", jars.size(), total, jars);
  }

  @Test
  void installedModuleServesCoresOnOneModelCopy() throws Exception {
    Path bundleDir = work.resolve("models/fashion");
    ModelBundle bundle = TestBundles.small("small-vit", bundleDir, true);
    Path images = Files.createDirectories(work.resolve("images"));
    Random random = new Random(42);
    Map<String, byte[]> pngs = new HashMap<>();
    for (int i = 0; i < DOCS; i++) {
      byte[] png = SyntheticImages.png(random, 40);
      Files.write(images.resolve("img" + i + ".png"), png);
      pngs.put("img" + i, png);
    }
    Path home = tip.resolve("server/solr");
    try (CirEncoder encoder = CirEncoder.open(ModelBundle.open(bundle.dir()), EncoderOptions.defaults().withPredictors(1));
        SolrNodeProcess solr = SolrNodeProcess.start(solrJars, tip, home, work.resolve("node1"), Map.of("cir.image.dir", images.toString()))) {
      createCore(solr, "images", bundle.dir());
      index(solr, "images", 0, DOCS);
      Map<String, float[]> raw = new HashMap<>();
      for (Map.Entry<String, byte[]> e : pngs.entrySet()) {
        raw.put(e.getKey(), encoder.encodeImage(e.getValue(), e.getKey()));
      }
      List<String> ids = new ArrayList<>(new TreeSet<>(raw.keySet()));
      checkAgainstKnn(solr, "images", encoder, raw, ids, random);

      for (int reload = 0; reload < 2; reload++) {
        solr.get("/admin/cores", "action", "RELOAD", "core", "images").ok();
        checkAgainstKnn(solr, "images", encoder, raw, ids, random);
      }
      createCore(solr, "images2", bundle.dir());
      index(solr, "images2", 0, DOCS / 2);
      checkAgainstKnn(solr, "images2", encoder, raw, idsBelow(DOCS / 2), random);
      checkAgainstKnn(solr, "images", encoder, raw, ids, random);
      checkMetrics(solr, "images2", 3, encoder.weightBytes());

      // one model load for three core instances and a second core, one native library load
      List<String> loads = solr.logLines("loaded bundle");
      assertEquals(1, loads.size(), "model loads in the log:\n" + String.join("\n", loads));
      assertTrue(loads.get(0).contains(bundle.dir().toString()), loads.get(0));
      List<String> natives = solr.logLines("Loading native library").stream().filter(l -> l.contains("djl_torch")).toList();
      assertEquals(1, natives.size(), "loads of DJL's PyTorch library in the log:\n" + String.join("\n", natives));
      assertTrue(solr.logLines("UnsatisfiedLinkError").isEmpty(), "no native library loaded twice");
      System.out.println(loads.get(0));
      System.out.println(natives.get(0));
    }
  }

  @Test
  void installedModuleServesATwoNodeSolrCloud() throws Exception {
    ModelBundle bundle = TestBundles.small("small-vit", work.resolve("models/cloud"), true);
    Path images = Files.createDirectories(work.resolve("cloud-images"));
    Random random = new Random(7);
    Map<String, byte[]> pngs = new HashMap<>();
    for (int i = 0; i < DOCS; i++) {
      byte[] png = SyntheticImages.png(random, 40);
      Files.write(images.resolve("img" + i + ".png"), png);
      pngs.put("img" + i, png);
    }
    // two homes with the distribution's solr.xml; the first node runs the embedded ZooKeeper (zkRun) on its port + 1000
    Path home1 = Files.createDirectories(work.resolve("cloud/home1"));
    Path home2 = Files.createDirectories(work.resolve("cloud/home2"));
    for (Path h : List.of(home1, home2)) {
      Files.copy(tip.resolve("server/solr/solr.xml"), h.resolve("solr.xml"));
    }
    // the embedded ZooKeeper reads zoo.cfg from its configuration directory, as the distribution's server/solr/zoo.cfg
    Files.writeString(home1.resolve("zoo.cfg"), "tickTime=2000\ninitLimit=10\nsyncLimit=5\nadmin.enableServer=false\n");
    int[] ports = cloudPorts();
    String zk = "127.0.0.1:" + (ports[0] + 1000);
    Path models = Files.createDirectories(work.resolve("cloud-models"));
    copyDir(bundle.dir(), models.resolve("v2"));
    Map<String, String> first =
        Map.of(
            "zkRun", "", "zkServerConfDir", home1.toString(), "zkServerDataDir", home1.resolve("zoo_data").toString(),
            "host", "127.0.0.1", "solr.port.advertise", Integer.toString(ports[0]), "cir.image.dir", images.toString(),
            "cir.model.dir", models.toString());
    Map<String, String> second =
        Map.of(
            "zkHost", zk, "host", "127.0.0.1", "solr.port.advertise", Integer.toString(ports[1]), "cir.image.dir", images.toString(),
            "cir.model.dir", models.toString());
    try (CirEncoder encoder = CirEncoder.open(ModelBundle.open(bundle.dir()), EncoderOptions.defaults().withPredictors(1));
        SolrNodeProcess node1 = SolrNodeProcess.start(solrJars, tip, home1, work.resolve("cloud/node1"), first, ports[0]);
        SolrNodeProcess node2 = SolrNodeProcess.start(solrJars, tip, home2, work.resolve("cloud/node2"), second, ports[1])) {
      // the module's configset, as an administrator uploads it
      node1.postBytes("/admin/configs?action=UPLOAD&name=cir&wt=json", zip(tip.resolve("server/solr/configsets/cir/conf")), "application/octet-stream").ok();
      node1.get(
              "/admin/collections", "action", "CREATE", "name", "shop", "collection.configName", "cir", "numShards", "2",
              "replicationFactor", "1", "property.cir.vector.dimension", "32", "property.cir.bundle.default", bundle.dir().toString(),
              "waitForFinalState", "true")
          .ok();
      JsonObject shards =
          node1.get("/admin/collections", "action", "CLUSTERSTATUS", "collection", "shop").ok().body()
              .getAsJsonObject("cluster").getAsJsonObject("collections").getAsJsonObject("shop").getAsJsonObject("shards");
      Set<String> nodes = new TreeSet<>();
      for (String shard : shards.keySet()) {
        for (var replica : shards.getAsJsonObject(shard).getAsJsonObject("replicas").entrySet()) {
          nodes.add(replica.getValue().getAsJsonObject().get("node_name").getAsString());
        }
      }
      assertEquals(2, shards.size(), "two shards: " + shards);
      assertEquals(2, nodes.size(), "one shard on each node: " + nodes);

      index(node1, "shop", 0, DOCS);
      Map<String, float[]> raw = new HashMap<>();
      for (Map.Entry<String, byte[]> e : pngs.entrySet()) {
        raw.put(e.getKey(), encoder.encodeImage(e.getValue(), e.getKey()));
      }
      List<String> ids = new ArrayList<>(new TreeSet<>(raw.keySet()));
      // asked of either node, wherever the reference lives
      checkAgainstKnn(node2, "shop", encoder, raw, ids, random);
      checkAgainstKnn(node1, "shop", encoder, raw, ids, random);
      // the same documents in an int8 collection: {!cir} rescores with the raw floats and answers as on float
      node1.get(
              "/admin/collections", "action", "CREATE", "name", "shop8", "collection.configName", "cir", "numShards", "2",
              "replicationFactor", "1", "property.cir.vector.dimension", "32", "property.cir.vector.format", "int8",
              "property.cir.bundle.default", bundle.dir().toString(), "waitForFinalState", "true")
          .ok();
      index(node1, "shop8", 0, DOCS);
      for (String id : ids.subList(0, 4)) {
        String q = "{!cir topK=20 ref=" + id + "}w4 w11";
        JsonArray onFloat = node2.get("/shop/select", "q", q, "fl", "id,score", "rows", "10", "wt", "json").ok().body().getAsJsonObject("response").getAsJsonArray("docs");
        JsonArray onInt8 = node2.get("/shop8/select", "q", q, "fl", "id,score", "rows", "10", "wt", "json").ok().body().getAsJsonObject("response").getAsJsonArray("docs");
        assertEquals(onFloat.size(), onInt8.size(), q);
        for (int i = 0; i < onFloat.size(); i++) {
          assertEquals(onFloat.get(i).getAsJsonObject().get("id"), onInt8.get(i).getAsJsonObject().get("id"), q + " rank " + i + ": " + onFloat + " vs " + onInt8);
          assertEquals(onFloat.get(i).getAsJsonObject().get("score").getAsDouble(), onInt8.get(i).getAsJsonObject().get("score").getAsDouble(), 1e-5, q);
        }
      }

      // a bundle added on one node is in ZooKeeper: a query on the other node finds it
      node1.putJson("/shop/schema/cir-bundle-store", "{\"name\": \"v2\", \"path\": \"" + models.resolve("v2") + "\"}").ok();
      String ref = ids.get(3);
      for (SolrNodeProcess n : List.of(node2, node1)) {
        JsonObject r = n.get("/shop/select", "q", "{!cir bundle=v2 ref=" + ref + "}w5 w8", "rows", "3", "wt", "json").ok().body();
        assertTrue(r.getAsJsonObject("response").get("numFound").getAsLong() > 0, r.toString());
      }
      for (SolrNodeProcess n : List.of(node1, node2)) {
        assertEquals(
            2, n.logLines("loaded bundle").size(), "one model load per node and bundle:\n" + String.join("\n", n.logLines("loaded bundle")));
        assertEquals(1, n.logLines("Loading native library").stream().filter(l -> l.contains("djl_torch")).count(), "one native load per node");
        assertTrue(n.logLines("UnsatisfiedLinkError").isEmpty());
      }
    }
  }

  @Test
  void pingAnswersForTheBundles() throws Exception {
    ModelBundle source = TestBundles.small("small-vit", work.resolve("models/ping-source"), true);
    Path images = Files.createDirectories(work.resolve("ping-images"));
    Random random = new Random(3);
    for (int i = 0; i < 4; i++) {
      Files.write(images.resolve("img" + i + ".png"), SyntheticImages.png(random, 40));
    }
    Path notYet = Files.createDirectories(work.resolve("models/not-yet"));
    Path served = work.resolve("models/served");
    copyDir(source.dir(), served);
    Path home = ownHome("ping-home");
    try (SolrNodeProcess solr = SolrNodeProcess.start(solrJars, tip, home, work.resolve("ping-node"), Map.of("cir.image.dir", images.toString()))) {
      // a core whose default bundle is not there yet: unhealthy, saying why
      createCore(solr, "waiting", notYet);
      SolrNodeProcess.Response down = solr.get("/waiting/admin/ping", "wt", "json");
      assertEquals(503, down.status(), down.body().toString());
      assertTrue(down.body().toString().contains("unhealthy: the default bundle 'default' cannot be loaded"), down.body().toString());
      assertTrue(down.body().toString().contains(notYet.toString()), down.body().toString());
      // the bundle arrives: the next ping loads it, without a reload
      copyDir(source.dir(), notYet);
      JsonObject up = solr.get("/waiting/admin/ping", "wt", "json").ok().body();
      assertEquals("OK", up.get("status").getAsString(), up.toString());
      assertEquals("unchanged", up.getAsJsonObject("cir").getAsJsonObject("default").get("onDisk").getAsString(), up.toString());

      createCore(solr, "served", served);
      index(solr, "served", 0, 4);
      JsonObject ok = solr.get("/served/admin/ping", "wt", "json").ok().body();
      JsonObject state = ok.getAsJsonObject("cir").getAsJsonObject("default");
      assertEquals("loaded", state.get("status").getAsString(), ok.toString());
      assertEquals(source.imageTowerFingerprint(), state.get("imageTower").getAsString());
      assertEquals("unchanged", state.get("onDisk").getAsString());
      // a weights file rewritten under the running node: reported, and the loaded copy still serves
      Path weights = served.resolve("clip.safetensors");
      Files.setLastModifiedTime(weights, java.nio.file.attribute.FileTime.fromMillis(Files.getLastModifiedTime(weights).toMillis() + 60_000));
      JsonObject changed = solr.get("/served/admin/ping", "wt", "json").ok().body();
      String onDisk = changed.getAsJsonObject("cir").getAsJsonObject("default").get("onDisk").getAsString();
      assertTrue(onDisk.contains("changed since it loaded: clip.safetensors"), onDisk);
      assertTrue(solr.get("/served/select", "q", "{!cir ref=img1}w5 w9", "wt", "json").ok().body().getAsJsonObject("response").get("numFound").getAsLong() > 0);
      // the directory deleted: still healthy (the model is in memory), the ping and the log say what is gone
      deleteDir(served);
      JsonObject gone = solr.get("/served/admin/ping", "wt", "json").ok().body();
      onDisk = gone.getAsJsonObject("cir").getAsJsonObject("default").get("onDisk").getAsString();
      assertTrue(onDisk.contains("its directory " + served + " is gone"), onDisk);
      assertTrue(solr.get("/served/select", "q", "{!cir ref=img2}w6 w11", "wt", "json").ok().body().getAsJsonObject("response").get("numFound").getAsLong() > 0);
      assertTrue(solr.logLines("is gone").stream().anyMatch(l -> l.contains("the loaded models keep serving")), "a warning in the log");
      assertTrue(solr.logLines("Exception").stream().noneMatch(l -> l.contains("NoSuchFileException")), String.join("\n", solr.logLines("Exception")));

      // a vector format Lucene cannot write for the field is refused when the core is created, with the reason
      SolrNodeProcess.Response odd =
          solr.get(
              "/admin/cores", "action", "CREATE", "name", "odd", "configSet", "cir", "property.cir.vector.dimension", "33",
              "property.cir.vector.format", "int4", "property.cir.bundle.default", notYet.toString(), "wt", "json");
      assertTrue(odd.status() >= 400, odd.body().toString());
      assertTrue(
          odd.body().toString().contains("field 'clip_vector' has dimension 33, but int4 packs two dimensions a byte and needs an even dimension"),
          odd.body().toString());
    }
  }

  /** A Solr home of its own (the other tests' cores stay out of its node), with the module's configset. */
  private static Path ownHome(String name) throws IOException {
    Path home = Files.createDirectories(work.resolve(name));
    Files.copy(tip.resolve("server/solr/solr.xml"), home.resolve("solr.xml"));
    Path configset = tip.resolve("server/solr/configsets/cir");
    try (Stream<Path> s = Files.walk(configset)) {
      for (Path f : s.filter(Files::isRegularFile).toList()) {
        Path to = home.resolve("configsets/cir").resolve(configset.relativize(f).toString());
        Files.createDirectories(to.getParent());
        Files.copy(f, to);
      }
    }
    return home;
  }

  @Test
  void bundleStoreAddsListsAndDeletesBundlesOverRest() throws Exception {
    Path models = Files.createDirectories(work.resolve("store-models"));
    ModelBundle main = TestBundles.small("small-vit", models.resolve("main"), true);
    copyDir(main.dir(), models.resolve("fiq-v2")); // the same image tower: queries the index's vectors
    Files.createDirectories(models.resolve("empty"));
    ModelBundle outside = TestBundles.small("small-vit", work.resolve("outside-models/x"), true);
    Path images = Files.createDirectories(work.resolve("store-images"));
    Random random = new Random(5);
    for (int i = 0; i < 4; i++) {
      Files.write(images.resolve("img" + i + ".png"), SyntheticImages.png(random, 40));
    }
    Path home = ownHome("store-home");
    Map<String, String> props = Map.of("cir.image.dir", images.toString(), "cir.model.dir", models.toString());
    String store = "/shop/schema/cir-bundle-store";
    try (SolrNodeProcess solr = SolrNodeProcess.start(solrJars, tip, home, work.resolve("store-node1"), props)) {
      createCore(solr, "shop", main.dir());
      index(solr, "shop", 0, 4);
      solr.putJson(store, "{\"name\": \"fiq\", \"path\": \"" + models.resolve("fiq-v2") + "\", \"predictors\": 1}").ok();
      // at once, without a reload
      assertTrue(hits(solr, "{!cir bundle=fiq ref=img1}w5 w7") > 0);
      JsonArray listed = solr.get(store, "wt", "json").ok().body().getAsJsonArray("bundles");
      assertEquals(2, listed.size(), listed.toString());
      JsonObject fiq = solr.get(store + "/fiq", "wt", "json").ok().body().getAsJsonObject("bundle");
      assertEquals("store", fiq.get("source").getAsString());
      assertEquals(1, fiq.get("predictors").getAsInt());
      assertTrue(fiq.get("loaded").getAsBoolean(), fiq.toString());
      assertTrue(listed.toString().contains("\"source\":\"solrconfig\""), listed.toString());
      String[][] bad = {
        {"{\"name\": \"nopath\"}", "needs a \"path\""},
        {"{\"name\": \"empty\", \"path\": \"" + models.resolve("empty") + "\"}", "bundle.json: missing"},
        {"{\"name\": \"fiq\", \"path\": \"" + models.resolve("fiq-v2") + "\"}", "bundle 'fiq' is already defined in the store"},
        {"{\"name\": \"default\", \"path\": \"" + models.resolve("fiq-v2") + "\"}", "already defined in solrconfig.xml"},
        {"{\"name\": \"far\", \"path\": \"" + outside.dir() + "\"}", "is outside the model directory"},
        {"{\"name\": \"up\", \"path\": \"" + models.resolve("../outside-models/x") + "\"}", "is outside the model directory"},
        {"{\"name\": \"gone\", \"path\": \"" + models.resolve("nothing-here") + "\"}", "does not exist"},
        {"{\"name\": \"x\", \"path\": \"fiq-v2\", \"predictors\": \"two\"}", "\"predictors\" must be a whole number"},
        {"{\"name\": \"x\", \"path\": \"fiq-v2\", \"colour\": 1}", "unknown field 'colour'"},
        {"[{\"name\": \"y\", \"path\": \"fiq-v2\"}, {\"name\": \"fiq\", \"path\": \"fiq-v2\"}]", "already defined"},
        {"{\"name\": \"broken\", \"path\": ", "the body is not JSON"},
      };
      for (String[] b : bad) {
        SolrNodeProcess.Response r = solr.putJson(store, b[0]);
        assertEquals(400, r.status(), b[0] + " -> " + r.body());
        assertTrue(r.body().toString().contains(b[1].replace("\"", "\\\"")) || r.body().toString().contains(b[1]), b[0] + " -> " + r.body());
      }
      // the list with a duplicate was refused whole: its first bundle was not added
      assertEquals(2, solr.get(store, "wt", "json").ok().body().getAsJsonArray("bundles").size());
    }
    // the store survives a restart
    try (SolrNodeProcess solr = SolrNodeProcess.start(solrJars, tip, home, work.resolve("store-node2"), props)) {
      JsonObject fiq = solr.get(store + "/fiq", "wt", "json").ok().body().getAsJsonObject("bundle");
      assertEquals(models.resolve("fiq-v2").toRealPath().toString(), fiq.get("path").getAsString());
      assertTrue(hits(solr, "{!cir bundle=fiq ref=img2}w6 w8") > 0);
      assertEquals(400, solr.delete(store + "/default").status(), "a solrconfig.xml bundle is not the store's to delete");
      assertEquals(404, solr.delete(store + "/nosuch").status());
      solr.delete(store + "/fiq").ok();
      SolrNodeProcess.Response r = solr.get("/shop/select", "q", "{!cir bundle=fiq ref=img1}w5", "wt", "json");
      assertEquals(400, r.status(), r.body().toString());
      assertTrue(r.body().toString().contains("unknown bundle 'fiq'; this core defines [default]"), r.body().toString());
      assertEquals(1, solr.get(store, "wt", "json").ok().body().getAsJsonArray("bundles").size());
      assertTrue(hits(solr, "{!cir ref=img1}w5 w9") > 0, "the default bundle still serves");
    }
  }

  private static long hits(SolrNodeProcess solr, String q) throws Exception {
    return solr.get("/shop/select", "q", q, "wt", "json").ok().body().getAsJsonObject("response").get("numFound").getAsLong();
  }

  private static void copyDir(Path from, Path to) throws IOException {
    Files.createDirectories(to);
    try (Stream<Path> s = Files.list(from)) {
      for (Path f : s.toList()) {
        Files.copy(f, to.resolve(f.getFileName().toString()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
    }
  }

  private static void deleteDir(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      for (Path f : s.toList()) {
        Files.delete(f);
      }
    }
    Files.delete(dir);
  }

  /** A port whose + 1000 is free too (the embedded ZooKeeper's), and another. */
  private static int[] cloudPorts() throws IOException {
    for (int attempt = 0; attempt < 50; attempt++) {
      int p;
      try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
        p = s.getLocalPort();
      }
      if (p + 1000 > 65535) {
        continue;
      }
      try (java.net.ServerSocket zk = new java.net.ServerSocket(p + 1000);
          java.net.ServerSocket other = new java.net.ServerSocket(0)) {
        int q = other.getLocalPort();
        if (q != p + 1000) {
          return new int[] {p, q};
        }
      } catch (IOException taken) {
        // try another
      }
    }
    throw new IOException("no free pair of ports for a node and its ZooKeeper");
  }

  /** The files of {@code dir} as a zip with paths relative to it, as the Configsets API takes them. */
  private static byte[] zip(Path dir) throws IOException {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    try (java.util.zip.ZipOutputStream z = new java.util.zip.ZipOutputStream(out);
        Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
        z.putNextEntry(new java.util.zip.ZipEntry(dir.relativize(f).toString().replace('\\', '/')));
        z.write(Files.readAllBytes(f));
        z.closeEntry();
      }
    }
    return out.toByteArray();
  }

  private static List<String> idsBelow(int n) {
    return java.util.stream.IntStream.range(0, n).mapToObj(i -> "img" + i).sorted().toList();
  }

  private static void createCore(SolrNodeProcess solr, String name, Path bundle) throws Exception {
    solr.get(
            "/admin/cores", "action", "CREATE", "name", name, "configSet", "cir",
            "property.cir.vector.dimension", "32", "property.cir.bundle.default", bundle.toString())
        .ok();
  }

  private static void index(SolrNodeProcess solr, String core, int from, int to) throws Exception {
    JsonArray docs = new JsonArray();
    for (int i = from; i < to; i++) {
      JsonObject d = new JsonObject();
      d.addProperty("id", "img" + i);
      d.addProperty("image_path", "img" + i + ".png");
      d.addProperty("color_s", i % 2 == 0 ? "red" : "blue");
      docs.add(d);
    }
    SolrNodeProcess.Response r = solr.postJson("/" + core + "/update?commit=true&wt=json", docs.toString()).ok();
    JsonElement errors = r.body().getAsJsonObject("responseHeader").get("errors");
    assertTrue(errors == null || errors.getAsJsonArray().isEmpty(), "indexing errors: " + r.body());
    long found = solr.get("/" + core + "/select", "q", "*:*", "rows", "0").ok().body().getAsJsonObject("response").get("numFound").getAsLong();
    assertEquals(to - from, found, "documents indexed in " + core);
  }

  /** {@code {!cir ref=ID}TEXT} (the Combiner) against {@code {!knn}} with the vector fused here, the reference excluded. */
  /**
   * {@code /admin/metrics} of {@code core}, as an administrator (or Prometheus' exporter) reads
   * it: the default bundle's query counter and encoding timer read {@code queries}, and the
   * encoding gauge has the bundle's weights (one copy in the JVM however many cores use it).
   */
  private static void checkMetrics(SolrNodeProcess solr, String core, long queries, long weightBytes) throws Exception {
    JsonObject all = solr.get("/admin/metrics", "group", "core", "prefix", "QUERYPARSER", "wt", "json").ok().body().getAsJsonObject("metrics");
    JsonObject m = all.getAsJsonObject("solr.core." + core);
    assertTrue(m != null, "no metrics of core " + core + " in " + all.keySet());
    com.google.gson.JsonElement counter = null;
    JsonObject timer = null;
    JsonObject encoding = null;
    for (String k : m.keySet()) {
      if (k.endsWith(".default.queries")) {
        counter = m.get(k);
      } else if (k.endsWith(".default.encode")) {
        timer = m.getAsJsonObject(k);
      } else if (k.endsWith(".encoding")) {
        encoding = m.getAsJsonObject(k);
      }
    }
    assertTrue(counter != null && timer != null && encoding != null, "the plugin's metrics in " + m.keySet());
    // Solr's compact output writes a counter as its count
    long count = counter.isJsonObject() ? counter.getAsJsonObject().get("count").getAsLong() : counter.getAsLong();
    assertEquals(queries, count, "queries: " + counter);
    assertEquals(queries, timer.get("count").getAsLong(), "encode timer: " + timer);
    assertTrue(timer.has("p99_ms") || timer.has("p99"), "a histogram: " + timer);
    assertEquals(weightBytes, encoding.get("default.weightBytes").getAsLong(), "weights of the bundle: " + encoding);
    assertEquals(1, encoding.get("node.loadedBundles").getAsInt(), "one bundle loaded in the JVM: " + encoding);
    assertEquals(weightBytes, encoding.get("node.weightBytes").getAsLong(), "one copy of the weights in the JVM: " + encoding);
    System.out.println("metrics of " + core + ": " + m);
  }

  private static void checkAgainstKnn(
      SolrNodeProcess solr, String core, CirEncoder encoder, Map<String, float[]> raw, List<String> ids, Random random) throws Exception {
    for (int q = 0; q < 3; q++) {
      String ref = ids.get(random.nextInt(ids.size()));
      String text = "w" + (2 + random.nextInt(900)) + " w" + (2 + random.nextInt(900));
      float[] vector = encoder.combine(new float[][] {raw.get(ref)}, new float[][] {encoder.encodeText(text)}, CombineMode.COMBINER).vector(0);
      String v = FusedVector.format(vector);
      JsonObject cir = solr.get("/" + core + "/select", "q", "{!cir topK=10 ref=" + ref + "}" + text, "fl", "id,score", "rows", "10").ok().body();
      JsonObject knn = solr.get("/" + core + "/select", "q", "{!knn f=clip_vector topK=10}" + v, "fq", "-id:" + ref, "fl", "id,score", "rows", "10").ok().body();
      JsonArray a = cir.getAsJsonObject("response").getAsJsonArray("docs");
      JsonArray b = knn.getAsJsonObject("response").getAsJsonArray("docs");
      assertTrue(a.size() > 0, "{!cir} found nothing in " + core + ": " + cir);
      assertEquals(b.size(), a.size(), core + " " + ref + " " + text + ": " + a + " vs " + b);
      for (int i = 0; i < a.size(); i++) {
        JsonObject da = a.get(i).getAsJsonObject();
        JsonObject db = b.get(i).getAsJsonObject();
        assertEquals(db.get("id").getAsString(), da.get("id").getAsString(), core + " rank " + i + ": " + a + " vs " + b);
        // index-time images may share a forward pass: the same features to float rounding
        assertEquals(db.get("score").getAsDouble(), da.get("score").getAsDouble(), 1e-5, core + " score " + i);
      }
    }
  }
}
