package dev.cir.cli;

import dev.cir.bench.EncoderBenchmark;
import dev.cir.bench.LoadBenchmark;
import dev.cir.bench.LoadTest;
import dev.cir.bench.SolrBenchmark;
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
    subcommands = {BenchCommand.Encode.class, BenchCommand.Eval.class, BenchCommand.Solr.class, BenchCommand.Load.class, BenchCommand.Train.class,
        BenchCommand.Images.class})
final class BenchCommand implements Runnable {
  /** Triplets of the benchmarks' synthetic dataset (its test split is the default dataset's). */
  static final int BENCH_SIZE = 5000;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a benchmark is required: encode, eval, solr, load, train or images");
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
      name = "eval",
      mixinStandardHelpOptions = true,
      description = {
        "The four retrieval modes (image only, text only, sum, Combiner) of a random-weight tiny bundle on the",
        "synthetic dataset's test split, with gallery and query speed: the floor every trained model must beat."
      })
  static final class Eval implements Callable<Integer> {
    @Option(names = "--work", paramLabel = "DIR", description = "Folder for the dataset and the bundle (default: ${DEFAULT-VALUE}).")
    Path work = Path.of("work", "bench-eval");

    @Option(names = "--size", paramLabel = "N", description = "Triplets of the synthetic dataset (default: ${DEFAULT-VALUE}).")
    int size = BENCH_SIZE;

    @Option(names = "--seed", paramLabel = "S", description = "Seed of the dataset and the weights (default: ${DEFAULT-VALUE}).")
    long seed = 0;

    @Option(names = "--out", paramLabel = "FILE", description = "Also write the report as Markdown.")
    Path outFile;

    private final PrintWriter out;

    @Inject
    Eval(@Named("out") PrintWriter out) {
      this.out = out;
    }

    @Override
    public Integer call() throws IOException {
      Path data = work.resolve("synth-" + size + "-" + seed);
      if (!java.nio.file.Files.isDirectory(data.resolve("test"))) {
        dev.cir.eval.synth.SyntheticDataset.generate(
                dev.cir.eval.synth.SyntheticDataset.Options.defaults().withSize(size).withSeed(seed))
            .writeTo(data);
      }
      dev.cir.eval.data.JsonlReader reader = new dev.cir.eval.data.JsonlReader(data);
      dev.cir.clip.text.CaptionVocabulary vocab =
          dev.cir.clip.text.CaptionVocabulary.builder().build(dev.cir.eval.data.DatasetTexts.of(reader, "train"));
      Path tokenizer = work.resolve("tokenizer.json");
      vocab.writeTokenizerJson(tokenizer);
      dev.cir.clip.model.ClipConfig config = dev.cir.clip.model.ClipConfig.tiny(vocab.size());
      Path bundleDir = work.resolve("random-tiny-" + seed);
      dev.cir.clip.bundle.ModelBundle bundle =
          dev.cir.clip.bundle.BundleWriter.writeRandom(bundleDir, "tiny", config, tokenizer, true, seed, java.util.Map.of("created_by", "cir bench eval"));
      try (dev.cir.clip.encoder.CirEncoder enc =
          dev.cir.clip.encoder.CirEncoder.open(bundle, dev.cir.clip.encoder.EncoderOptions.defaults())) {
        dev.cir.eval.validate.DatasetValidation.Outcome o =
            new dev.cir.eval.validate.DatasetValidation(enc, null, dev.cir.eval.progress.ProgressReporter.console(System.err))
                .run(
                    dev.cir.eval.validate.DatasetValidation.Kind.JSONL, data, "test", List.of(),
                    dev.cir.eval.validate.CompositionEvaluator.availableModes(enc), null);
        StringBuilder md = new StringBuilder();
        md.append(String.format(java.util.Locale.ROOT,
            "Synthetic dataset: %d triplets, seed %d; test split: %d queries, gallery of %d images. Bundle: %s, random"
                + " weights (seed %d).%n%n", size, seed, o.queries(), o.galleryImages(), config, seed));
        md.append("| mode | R@1 | R@5 | R@10 | R@50 | Rsubset@1 | Rsubset@2 | Rsubset@3 |\n|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (var e : o.reports().entrySet()) {
          var m = e.getValue().metrics();
          md.append(String.format(java.util.Locale.ROOT, "| %s | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f |%n",
              e.getKey().id(), m.get("recall@1"), m.get("recall@5"), m.get("recall@10"), m.get("recall@50"),
              m.get("recall_subset@1"), m.get("recall_subset@2"), m.get("recall_subset@3")));
        }
        md.append(String.format(java.util.Locale.ROOT,
            "%nSpeed: gallery %.1f images/s (decode, preprocess, encode), queries %.1f/s (text encoding, fusion, ranking).%n"
                + "Machine: %s%n", o.galleryImagesPerSecond(), o.queriesPerSecond(), dev.cir.bench.MachineDescription.describe()));
        out.print(md);
        out.flush();
        if (outFile != null) {
          AtomicFiles.writeString(outFile, md.toString());
        }
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

    @Option(names = "--recall-topk", split = ",", paramLabel = "K[,K...]",
        description = "Candidate counts whose recall@10 (and {!knn} latency) is measured; the configset's defaultTopK always is (default: ${DEFAULT-VALUE}).")
    List<Integer> recallTopK = List.of(10, 100, 200, 400, 600, 1000);

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
      java.util.TreeSet<Integer> topK = new java.util.TreeSet<>(recallTopK);
      topK.add(SolrBenchmark.DEFAULT_TOP_K);
      SolrBenchmark.Settings s =
          new SolrBenchmark.Settings(sorted, 512, queries, warmup, recallQueries, List.copyOf(topK), 2000, bundle, work);
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
        "Concurrent clients sending {!cir} queries for a fixed time: queries/s, p50 / p99 latency, errors, the text",
        "tower's mean batch and the resident memory every second. Without --solr: a Solr of its own in this process for",
        "each --max-batch, every --clients count in turn, new captions only, against the ceiling of this machine's",
        "float32 GEMM rate. With --solr: one run against that Solr (cir solr)."
      })
  static final class Load implements Callable<Integer> {
    @Option(names = "--solr", paramLabel = "URL", description = "A running Solr's base URL (default: start one per --max-batch).")
    String solr;

    @Option(names = "--collection", paramLabel = "C", description = "Collection, with --solr (default: ${DEFAULT-VALUE}).")
    String collection = "cir";

    @Option(names = "--clients", split = ",", paramLabel = "N[,N...]", description = "Concurrent clients, each count in turn (default: ${DEFAULT-VALUE}).")
    List<Integer> clients = List.of(1, 16);

    @Option(names = "--max-batch", split = ",", paramLabel = "N[,N...]",
        description = "Without --solr: the maxBatch of each Solr started, 1 being no batching (default: ${DEFAULT-VALUE}).")
    List<Integer> maxBatch = List.of(1, dev.cir.clip.encoder.EncoderOptions.DEFAULT_MAX_BATCH);

    @Option(names = "--seconds", paramLabel = "S", description = "Duration of each run (default: ${DEFAULT-VALUE}).")
    int seconds = 60;

    @Option(names = "--warmup", paramLabel = "S", description = "Without --solr: untimed seconds at the most clients first (default: ${DEFAULT-VALUE}).")
    int warmup = 10;

    @Option(names = "--bundle", paramLabel = "DIR", description = "Without --solr: a bundle with a Combiner (default: a random ViT-B/32 written to --work).")
    Path bundle;

    @Option(names = "--work", paramLabel = "DIR", description = "Folder for the random bundle (default: ${DEFAULT-VALUE}).")
    Path work = Path.of("work", "bench-solr");

    @Option(names = "--docs", paramLabel = "N", description = "Without --solr: documents indexed, random raw features (default: ${DEFAULT-VALUE}).")
    int docs = 10_000;

    @Option(names = "--predictors", paramLabel = "N", description = "Without --solr: forward passes at once, of any tower (default: the number of cores).")
    int predictors = Runtime.getRuntime().availableProcessors();

    @Option(names = "--pid", paramLabel = "PID", description = "With --solr: the Solr process, whose RSS is sampled.")
    long pid;

    @Option(names = "--new-captions", description = "With --solr: every caption new (by default a third repeat, as real traffic does).")
    boolean newCaptions;

    @Option(names = "--words", split = ",", paramLabel = "W", description = "With --solr: caption words (default: the demo's).")
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
      if (clients.stream().anyMatch(c -> c < 1) || seconds < 1 || maxBatch.stream().anyMatch(m -> m < 1)) {
        throw new IllegalArgumentException("--clients, --max-batch and --seconds must be at least 1");
      }
      java.util.function.Consumer<String> progress =
          line -> {
            err.println(line);
            err.flush();
          };
      String md;
      if (solr != null) {
        StringBuilder b = new StringBuilder();
        for (int c : clients) {
          b.append(LoadTest.markdown(new LoadTest(new LoadTest.Settings(solr, collection, c, seconds, pid, words, newCaptions), progress).run()))
              .append('\n');
        }
        md = b.toString();
      } else {
        md = new LoadBenchmark(new LoadBenchmark.Settings(bundle, work, maxBatch, clients, seconds, warmup, docs, predictors), progress).run();
      }
      out.println(md);
      out.flush();
      if (outFile != null) {
        AtomicFiles.writeString(outFile, md);
      }
      return 0;
    }
  }

  @Command(
      name = "train",
      mixinStandardHelpOptions = true,
      description = {
        "Training speed, in one run on the synthetic dataset: a Combiner epoch on cached features against the same",
        "epoch recomputing the frozen CLIP features of every batch (CLIP4Cir's way), and one stage-1 update at",
        "full ViT-B/32 size."
      })
  static final class Train implements Callable<Integer> {
    @Option(names = "--work", paramLabel = "DIR", description = "Folder for the dataset and the bundle (default: ${DEFAULT-VALUE}).")
    Path work = Path.of("work", "bench-train");

    @Option(names = "--size", paramLabel = "N", description = "Triplets of the synthetic dataset (default: ${DEFAULT-VALUE}).")
    int size = BENCH_SIZE;

    @Option(names = "--seed", paramLabel = "S", description = "Seed of the dataset and the weights (default: ${DEFAULT-VALUE}).")
    long seed = 0;

    @Option(names = "--combiner-batch", paramLabel = "B", description = "Combiner batch size (default: ${DEFAULT-VALUE}).")
    int combinerBatch = 128;

    @Option(names = "--stage1-arch", paramLabel = "NAME", description = "Architecture of the stage-1 update (default: ${DEFAULT-VALUE}).")
    String stage1Arch = "ViT-B/32";

    @Option(names = "--stage1-batch", paramLabel = "B", description = "Stage-1 batch size (default: ${DEFAULT-VALUE}).")
    int stage1Batch = 32;

    @Option(names = "--stage1-runs", paramLabel = "N", description = "Timed stage-1 updates after one warm-up (default: ${DEFAULT-VALUE}).")
    int stage1Runs = 3;

    @Option(names = "--out", paramLabel = "FILE", description = "Also write the report as Markdown.")
    Path outFile;

    private final PrintWriter out;
    private final PrintWriter err;

    @Inject
    Train(@Named("out") PrintWriter out, @Named("err") PrintWriter err) {
      this.out = out;
      this.err = err;
    }

    @Override
    public Integer call() throws IOException {
      dev.cir.bench.TrainingBenchmark.Report r =
          dev.cir.bench.TrainingBenchmark.run(
              new dev.cir.bench.TrainingBenchmark.Settings(work, size, seed, combinerBatch, stage1Batch, stage1Runs, stage1Arch),
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
      name = "images",
      mixinStandardHelpOptions = true,
      description = {
        "The streamed training-image pipeline (train clip --image-cache none): images/s from files to batches of",
        "model inputs with each number of decode workers, for each JSONL dataset's training images at their own size."
      })
  static final class Images implements Callable<Integer> {
    @Option(names = "--root", required = true, split = ",", paramLabel = "DIR[,DIR...]", description = "JSONL datasets (cir dataset synth --image-size PX).")
    List<Path> roots;

    @Option(names = "--workers", split = ",", paramLabel = "N[,N...]", description = "Decode workers, each count in turn (default: 1 and the number of cores).")
    List<Integer> workers = List.of(1, Runtime.getRuntime().availableProcessors());

    @Option(names = "--images", paramLabel = "N", description = "Images per measurement (default: ${DEFAULT-VALUE}).")
    int images = 4096;

    @Option(names = "--batch", paramLabel = "N", description = "Images per batch (default: ${DEFAULT-VALUE}).")
    int batch = 64;

    @Option(names = "--out", paramLabel = "FILE", description = "Also write the report as Markdown.")
    Path outFile;

    private final PrintWriter out;
    private final PrintWriter err;

    @Inject
    Images(@Named("out") PrintWriter out, @Named("err") PrintWriter err) {
      this.out = out;
      this.err = err;
    }

    @Override
    public Integer call() throws IOException {
      String md =
          dev.cir.bench.ImagePipelineBenchmark.run(
              new dev.cir.bench.ImagePipelineBenchmark.Settings(roots, workers, images, batch),
              line -> {
                err.println(line);
                err.flush();
              });
      out.println(md);
      out.flush();
      if (outFile != null) {
        AtomicFiles.writeString(outFile, md);
      }
      return 0;
    }
  }
}
