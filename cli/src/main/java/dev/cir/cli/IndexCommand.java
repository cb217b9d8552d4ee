package dev.cir.cli;

import dev.cir.clip.bundle.ModelBundle;
import dev.cir.clip.encoder.CirEncoder;
import dev.cir.clip.encoder.EncoderOptions;
import dev.cir.clip.model.Precision;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.solr.client.solrj.SolrClient;
import org.apache.solr.client.solrj.impl.Http2SolrClient;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "index",
    mixinStandardHelpOptions = true,
    description = {
      "Encode images in bulk (parallel decode, batched encode) and send them to Solr with their raw",
      "image features in clip_vector and their metadata: a JSONL dataset's images.jsonl (fields mapped",
      "onto *_s, *_ss, *_i, *_f by type), or every image file under a directory."
    })
final class IndexCommand implements Callable<Integer> {
  @Option(names = "--model", required = true, paramLabel = "DIR", description = "Model bundle (the one Solr serves).")
  Path model;

  @ArgGroup(exclusive = true, multiplicity = "1")
  Source source;

  static final class Source {
    @Option(names = "--jsonl", paramLabel = "ROOT", description = "A dataset in the JSONL layout.")
    Path jsonl;

    @Option(names = "--images", paramLabel = "DIR", description = "A directory of images (ids are their paths).")
    Path images;
  }

  @Option(names = "--split", paramLabel = "NAME", description = "Only this split's gallery of the JSONL dataset (default: every split).")
  String split;

  @Option(names = "--solr", required = true, paramLabel = "URL", description = "Solr base URL, e.g. http://127.0.0.1:8983/solr.")
  String solr;

  @Option(names = "--collection", paramLabel = "C", description = "Collection (default: ${DEFAULT-VALUE}).")
  String collection = "cir";

  @Option(names = "--batch-size", paramLabel = "N", description = "Images per encode-and-send batch (default: ${DEFAULT-VALUE}).")
  int batchSize = 128;

  @Option(names = "--device", paramLabel = "D", description = "cpu, gpu, gpu:N or auto (default: ${DEFAULT-VALUE}).")
  String device = "cpu";

  @Option(names = "--precision", paramLabel = "P",
      description = "float32 (exact) or bf16: the products with weights in bfloat16, fast where the CPU has AVX512-BF16 or AMX (default: ${DEFAULT-VALUE}).")
  String precision = "float32";

  private final PrintWriter out;
  private final PrintWriter err;

  @Inject
  IndexCommand(@Named("out") PrintWriter out, @Named("err") PrintWriter err) {
    this.out = out;
    this.err = err;
  }

  @Override
  public Integer call() throws Exception {
    if (batchSize < 1) {
      throw new IllegalArgumentException("--batch-size must be at least 1");
    }
    List<SolrIndexer.Image> images =
        source.jsonl != null ? SolrIndexer.fromJsonl(source.jsonl, split) : SolrIndexer.fromDirectory(source.images);
    long start = System.nanoTime();
    ModelBundle bundle = ModelBundle.open(model);
    try (CirEncoder encoder = CirEncoder.open(bundle, EncoderOptions.defaults().withDevice(device).withPrecision(Precision.parse(precision)));
        SolrClient client = new Http2SolrClient.Builder(solr).build()) {
      SolrIndexer.Report r = new SolrIndexer(encoder, bundle.imageTowerFingerprint(), client, collection, batchSize).index(images, err);
      out.printf(
          Locale.ROOT, "indexed %d of %d images into '%s' at %s in %.1f s%n", r.indexed(), images.size(), collection, solr,
          (System.nanoTime() - start) / 1e9);
      out.flush();
      if (!r.failures().isEmpty()) {
        throw new IllegalStateException(
            r.failures().size() + " of " + images.size() + " images could not be indexed (listed above); the others were");
      }
    }
    return 0;
  }
}
