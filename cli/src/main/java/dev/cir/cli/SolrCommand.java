package dev.cir.cli;

import dev.cir.clip.encoder.EncoderOptions;
import dev.cir.clip.model.Precision;
import dev.cir.solr.codec.VectorFormat;
import dev.cir.solr.config.EmbeddedSolr;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "solr",
    mixinStandardHelpOptions = true,
    description = {
      "Run a real Solr on 127.0.0.1 with the cir plugin, the cir configset and a collection 'cir'",
      "(fields id, image_path, clip_vector, dynamic *_s *_ss *_i *_f). The bundle is registered as",
      "'default'. Prints the base URL, then serves until SIGTERM or Ctrl-C."
    })
final class SolrCommand implements Callable<Integer> {
  @Option(names = "--port", paramLabel = "P", description = "Port (default: ${DEFAULT-VALUE}; 0 picks a free one).")
  int port = 8983;

  @Option(names = "--bundle", required = true, paramLabel = "DIR", description = "Model bundle served as 'default'.")
  Path bundle;

  @Option(names = "--home", paramLabel = "DIR", description = "Solr home to keep the index in (default: a temporary one, deleted on exit).")
  Path home;

  @Option(names = "--images", paramLabel = "DIR", description = "Base directory of index-time image paths (image_path); others are refused.")
  Path images;

  @Option(names = "--predictors", paramLabel = "N", description = "Forward passes that may run at once, of any tower (default: the number of cores).")
  int predictors = Runtime.getRuntime().availableProcessors();

  @Option(names = "--max-batch", paramLabel = "N",
      description = "Rows one forward pass takes from concurrent queries (default: ${DEFAULT-VALUE}; 1 runs every query in a pass of its own).")
  int maxBatch = EncoderOptions.DEFAULT_MAX_BATCH;

  @Option(names = "--precision", paramLabel = "P",
      description = "float32 (exact) or bf16: the bundle's products with weights in bfloat16, fast where the CPU has AVX512-BF16 or AMX (default: ${DEFAULT-VALUE}).")
  String precision = "float32";

  @Option(names = "--passes", paramLabel = "P",
      description = "fused: each transformer in one TorchScript call and the text tower's and the Combiner's products on prepacked weights (a copy of those weights); ops: every operation through DJL, without the copies (default: ${DEFAULT-VALUE}).")
  String passes = "fused";

  @Option(names = "--model-dir", paramLabel = "DIR",
      description = "Directory under which bundles added over REST (/schema/cir-bundle-store) must lie (default: the parent of --bundle).")
  Path modelDir;

  @Option(names = "--vector-format", paramLabel = "F",
      description = "How the collection's vector field stores its HNSW graph: float (exact), int8 or int4 (quantized; {!cir} rescores with the raw floats) (default: ${DEFAULT-VALUE}). Fixed once the collection holds documents.")
  String vectorFormat = "float";

  @Option(names = "--hnsw-beam-width", paramLabel = "B",
      description = "Candidates the graph considers while inserting a vector (hnswBeamWidth; default: ${DEFAULT-VALUE}); lower indexes faster and needs a higher topK for the same recall (admin guide, Segments and HNSW parameters).")
  int hnswBeamWidth = dev.cir.solr.config.CirConfigset.Settings.DEFAULT_BEAM_WIDTH;

  @Option(names = "--hnsw-max-connections", paramLabel = "M", description = "Neighbours per vector in the graph (hnswMaxConnections; default: ${DEFAULT-VALUE}).")
  int hnswMaxConnections = dev.cir.solr.config.CirConfigset.Settings.DEFAULT_MAX_CONNECTIONS;

  private final PrintWriter out;

  @Inject
  SolrCommand(@Named("out") PrintWriter out) {
    this.out = out;
  }

  @Override
  public Integer call() throws Exception {
    EmbeddedSolr.Options o = new EmbeddedSolr.Options(port, bundle, home, images, predictors, maxBatch, Precision.parse(precision), modelDir, VectorFormat.parse(vectorFormat))
        .withHnsw(hnswMaxConnections, hnswBeamWidth).withFusedPasses(EncoderOptions.parsePasses(passes));
    EmbeddedSolr solr = EmbeddedSolr.start(o);
    CountDownLatch stopped = new CountDownLatch(1);
    Thread hook =
        new Thread(
            () -> {
              try {
                solr.close();
              } catch (Exception e) {
                System.err.println("cir: stopping Solr: " + e.getMessage());
              } finally {
                stopped.countDown();
              }
            },
            "cir-solr-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    out.println(solr.baseUrl());
    out.flush();
    stopped.await();
    return 0;
  }
}
