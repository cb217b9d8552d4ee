package dev.cir.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.cir.clip.bundle.ModelBundle;
import dev.cir.clip.testing.TestBundles;
import dev.cir.eval.data.JsonlReader;
import dev.cir.eval.synth.SyntheticDataset;
import dev.cir.solr.codec.VectorFormat;
import dev.cir.solr.config.EmbeddedSolr;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.solr.client.solrj.SolrClient;
import org.apache.solr.client.solrj.impl.Http2SolrClient;
import org.apache.solr.client.solrj.response.QueryResponse;
import org.apache.solr.common.SolrDocument;
import org.apache.solr.common.params.ModifiableSolrParams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** cir index and cir bench load against the embedded Solr that cir solr runs. */
class SolrCommandsTest {
  @TempDir Path tmp;

  @Test
  void indexesAJsonlDatasetAndADirectoryThenAnswersComposedQueries() throws Exception {
    ModelBundle bundle = TestBundles.smallWithInversion(tmp.resolve("bundle"), "w5 $ w7 {text}");
    Path data = tmp.resolve("data");
    SyntheticDataset.generate(SyntheticDataset.Options.defaults().withSize(10).withImageSize(48)).writeTo(data);
    int galleries = 0;
    Set<String> expectedIds = new HashSet<>();
    JsonlReader reader = new JsonlReader(data);
    for (String split : reader.splits()) {
      reader.readGallery(split).ids().forEach(expectedIds::add);
    }
    galleries = expectedIds.size();
    try (EmbeddedSolr solr = EmbeddedSolr.start(new EmbeddedSolr.Options(0, bundle.dir(), tmp.resolve("home"), data, 1, 16, null, null, null));
        SolrClient client = new Http2SolrClient.Builder(solr.baseUrl()).build()) {
      assertTrue(solr.baseUrl().startsWith("http://127.0.0.1:") && solr.baseUrl().endsWith("/solr"), solr.baseUrl());
      CliTest.Result r = CliTest.cir("index", "--model", bundle.dir().toString(), "--jsonl", data.toString(), "--solr", solr.baseUrl(),
          "--collection", "cir", "--batch-size", "16");
      assertEquals(0, r.status(), r.err());
      assertTrue(r.out().contains("indexed " + galleries + " of " + galleries + " images into 'cir'"), r.out());
      ModifiableSolrParams all = new ModifiableSolrParams();
      all.set("q", "*:*");
      all.set("rows", 1);
      QueryResponse rsp = client.query("cir", all);
      assertEquals(galleries, rsp.getResults().getNumFound());
      SolrDocument d = rsp.getResults().get(0);
      assertTrue(d.getFieldNames().stream().anyMatch(f -> f.endsWith("_s") || f.endsWith("_ss") || f.endsWith("_i")), d.toString());
      assertTrue(Files.isRegularFile(data.resolve((String) d.getFieldValue("image_path"))), d.toString());

      ModifiableSolrParams q = new ModifiableSolrParams();
      q.set("q", "{!cir ref=" + d.getFieldValue("id") + " topK=5}w12 w13");
      QueryResponse cir = client.query("cir", q);
      assertEquals(5, cir.getResults().size());

      // zero-shot: {!cir combine=inversion} is {!knn} with the vector cir embed --combine inversion writes
      Path image = data.resolve((String) d.getFieldValue("image_path"));
      String[][] prompts = {{"combine=inversion", null}, {"template='w9 $ {text} w11'", "w9 $ {text} w11"}};
      for (String[] prompt : prompts) {
        Path vectors = tmp.resolve("query.json");
        List<String> args = new ArrayList<>(List.of(
            "embed", "--model", bundle.dir().toString(), "--image", image.toString(), "--text", "w12 w13", "--combine", "inversion",
            "--out", vectors.toString()));
        if (prompt[1] != null) {
          args.addAll(List.of("--template", prompt[1]));
        }
        CliTest.Result embed = CliTest.cir(args.toArray(String[]::new));
        assertEquals(0, embed.status(), embed.err());
        JsonObject json = JsonParser.parseString(Files.readString(vectors)).getAsJsonObject();
        assertEquals("inversion", json.get("combine").getAsString());
        assertEquals(prompt[1] == null ? "w5 $ w7 {text}" : prompt[1], json.get("template").getAsString());
        // the reference as cir embed encoded it (cir index encodes in batches, which may move a last bit)
        ModifiableSolrParams z = new ModifiableSolrParams();
        z.set("q", "{!cir refVector=$rv topK=8 " + prompt[0] + "}w12 w13");
        z.set("rv", vector(json.getAsJsonArray("image_features").get(0).getAsJsonArray()));
        z.set("fl", "id,score");
        ModifiableSolrParams knn = new ModifiableSolrParams();
        knn.set("q", "{!knn f=clip_vector topK=8}" + vector(json.getAsJsonArray("query_vectors").get(0).getAsJsonArray()));
        knn.set("fl", "id,score");
        QueryResponse a = client.query("cir", z);
        QueryResponse b = client.query("cir", knn);
        assertEquals(8, a.getResults().size());
        for (int i = 0; i < 8; i++) {
          assertEquals(b.getResults().get(i).getFieldValue("id"), a.getResults().get(i).getFieldValue("id"), prompt[0] + " rank " + i);
          assertEquals(b.getResults().get(i).getFieldValue("score"), a.getResults().get(i).getFieldValue("score"), prompt[0] + " rank " + i);
        }
      }

      // every document cir index wrote records the bundle's image tower; cir info --solr counts them
      assertEquals(bundle.imageTowerFingerprint(), d.getFieldValue("clip_model_s"), d.toString());
      CliTest.Result info = CliTest.cir("info", "--solr", solr.baseUrl(), "--collection", "cir", "--model", bundle.dir().toString());
      assertEquals(0, info.status(), info.err());
      assertTrue(
          info.out().matches("(?s).*" + java.util.regex.Pattern.quote(bundle.imageTowerFingerprint()) + " +" + galleries + "  <- this bundle's.*"),
          info.out());
      assertTrue(info.out().contains("compatible    every recorded vector was made by this bundle's image tower"), info.out());
      ModelBundle other = TestBundles.withOneWeightChanged(bundle, "visual.proj", tmp.resolve("other"));
      CliTest.Result mismatch = CliTest.cir("info", "--solr", solr.baseUrl(), "--model", other.dir().toString());
      assertEquals(0, mismatch.status(), mismatch.err());
      assertTrue(mismatch.out().contains("incompatible  none of the recorded vectors"), mismatch.out());

      // the bundle store takes paths under the model directory: by default the parent of --bundle
      java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
      java.net.URI store = java.net.URI.create(solr.baseUrl() + "/cir/schema/cir-bundle-store");
      var put = putJson(http, store, "{\"name\": \"other\", \"path\": \"" + other.dir() + "\", \"passes\": \"ops\"}");
      assertEquals(200, put.statusCode(), put.body());
      var list = http.send(java.net.http.HttpRequest.newBuilder(store).GET().build(), java.net.http.HttpResponse.BodyHandlers.ofString());
      assertTrue(list.body().contains("\"name\":\"other\""), list.body());
      assertTrue(list.body().contains("\"passes\":\"ops\""), list.body());
      var badPasses = putJson(http, store, "{\"name\": \"third\", \"path\": \"" + other.dir() + "\", \"passes\": \"fast\"}");
      assertEquals(400, badPasses.statusCode(), badPasses.body());
      assertTrue(badPasses.body().contains("passes must be fused or ops, got 'fast'"), badPasses.body());
      ModifiableSolrParams withOther = new ModifiableSolrParams();
      withOther.set("q", "{!cir bundle=other combine=text topK=3}w12 w13");
      assertEquals(3, client.query("cir", withOther).getResults().size());

      // a directory with one corrupt file: the others are indexed, the command says which failed
      Path dir = Files.createDirectories(tmp.resolve("plain"));
      Files.copy(data.resolve((String) d.getFieldValue("image_path")), dir.resolve("good.png"));
      Files.writeString(dir.resolve("bad.png"), "not a png");
      CliTest.Result partial = CliTest.cir("index", "--model", bundle.dir().toString(), "--images", dir.toString(), "--solr", solr.baseUrl());
      assertEquals(1, partial.status(), partial.out() + partial.err());
      assertTrue(partial.err().contains("bad.png") && partial.err().contains("1 of 2 images could not be indexed"), partial.err());
      assertEquals(galleries + 1, client.query("cir", all).getResults().getNumFound());

      CliTest.Result load = CliTest.cir("bench", "load", "--solr", solr.baseUrl(), "--clients", "3", "--seconds", "3", "--words", "w5,w6,w7",
          "--pid", Long.toString(ProcessHandle.current().pid()));
      assertEquals(0, load.status(), load.err());
      assertTrue(load.out().contains("| 3 | 3 |") && load.out().matches("(?s).*\\| 3 \\| 3 \\| \\d+ \\| 0 \\|.*"), load.out());
    }
    // the collection keeps the vector format it was created with
    IllegalArgumentException format =
        assertThrows(
            IllegalArgumentException.class,
            () -> EmbeddedSolr.start(new EmbeddedSolr.Options(0, bundle.dir(), tmp.resolve("home"), data, 1, 16, null, null, VectorFormat.INT8)));
    assertTrue(format.getMessage().contains("was created with --vector-format float") && format.getMessage().contains("use a new --home and re-index"),
        format.getMessage());
  }

