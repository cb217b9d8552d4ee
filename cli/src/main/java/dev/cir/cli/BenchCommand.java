package dev.cir.cli;

import dev.cir.clip.bench.EncoderBenchmark;
import dev.cir.clip.io.AtomicFiles;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Benchmarks, each measured in one run against a baseline on the same machine.",
    subcommands = {BenchCommand.Encode.class, BenchCommand.Solr.class, BenchCommand.Load.class})
final class BenchCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a benchmark is required: encode, solr or load");
  }

  @Command(
      name = "encode",
      mixinStandardHelpOptions = true,
      description = {
        "Image throughput and caption latency of full-size CLIP towers with random weights, against this",
        "machine's float32 matrix-multiply rate through the same engine."
      })
  static final class Encode implements Callable<Integer> {
    @Option(names = "--models", split = ",", paramLabel = "ARCH", description = "Architectures (default: ${DEFAULT-VALUE}).")
    List<String> models = List.of("ViT-B/32", "RN50x4");

    @Option(names = "--batches", split = ",", paramLabel = "N", description = "Image batch sizes (default: ${DEFAULT-VALUE}).")
    int[] batches = {8, 32};

    @Option(names = "--image-runs", paramLabel = "N", description = "Timed batches per size (default: ${DEFAULT-VALUE}).")
    int imageRuns = 5;

    @Option(names = "--text-runs", paramLabel = "N", description = "Timed captions per length (default: ${DEFAULT-VALUE}).")
    int textRuns = 60;

    @Option(names = "--out", paramLabel = "FILE", description = "Also write the report as Markdown.")
    Path outFile;

    private final PrintWriter out;
    private final PrintWriter err;

    @Inject
    Encode(@Named("out") PrintWriter out, @Named("err") PrintWriter err) {
      this.out = out;
      this.err = err;
    }

    @Override
    public Integer call() throws IOException {
      EncoderBenchmark.Settings s = new EncoderBenchmark.Settings(models, Arrays.copyOf(batches, batches.length), imageRuns, textRuns, 2048);
      EncoderBenchmark.Report r =
          EncoderBenchmark.run(
              s,
              line -> {
                err.println(line);
                err.flush();
              });
      String md = r.toMarkdown();
      out.println(md);
      out.flush();
      if (outFile != null) {
        AtomicFiles.writeString(outFile, md);
      }
      return 0;
    }
  }

  @Command(
      name = "solr",
      mixinStandardHelpOptions = true,
      description = {
        "{!cir} against {!knn} on the same vectors in a real Solr with the cir configset: p50 / p99 latency,",
        "the overhead against the text-encoding time, and HNSW recall@10 against exact search."
      })
  static final class Solr implements Callable<Integer> {
    @Option(names = "--sizes", split = ",", paramLabel = "N", description = "Index sizes, measured in turn (default: ${DEFAULT-VALUE}).")
    List<Integer> sizes = List.of(100_000, 1_000_000);

    @Option(names = "--queries", paramLabel = "N", description = "Timed queries per size (default: ${DEFAULT-VALUE}).")
    int queries = 200;

    @Option(names = "--warmup", paramLabel = "N", description = "Untimed queries first (default: ${DEFAULT-VALUE}).")
    int warmup = 30;

    @Option(names = "--recall-queries", paramLabel = "N", description = "Queries checked against exact search (default: ${DEFAULT-VALUE}).")
    int recallQueries = 100;

    @Option(names = "--bundle", paramLabel = "DIR", description = "A 512-dimensional bundle (default: a random ViT-B/32 written to --work).")
    Path bundle;

    @Option(names = "--work", paramLabel = "DIR", description = "Folder for the bundle and the Solr home (default: ${DEFAULT-VALUE}).")
    Path work = Path.of("work", "bench-solr");

    @Option(names = "--out", paramLabel = "FILE", description = "Also write the report as Markdown.")
    Path outFile;

    private final PrintWriter out;
    private final PrintWriter err;

    @Inject
    Solr(@Named("out") PrintWriter out, @Named("err") PrintWriter err) {
      this.out = out;
      this.err = err;
    }

    @Override
    public Integer call() throws Exception {
      List<Integer> sorted = sizes.stream().sorted().toList();
      SolrBenchmark.Settings s = new SolrBenchmark.Settings(sorted, 512, queries, warmup, recallQueries, 2000, bundle, work);
      String md =
          new SolrBenchmark(
                  s,
                  line -> {
                    err.println(line);
                    err.flush();
                  })
              .run();
      out.println(md);
      out.flush();
      if (outFile != null) {
        AtomicFiles.writeString(outFile, md);
      }
      return 0;
    }
  }

  @Command(
      name = "load",
      mixinStandardHelpOptions = true,
      description = {
        "Concurrent clients sending {!cir} queries to a running Solr (cir solr) for a fixed time: errors,",
        "p50 / p99 latency, throughput, and the Solr process's resident memory every second."
      })
  static final class Load implements Callable<Integer> {
    @Option(names = "--solr", required = true, paramLabel = "URL", description = "Solr base URL.")
    String solr;

    @Option(names = "--collection", paramLabel = "C", description = "Collection (default: ${DEFAULT-VALUE}).")
    String collection = "cir";

    @Option(names = "--clients", paramLabel = "N", description = "Concurrent clients (default: ${DEFAULT-VALUE}).")
    int clients = 16;

    @Option(names = "--seconds", paramLabel = "S", description = "Duration (default: ${DEFAULT-VALUE}).")
    int seconds = 60;

    @Option(names = "--pid", paramLabel = "PID", description = "The Solr process, whose RSS is sampled.")
    long pid;

    @Option(names = "--words", split = ",", paramLabel = "W", description = "Caption words (default: the demo's).")
    List<String> words = List.of("make", "it", "blue", "red", "green", "a", "circle", "square", "triangle", "cross");

    @Option(names = "--out", paramLabel = "FILE", description = "Also write the report as Markdown.")
    Path outFile;

    private final PrintWriter out;
    private final PrintWriter err;

    @Inject
    Load(@Named("out") PrintWriter out, @Named("err") PrintWriter err) {
      this.out = out;
      this.err = err;
    }

    @Override
    public Integer call() throws Exception {
      if (clients < 1 || seconds < 1) {
        throw new IllegalArgumentException("--clients and --seconds must be at least 1");
      }
      String md =
          new LoadTest(
                  new LoadTest.Settings(solr, collection, clients, seconds, pid, words),
                  line -> {
                    err.println(line);
                    err.flush();
                  })
              .run();
      out.println(md);
      out.flush();
      if (outFile != null) {
        AtomicFiles.writeString(outFile, md);
      }
      return 0;
    }
  }
}
