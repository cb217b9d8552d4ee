package dev.cir.cli;

import dev.cir.clip.bundle.BundleManifest;
import dev.cir.clip.bundle.ModelBundle;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "info",
    mixinStandardHelpOptions = true,
    description = "Describe a model bundle: architecture, dimensions, preprocessing, files and provenance.")
final class InfoCommand implements Callable<Integer> {
  @Option(names = "--model", required = true, paramLabel = "DIR", description = "The model bundle directory.")
  Path model;

  @Option(names = "--verify", description = "Recompute every file's checksum and compare it with bundle.json.")
  boolean verify;

  private final PrintWriter out;

  @Inject
  InfoCommand(@Named("out") PrintWriter out) {
    this.out = out;
  }

  @Override
  public Integer call() throws IOException {
    ModelBundle b = ModelBundle.open(model);
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
    if (verify) {
      b.verify();
      out.println("verified      every file matches its checksum");
    }
    out.flush();
    return 0;
  }
}
