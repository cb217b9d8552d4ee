package dev.cir.cli;

import dev.cir.eval.synth.SyntheticDataset;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "dataset",
    mixinStandardHelpOptions = true,
    description = "Datasets made here.",
    subcommands = {DatasetCommand.Synth.class})
final class DatasetCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a dataset is required: synth");
  }

  @Command(
      name = "synth",
      mixinStandardHelpOptions = true,
      description = {
        "Write the synthetic composed-retrieval dataset in the JSONL format: scenes of 1-3 shapes, captions,",
        "edit triplets with exactly one target, metadata for filters, and train/val/test splits.",
        "The same seed writes the same files."
      })
  static final class Synth implements Callable<Integer> {
    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder (must be empty or absent).")
    Path out;

    @Option(names = "--size", paramLabel = "N", description = "Number of triplets (default: ${DEFAULT-VALUE}).")
    int size = SyntheticDataset.DEFAULT_SIZE;

    @Option(names = "--seed", paramLabel = "S", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed = SyntheticDataset.DEFAULT_SEED;

    @Option(names = "--image-size", paramLabel = "PX", description = "Image side in pixels (default: ${DEFAULT-VALUE}).")
    int imageSize = SyntheticDataset.DEFAULT_IMAGE_SIZE;

    @Option(names = "--held-out", paramLabel = "N", description = "Triplets of val and of test each (default: a tenth of --size each, at most 500). The same seed and --held-out give the same val and test splits whatever --size.")
    int heldOut;

    private final PrintWriter stdout;

    @Inject
    Synth(@Named("out") PrintWriter stdout) {
      this.stdout = stdout;
    }

    @Override
    public Integer call() throws IOException {
      long t = System.nanoTime();
      SyntheticDataset.Summary s =
          SyntheticDataset.generate(SyntheticDataset.Options.defaults().withSize(size).withSeed(seed).withImageSize(imageSize).withHeldOut(heldOut))
              .writeTo(out);
      stdout.printf(Locale.ROOT, "wrote %s in %.1f s%n", s.root(), (System.nanoTime() - t) / 1e9);
      for (String split : s.triplets().keySet()) {
        stdout.printf(Locale.ROOT, "  %-5s %6d triplets %7d images%n", split, s.triplets().get(split), s.images().get(split));
      }
      stdout.flush();
      return 0;
    }
  }
}
