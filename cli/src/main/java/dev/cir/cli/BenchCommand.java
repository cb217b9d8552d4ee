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
    subcommands = {BenchCommand.Encode.class})
final class BenchCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a benchmark is required: encode");
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
}