  /** {@code [f1,f2,...]} of a JSON row, every float exact. */
  /** A PUT of a JSON body, its response as text. */
  private static java.net.http.HttpResponse<String> putJson(java.net.http.HttpClient http, java.net.URI uri, String json)
      throws Exception {
    return http.send(
        java.net.http.HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
            .PUT(java.net.http.HttpRequest.BodyPublishers.ofString(json)).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
  }

  private static String vector(JsonArray row) {
    StringBuilder v = new StringBuilder("[");
    for (int k = 0; k < row.size(); k++) {
      v.append(k == 0 ? "" : ",").append(row.get(k).getAsFloat());
    }
    return v.append(']').toString();
  }

  @Test
  void hnswParametersReachTheCollectionsVectorField() throws Exception {
    ModelBundle bundle = TestBundles.small("small-vit", tmp.resolve("bundle"), false);
    EmbeddedSolr.Options o =
        new EmbeddedSolr.Options(0, bundle.dir(), tmp.resolve("home"), null, 1, 16, null, null, VectorFormat.INT8).withHnsw(12, 64);
    assertEquals(null, System.getProperty("cir.hnsw.beamWidth"), "no property overrides the rendered defaults here");
    try (EmbeddedSolr solr = EmbeddedSolr.start(o);
        SolrClient client = new Http2SolrClient.Builder(solr.baseUrl()).build()) {
      var request = new org.apache.solr.client.solrj.request.GenericSolrRequest(
          org.apache.solr.client.solrj.SolrRequest.METHOD.GET, "/schema/fieldtypes/clip_vector", new ModifiableSolrParams());
      request.setRequiresCollection(true);
      String type = String.valueOf(client.request(request, "cir").get("fieldType"));
      assertTrue(type.contains("hnswMaxConnections=12") && type.contains("hnswBeamWidth=64"), type);
    }
    IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> o.withHnsw(1, 64));
    assertEquals("hnswMaxConnections must be between 2 and 512, got 1", bad.getMessage());
    CliTest.Result zero = CliTest.cir("solr", "--port", "0", "--bundle", bundle.dir().toString(), "--hnsw-beam-width", "0");
    assertEquals(1, zero.status());
    assertTrue(zero.err().contains("hnswBeamWidth must be between 1 and 3200, got 0"), zero.err());
  }

  @Test
  void badCommandLinesSayWhatToFix() {
    CliTest.Result noBundle = CliTest.cir("solr", "--port", "0", "--bundle", tmp.resolve("none").toString());
    assertEquals(1, noBundle.status());
    assertTrue(noBundle.err().contains("none") && noBundle.err().contains("not found"), noBundle.err());
    CliTest.Result both = CliTest.cir("index", "--model", "m", "--jsonl", "a", "--images", "b", "--solr", "http://127.0.0.1:1/solr");
    assertEquals(2, both.status(), both.err());
    CliTest.Result noSolr = CliTest.cir("index", "--model", "m", "--jsonl", "a");
    assertEquals(2, noSolr.status());
    assertTrue(noSolr.err().contains("--solr"), noSolr.err());
  }
}
