package dev.cir.cli.demo;

import dev.cir.cli.SolrIndexer;
import dev.cir.clip.bundle.ModelBundle;
import dev.cir.clip.encoder.CirEncoder;
import dev.cir.clip.encoder.EncoderOptions;
import dev.cir.solr.config.EmbeddedSolr;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.solr.client.solrj.SolrClient;
import org.apache.solr.client.solrj.impl.Http2SolrClient;
import org.apache.solr.common.params.ModifiableSolrParams;

/**
 * The running demo: a real Solr with the plugin and the {@code cir} configset (its index kept in
 * the work folder between runs), the gallery indexed once (encoded in bulk, as {@code cir index}
 * does), and the web page in front of it, whose queries Solr alone encodes.
 */
public final class DemoSite implements AutoCloseable {
  private final EmbeddedSolr solr;
  private final SolrClient client;
  private final DemoServer server;

  private DemoSite(EmbeddedSolr solr, SolrClient client, DemoServer server) {
    this.solr = solr;
    this.client = client;
    this.server = server;
  }

  /**
   * @param solrHome kept between runs: an index that already holds the whole gallery is reused
   * @param solrPort 0 for any free port
   */
  public static DemoSite start(
      ModelBundle bundle, Path solrHome, int solrPort, List<SolrIndexer.Image> gallery, List<DemoBackend.Example> examples,
      int webPort, PrintWriter log) throws Exception {
    EmbeddedSolr solr = null;
    SolrClient client = null;
    try {
      solr = EmbeddedSolr.start(EmbeddedSolr.Options.of(solrPort, bundle.dir()).withHome(solrHome));
      log.printf(Locale.ROOT, "Solr with the cir plugin: %s%n", solr.baseUrl());
      log.flush();
      client = new Http2SolrClient.Builder(solr.baseUrl()).build();
      long indexed = count(client);
      if (indexed != gallery.size()) {
        long t = System.nanoTime();
        log.printf(Locale.ROOT, "indexing %d images ...%n", gallery.size());
        log.flush();
        client.deleteByQuery(EmbeddedSolr.COLLECTION, "*:*");
        SolrIndexer.Report r;
        try (CirEncoder encoder = CirEncoder.open(bundle, EncoderOptions.defaults())) {
          r = new SolrIndexer(encoder, bundle.imageTowerFingerprint(), client, EmbeddedSolr.COLLECTION, 256).index(gallery, log);
        }
        log.printf(Locale.ROOT, "indexed %d images in %.1f s%s%n", r.indexed(), (System.nanoTime() - t) / 1e9,
            r.failures().isEmpty() ? "" : " (" + r.failures().size() + " failed)");
      } else {
        log.printf(Locale.ROOT, "the index already holds the %d gallery images%n", indexed);
      }
      Map<String, Path> files = new LinkedHashMap<>();
      for (SolrIndexer.Image im : gallery) {
        files.put(im.id(), im.file());
      }
      String name = bundle.manifest().architectureName() != null ? bundle.manifest().architectureName() : bundle.dir().getFileName().toString();
      DemoServer server =
          new DemoServer(webPort, new SolrDemoBackend(client, EmbeddedSolr.COLLECTION, bundle.manifest(), name, files, examples));
      server.start();
      return new DemoSite(solr, client, server);
    } catch (Exception | Error e) {
      closeQuietly(client, solr);
      throw e;
    }
  }

  private static long count(SolrClient client) throws Exception {
    ModifiableSolrParams p = new ModifiableSolrParams();
    p.set("q", "*:*");
    p.set("rows", 0);
    return client.query(EmbeddedSolr.COLLECTION, p).getResults().getNumFound();
  }

  public URI uri() {
    return server.uri();
  }

  public String solrUrl() {
    return solr.baseUrl();
  }

  @Override
  public void close() throws Exception {
    server.close();
    closeQuietly(client, solr);
  }

  private static void closeQuietly(AutoCloseable... all) {
    for (AutoCloseable c : all) {
      if (c != null) {
        try {
          c.close();
        } catch (Exception e) {
          // closing on the way out: nothing left to do with the failure
        }
      }
    }
  }
}
