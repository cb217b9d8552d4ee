package dev.cir.bench;

import dev.cir.clip.io.AtomicFiles;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Benchmarks, each measured in one run against a baseline on the same machine.",
    subcommands = {BenchCommand.Encode.class, BenchCommand.Eval.class, BenchCommand.Solr.class, BenchCommand.Load.class, BenchCommand.Train.class,
        BenchCommand.Images.class})
public final class BenchCommand implements Runnable {
  /** Triplets of the benchmarks' synthetic dataset (its test split is the default dataset's). */
  static final int BENCH_SIZE = 5000;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a benchmark is required: encode, eval, solr, load, train or images");
  }

  /**
   * A benchmark subcommand: measures, prints its Markdown report on stdout (progress on stderr) and,
   * with {@code --out}, writes it to a file, or into a folder as a dated file of its own.
   */
  abstract static class Bench implements Callable<Integer> {
    @Option(names = "--out", paramLabel = "FILE|DIR",
        description = "Also write the report as Markdown: to FILE, or into the folder DIR as YYYY-MM-DD-bench-NAME.md (a new file for each run).")
    Path outFile;

    final PrintWriter out;
    final PrintWriter err;
    private final String name;

    Bench(PrintWriter out, PrintWriter err, String name) {
      this.out = out;
      this.err = err;
      this.name = name;
    }

    /** Runs the benchmark, reporting progress line by line; returns the Markdown report. */
    abstract String measure(Consumer<String> progress) throws Exception;

    @Override
    public final Integer call() throws Exception {
      String md =
          measure(
              line -> {
                err.println(line);
                err.flush();
              });
      out.println(md);
      out.flush();
      if (outFile != null) {
        Path file = reportFile(outFile, name, LocalDate.now(ZoneOffset.UTC));
        AtomicFiles.writeString(file, md.endsWith("\n") ? md : md + "\n");
        err.println("wrote " + file);
        err.flush();
      }
      return 0;
    }
  }

  /**
   * Where a report goes: {@code out} itself, or, when {@code out} is a folder, {@code
   * DATE-bench-NAME.md} in it ({@code -2}, {@code -3}, ... when the day already has one).
   */
  static Path reportFile(Path out, String name, LocalDate date) {
    if (!Files.isDirectory(out)) {
      return out;
    }
    String stem = date + "-bench-" + name;
    Path file = out.resolve(stem + ".md");
    for (int n = 2; Files.exists(file); n++) {
      file = out.resolve(stem + "-" + n + ".md");
    }
    return file;
  }

  @Command(
      name = "encode",
      mixinStandardHelpOptions = true,
      description = {
        "Image throughput and caption latency of full-size CLIP towers with random weights, against this",
        "machine's float32 matrix-multiply rate through the same engine."
      })
  static final class Encode extends Bench {
    @Option(names = "--models", split = ",", paramLabel = "ARCH", description = "Architectures (default: ${DEFAULT-VALUE}).")
    List<String> models = List.of("ViT-B/32", "RN50x4");

    @Option(names = "--batches", split = ",", paramLabel = "N", description = "Image batch sizes (default: ${DEFAULT-VALUE}).")
    int[] batches = {8, 32};

    @Option(names = "--image-runs", paramLabel = "N", description = "Timed batches per size (default: ${DEFAULT-VALUE}).")
    int imageRuns = 5;

    @Option(names = "--text-runs", paramLabel = "N", description = "Timed captions per length (default: ${DEFAULT-VALUE}).")
    int textRuns = 60;

    @Option(names = "--text-batches", split = ",", paramLabel = "N", description = "Captions encoded in one pass (default: ${DEFAULT-VALUE}).")
    int[] textBatches = {1};

    @Option(
        names = "--precision",
        split = ",",
        paramLabel = "P",
        description = {
          "float32 and/or bf16, each measured in this run; the first is the baseline of the speed ratios, and bf16's",
          "features are compared to float32's on the same inputs (default: ${DEFAULT-VALUE})."
        })
    List<String> precisions = List.of("float32");

    @Option(
        names = "--passes",
        split = ",",
        paramLabel = "P",
        description = {
          "fused and/or ops, each measured for every precision: fused runs each transformer in one TorchScript call on",
          "prepacked weights (what cir solr, cir index and cir embed run on a CPU), ops every operation through DJL one by",
          "one; the first is the baseline's (default: ${DEFAULT-VALUE})."
        })
    List<String> passes = List.of("fused");

    @Option(
        names = "--bundle",
        paramLabel = "DIR",
        description = "With --data and bf16 among --precision: a trained bundle whose retrieval is compared across precisions.")
    Path bundle;

    @Option(names = "--data", paramLabel = "DIR", description = "A JSONL dataset (cir dataset synth) for --bundle: its images are the gallery, its test triplets the queries.")
    Path data;

    @Option(names = "--gallery", paramLabel = "N", description = "Gallery size of the --bundle comparison (default: ${DEFAULT-VALUE}).")
    int gallery = 10_000;

    @Option(names = "--queries", paramLabel = "N", description = "Queries of the --bundle comparison (default: ${DEFAULT-VALUE}).")
    int queries = 1000;

    @Inject
    Encode(@Named("out") PrintWriter out, @Named("err") PrintWriter err) {
      super(out, err, "encode");
    }

    @Override
    String measure(Consumer<String> progress) {
      List<dev.cir.clip.model.Precision> ps = precisions.stream().map(dev.cir.clip.model.Precision::parse).distinct().toList();
      List<EncoderBenchmark.Passes> pass = passes.stream().map(EncoderBenchmark.Passes::parse).distinct().toList();
      EncoderBenchmark.Settings s =
          new EncoderBenchmark.Settings(models, Arrays.copyOf(batches, batches.length), imageRuns, textRuns, 2048, textBatches, ps, pass);
      if ((bundle == null) != (data == null)) {
        throw new IllegalArgumentException("--bundle and --data go together");
      }
      String md = EncoderBenchmark.run(s, progress).toMarkdown();
      if (bundle != null) {
        for (dev.cir.clip.model.Precision p : ps) {
          if (p != dev.cir.clip.model.Precision.FLOAT32) {
            md += PrecisionFidelity.run(bundle, data, gallery, queries, p, progress).toMarkdown();
          }
        }
      }
      return md;
    }
  }

  @Command(
      name = "eval",
      mixinStandardHelpOptions = true,
      description = {
        "The four retrieval modes (image only, text only, sum, Combiner) of a random-weight tiny bundle on the",
        "synthetic dataset's test split, with gallery and query speed: the floor every trained model must beat."
      })
  static final class Eval extends Bench {
    @Option(names = "--work", paramLabel = "DIR", description = "Folder for the dataset and the bundle (default: ${DEFAULT-VALUE}).")
    Path work = Path.of("work", "bench-eval");

    @Option(names = "--size", paramLabel = "N", description = "Triplets of the synthetic dataset (default: ${DEFAULT-VALUE}).")
    int size = BENCH_SIZE;

    @Option(names = "--seed", paramLabel = "S", description = "Seed of the dataset and the weights (default: ${DEFAULT-VALUE}).")
    long seed = 0;

    @Inject
    Eval(@Named("out") PrintWriter out, @Named("err") PrintWriter err) {
      super(out, err, "eval");
    }

    @Override
    String measure(Consumer<String> progress) throws IOException {
      return EvalBenchmark.run(work, size, seed);
    }
  }

  @Command(
      name = "solr",
      mixinStandardHelpOptions = true,
      description = {
        "{!cir} against {!knn} on the same vectors in a real Solr with the cir configset: p50 / p99 latency,",
        "the overhead against the text-encoding time, and HNSW recall@10 against exact search."
      })
  static final class Solr extends Bench {
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

    @Option(names = "--vector-format", split = ",", paramLabel = "F[,F...]",
        description = "Compare the vector formats (float, int8, int4) instead: the same vectors and queries in a Solr of each, index time,"
            + " segments, hot and on-disk bytes, recall@10 and p50 per --recall-topk for {!knn} and for {!cir} (rescored).")
    List<String> vectorFormats;

    @Option(names = "--optimize",
        description = "With --vector-format: after each size is measured, forceMerge the index to one segment, time it, and measure again.")
    boolean optimize;

    @Option(names = "--hnsw-max-connections", paramLabel = "M", description = "With --vector-format: the graph's hnswMaxConnections (default: ${DEFAULT-VALUE}).")
    int hnswMaxConnections = dev.cir.solr.config.CirConfigset.Settings.DEFAULT_MAX_CONNECTIONS;

    @Option(names = "--hnsw-beam-width", paramLabel = "B", description = "With --vector-format: the graph's hnswBeamWidth (default: ${DEFAULT-VALUE}).")
    int hnswBeamWidth = dev.cir.solr.config.CirConfigset.Settings.DEFAULT_BEAM_WIDTH;

    @Inject
    Solr(@Named("out") PrintWriter out, @Named("err") PrintWriter err) {
      super(out, err, "solr");
    }

    @Override
    String measure(Consumer<String> progress) throws Exception {
      List<Integer> sorted = sizes.stream().sorted().toList();
      java.util.TreeSet<Integer> topK = new java.util.TreeSet<>(recallTopK);
      topK.add(SolrBenchmark.DEFAULT_TOP_K);
      if (vectorFormats != null && !vectorFormats.isEmpty()) {
        List<dev.cir.solr.codec.VectorFormat> formats = vectorFormats.stream().map(dev.cir.solr.codec.VectorFormat::parse).toList();
        return new VectorFormatBenchmark(
                new VectorFormatBenchmark.Settings(sorted, formats, 512, recallQueries, warmup, List.copyOf(new java.util.TreeSet<>(recallTopK)), 2000, bundle, work,
                    optimize, hnswMaxConnections, hnswBeamWidth), progress)
            .run();
      }
      if (optimize || hnswMaxConnections != dev.cir.solr.config.CirConfigset.Settings.DEFAULT_MAX_CONNECTIONS
          || hnswBeamWidth != dev.cir.solr.config.CirConfigset.Settings.DEFAULT_BEAM_WIDTH) {
        throw new IllegalArgumentException("--optimize, --hnsw-max-connections and --hnsw-beam-width go with --vector-format");
      }
      SolrBenchmark.Settings s =
          new SolrBenchmark.Settings(sorted, 512, queries, warmup, recallQueries, List.copyOf(topK), 2000, bundle, work);
      return new SolrBenchmark(s, progress).run();
    }
  }

  @Command(
      name = "load",
      mixinStandardHelpOptions = true,
      description = {
        "Concurrent clients sending {!cir} queries for a fixed time: queries/s, p50 / p99 latency, errors, the text",
        "tower's mean batch and the resident memory every second. Without --solr: a Solr of its own in this process for",
        "each --max-batch, every --clients count in turn (the Solrs taking turns, --slice), new captions only, against the ceiling of this machine's",
        "float32 GEMM rate. With --solr: one run against that Solr (cir solr)."
      })
  static final class Load extends Bench {
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

    @Option(names = "--warmup", paramLabel = "S",
        description = "Without --solr: untimed seconds at the most clients first, at least; the warm-up goes on 5 s at a time until the JIT"
            + " compilers take at most 5%% of the clock in two slices in a row (default: ${DEFAULT-VALUE}).")
    int warmup = 10;

    @Option(names = "--warmup-max", paramLabel = "S", description = "Without --solr: the longest warm-up of each Solr (default: ${DEFAULT-VALUE}).")
    int warmupMax = 300;

    @Option(names = "--slice", paramLabel = "S",
        description = "Without --solr: the Solrs of every setting (all started first) take turns at each client count, S seconds at a time,"
            + " until each has had --seconds, so the shared machine's drift falls on all alike; 0 runs each Solr's rows in one go, one Solr"
            + " after another (default: ${DEFAULT-VALUE}).")
    int slice = 10;

    @Option(names = "--bundle", paramLabel = "DIR", description = "Without --solr: a bundle with a Combiner (default: a random ViT-B/32 written to --work).")
    Path bundle;

    @Option(names = "--work", paramLabel = "DIR", description = "Folder for the random bundle (default: ${DEFAULT-VALUE}).")
    Path work = Path.of("work", "bench-solr");

    @Option(names = "--docs", paramLabel = "N", description = "Without --solr: documents indexed, random raw features (default: ${DEFAULT-VALUE}).")
    int docs = 10_000;

    @Option(names = "--predictors", paramLabel = "N", description = "Without --solr: forward passes at once, of any tower (default: the number of cores).")
    int predictors = Runtime.getRuntime().availableProcessors();

    @Option(names = "--precision", split = ",", paramLabel = "P[,P...]",
        description = "Without --solr: the bundle's precision in each Solr started, float32 and/or bf16 (default: ${DEFAULT-VALUE}).")
    List<String> precision = List.of("float32");

    @Option(names = "--passes", split = ",", paramLabel = "P[,P...]",
        description = "Without --solr: the bundle's passes in each Solr started, fused and/or ops (default: ${DEFAULT-VALUE}).")
    List<String> passes = List.of("fused");

    @Option(names = "--pid", paramLabel = "PID", description = "With --solr: the Solr process, whose RSS is sampled.")
    long pid;

    @Option(names = "--new-captions", description = "With --solr: every caption new (by default a third repeat, as real traffic does).")
    boolean newCaptions;

    @Option(names = "--words", split = ",", paramLabel = "W", description = "With --solr: caption words (default: the demo's).")
    List<String> words = List.of("make", "it", "blue", "red", "green", "a", "circle", "square", "triangle", "cross");

    @Inject
    Load(@Named("out") PrintWriter out, @Named("err") PrintWriter err) {
      super(out, err, "load");
    }

    @Override
    String measure(Consumer<String> progress) throws Exception {
      if (clients.stream().anyMatch(c -> c < 1) || seconds < 1 || maxBatch.stream().anyMatch(m -> m < 1)) {
        throw new IllegalArgumentException("--clients, --max-batch and --seconds must be at least 1");
      }
      if (slice < 0) {
        throw new IllegalArgumentException("--slice must be 0 (one Solr after another) or at least 1 second, got " + slice);
      }
      String md;
      if (solr != null) {
        StringBuilder b = new StringBuilder();
        for (int c : clients) {
          b.append(LoadTest.markdown(new LoadTest(new LoadTest.Settings(solr, collection, c, seconds, pid, words, newCaptions), progress).run()))
              .append('\n');
        }
        md = b.toString();
      } else {
        md = new LoadBenchmark(new LoadBenchmark.Settings(bundle, work, maxBatch, clients, seconds, warmup, Math.max(warmup, warmupMax), docs, predictors, precision.stream().map(dev.cir.clip.model.Precision::parse).distinct().toList(),
            passes.stream().map(EncoderBenchmark.Passes::parse).distinct().toList(), slice), progress).run();
      }
      return md;
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
  static final class Train extends Bench {
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

    @Inject
    Train(@Named("out") PrintWriter out, @Named("err") PrintWriter err) {
      super(out, err, "train");
    }

    @Override
    String measure(Consumer<String> progress) throws IOException {
      return TrainingBenchmark.run(
              new TrainingBenchmark.Settings(work, size, seed, combinerBatch, stage1Batch, stage1Runs, stage1Arch), progress)
          .toMarkdown();
    }
  }

  @Command(
      name = "images",
      mixinStandardHelpOptions = true,
      description = {
        "The streamed training-image pipeline (train clip --image-cache none): images/s from files to batches of",
        "model inputs with each number of decode workers, for each JSONL dataset's training images at their own size,",
        "against the images/s that stage-1 updates of the tiny architecture consume at that size."
      })
  static final class Images extends Bench {
    @Option(names = "--root", required = true, split = ",", paramLabel = "DIR[,DIR...]", description = "JSONL datasets (cir dataset synth --image-size PX).")
    List<Path> roots;

    @Option(names = "--workers", split = ",", paramLabel = "N[,N...]", description = "Decode workers, each count in turn (default: 1 and the number of cores).")
    List<Integer> workers = List.of(1, Runtime.getRuntime().availableProcessors());

    @Option(names = "--images", paramLabel = "N", description = "Images per measurement (default: ${DEFAULT-VALUE}).")
    int images = 4096;

    @Option(names = "--batch", paramLabel = "N", description = "Images per batch (default: ${DEFAULT-VALUE}).")
    int batch = 64;

    @Option(names = "--model-batch", paramLabel = "N",
        description = "Queries per stage-1 update when timing what the tiny model consumes (default: ${DEFAULT-VALUE}, the tiny recipe's).")
    int modelBatch = dev.cir.train.TrainingPresets.tinySynthetic().composed().batchSize();

    @Option(names = "--updates", paramLabel = "N", description = "Timed stage-1 updates per image size (default: ${DEFAULT-VALUE}).")
    int updates = 5;

    @Inject
    Images(@Named("out") PrintWriter out, @Named("err") PrintWriter err) {
      super(out, err, "images");
    }

    @Override
    String measure(Consumer<String> progress) throws IOException {
      return ImagePipelineBenchmark.run(new ImagePipelineBenchmark.Settings(roots, workers, images, batch, modelBatch, updates), progress);
    }
  }
}
