package dev.cir.cli;

import dev.cir.clip.bundle.BundleManifest;
import dev.cir.clip.bundle.ModelBundle;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.solr.client.solrj.SolrClient;
import org.apache.solr.client.solrj.SolrQuery;
import org.apache.solr.client.solrj.impl.Http2SolrClient;
import org.apache.solr.client.solrj.response.FacetField;
import org.apache.solr.client.solrj.response.QueryResponse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "info",
    mixinStandardHelpOptions = true,
    description = {
      "Describe a model bundle: architecture, dimensions, preprocessing, files, provenance and the fingerprint of its",
      "image tower; or, with --solr, which image towers encoded a collection's vectors (and whether --model's is one)."
    })
final class InfoCommand implements Callable<Integer> {
  @Option(names = "--model", paramLabel = "DIR", description = "The model bundle directory.")
  Path model;

  @Option(names = "--solr", paramLabel = "URL", description = "A Solr base URL, e.g. http://127.0.0.1:8983/solr: report a collection's image towers.")
  String solr;

  @Option(names = "--collection", paramLabel = "C", description = "The collection, with --solr (default: ${DEFAULT-VALUE}).")
  String collection = "cir";

  @Option(names = "--verify", description = "Recompute every file's checksum and compare it with bundle.json.")
  boolean verify;

  private final PrintWriter out;

  @Inject
  InfoCommand(@Named("out") PrintWriter out) {
    this.out = out;
  }

  @Override
  public Integer call() throws Exception {
    if (model == null && solr == null) {
      throw new IllegalArgumentException("give --model DIR (a bundle), --solr URL (a collection), or both");
    }
    ModelBundle b = model == null ? null : ModelBundle.open(model);
    if (b != null) {
      describe(b);
    }
    if (solr != null) {
      collection(b);
    }
    out.flush();
    return 0;
  }

  /**
   * The image towers of the collection's documents ({@code clip_model_s}, written with every vector
   * by the update processor and by {@code cir index}), with how many documents each encoded.
   */
  private void collection(ModelBundle b) throws Exception {
    try (SolrClient client = new Http2SolrClient.Builder(solr).build()) {
      SolrQuery q = new SolrQuery("*:*");
      q.setRows(0);
      q.setFacet(true);
      q.addFacetField("clip_model_s");
      q.setFacetLimit(-1);
      q.setFacetMinCount(1);
      q.setFacetMissing(true);
      QueryResponse r = client.query(collection, q);
      long total = r.getResults().getNumFound();
      out.printf(Locale.ROOT, "collection    %s at %s: %,d documents%n", collection, solr, total);
      out.println("image towers  (clip_model_s: the image tower that encoded each document's vector)");
      FacetField f = r.getFacetField("clip_model_s");
      boolean ours = false;
      int towers = 0;
      for (FacetField.Count c : f == null ? List.<FacetField.Count>of() : f.getValues()) {
        String name = c.getName() == null ? "(not recorded: written before fingerprints, or by a client that sets none)" : c.getName();
        boolean match = b != null && b.imageTowerFingerprint().equals(c.getName());
        ours |= match;
        towers += c.getName() == null ? 0 : 1;
        out.printf(Locale.ROOT, "  %-40s %,12d%s%n", name, c.getCount(), match ? "  <- this bundle's" : "");
      }
      if (b != null) {
        out.println(
            ours
                ? towers == 1
                    ? "compatible    every recorded vector was made by this bundle's image tower"
                    : "mixed         this bundle's image tower made some vectors, others made the rest: re-index those"
                : "incompatible  none of the recorded vectors was made by this bundle's image tower: re-index with it, or"
                    + " query with the bundle that indexed the collection");
      }
    }
  }

  private void describe(ModelBundle b) throws IOException {
    BundleManifest m = b.manifest();
    out.printf(Locale.ROOT, "bundle        %s%n", b.dir());
    out.printf(Locale.ROOT, "format        cir-bundle v%d%n", m.formatVersion());
    if (m.architectureName() != null) {
      out.printf(Locale.ROOT, "name          %s%n", m.architectureName());
    }
    out.printf(Locale.ROOT, "architecture  %s%n", m.config());
    out.printf(Locale.ROOT, "embedding     %d dimensions%n", m.embeddingDim());
    out.printf(Locale.ROOT, "images        %dx%d, preprocess %s%s%n", m.config().imageResolution(), m.config().imageResolution(),
        m.preprocess(), m.preprocess().equals("targetpad") ? " (ratio " + m.targetRatio() + ")" : "");
    out.printf(Locale.ROOT, "text          context %d, vocabulary %d%n", m.config().contextLength(), m.config().vocabSize());
    if (m.hasCombiner()) {
      int[] s = m.combinerSizes();
      out.printf(Locale.ROOT, "combiner      feature %d, projection %d, hidden %d%n", s[0], s[1], s[2]);
    } else {
      out.println("combiner      none (queries use the normalized sum)");
    }
    if (m.hasInversion()) {
      var v = m.inversion();
      out.printf(Locale.ROOT, "inversion     feature %d, hidden %d x %d, token %d; template \"%s\" (combine=inversion)%n",
          v.featureDim(), v.hiddenDim(), v.hiddenLayers(), v.tokenDim(), v.template());
    } else {
      out.println("inversion     none (zero-shot queries need 'cir train inversion')");
    }
    out.println("files");
    for (String f : new String[] {m.clipFile(), m.tokenizerFile(), m.combinerFile(), m.hasInversion() ? m.inversion().file() : null}) {
      if (f != null) {
        out.printf(Locale.ROOT, "  %-22s %,14d bytes  %s%n", f, Files.size(b.dir().resolve(f)), m.checksums().getOrDefault(f, ""));
      }
    }
    if (!m.provenance().isEmpty()) {
      out.println("provenance");
      m.provenance().forEach((k, v) -> out.printf(Locale.ROOT, "  %-22s %s%n", k, v));
    }
    out.printf(Locale.ROOT, "fingerprint   %s%n", b.fingerprint());
    out.printf(Locale.ROOT, "image tower   %s (what indexed vectors record in clip_model_s)%n", b.imageTowerFingerprint());
    if (verify) {
      b.verify();
      out.println("verified      every file matches its checksum");
    }
  }
}
