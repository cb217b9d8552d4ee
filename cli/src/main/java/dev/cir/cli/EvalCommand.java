package dev.cir.cli;

import dev.cir.clip.bundle.ModelBundle;
import dev.cir.clip.encoder.CirEncoder;
import dev.cir.clip.encoder.CombineMode;
import dev.cir.clip.encoder.EncoderOptions;
import dev.cir.clip.model.Precision;
import dev.cir.eval.data.FashionIqReader;
import dev.cir.eval.metrics.MetricsJson;
import dev.cir.eval.metrics.MetricsTable;
import dev.cir.eval.metrics.RecallReport;
import dev.cir.eval.progress.ProgressReporter;
import dev.cir.eval.validate.CompositionEvaluator;
import dev.cir.eval.validate.DatasetValidation;
import dev.cir.eval.validate.FeatureCache;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "eval",
    mixinStandardHelpOptions = true,
    description = {
      "Evaluate a bundle on FashionIQ, CIRR or a JSONL dataset with CLIP4Cir's metrics.",
      "Prints the metric table and writes it as JSON (metric name -> percent). Gallery features are cached",
      "on disk by bundle and image content, so a second run encodes only the queries. On CIRR's test1",
      "split, which has no targets, the two submission files are written next to --out."
    })
final class EvalCommand implements Callable<Integer> {
  @Option(names = "--model", required = true, paramLabel = "DIR", description = "Model bundle.")
  Path model;

  @Option(names = "--dataset", required = true, paramLabel = "NAME", description = "fashioniq, cirr or jsonl.")
  String dataset;

  @Option(names = "--root", required = true, paramLabel = "DIR", description = {
      "The dataset's folder: captions/, image_splits/ and images/ for FashionIQ; the folder holding cirr/",
      "and the image folders for CIRR; <split>/triplets.jsonl and images.jsonl for JSONL."})
  Path root;

  @Option(names = "--split", paramLabel = "NAME", description = "Split to evaluate (default: ${DEFAULT-VALUE}).")
  String split = "val";

  @Option(names = "--categories", split = ",", paramLabel = "CAT", description = "FashionIQ categories (default: dress,shirt,toptee).")
  List<String> categories = FashionIqReader.CATEGORIES;

  @Option(names = "--combine", split = ",", paramLabel = "MODE[,MODE...]", description = {
      "combiner, sum, image, text or inversion (zero-shot, a bundle with phi from cir train inversion), or several",
      "(--combine image,text,sum,inversion), or all: every mode the bundle can answer, one row each, the gallery",
      "encoded once (default: combiner when the bundle has one, else sum)."})
  List<String> combine;

  @Option(names = "--out", paramLabel = "FILE.json", description = "Write the metrics as JSON.")
  Path out;

  @Option(names = "--cache", paramLabel = "DIR", description = "Feature cache directory (default: ~/.cache/cir/features).")
  Path cache;

  @Option(names = "--no-cache", description = "Encode the gallery without reading or writing the cache.")
  boolean noCache;

  @Option(names = "--device", paramLabel = "DEVICE", description = "cpu, gpu, gpu:N or auto (default: ${DEFAULT-VALUE}).")
  String device = "cpu";

  @Option(names = "--precision", paramLabel = "P",
      description = "float32 (exact) or bf16: the products with weights in bfloat16, fast where the CPU has AVX512-BF16 or AMX (default: ${DEFAULT-VALUE}).")
  String precision = "float32";

  @Option(names = "--batch-size", paramLabel = "N", description = "Images per forward pass (default: ${DEFAULT-VALUE}).")
  int batchSize = 32;

  private final PrintWriter stdout;
  private final EncoderOptions defaults;

  @Inject
  EvalCommand(@Named("out") PrintWriter stdout, EncoderOptions defaults) {
    this.stdout = stdout;
    this.defaults = defaults;
  }

  @Override
  public Integer call() throws IOException {
    DatasetValidation.Kind kind = DatasetValidation.Kind.parse(dataset);
    ModelBundle bundle = ModelBundle.open(model);
    try (CirEncoder enc = CirEncoder.open(bundle, defaults.withDevice(device).withBatchSize(batchSize).withPrecision(Precision.parse(precision)))) {
      List<CombineMode> modes = modes(enc);
      FeatureCache featureCache =
          noCache
              ? null
              : new FeatureCache(
                  cache != null ? cache : CompositionEvaluator.defaultCacheDir(),
                  CompositionEvaluator.modelKey(
                      // bf16 features are not float32's: they never share cached features
                      enc.precision() == Precision.FLOAT32 ? bundle.fingerprint() : bundle.fingerprint() + "+" + enc.precision().label(),
                      bundle.manifest().preprocess(), bundle.manifest().targetRatio()));
      DatasetValidation.Outcome o =
          new DatasetValidation(enc, featureCache, ProgressReporter.console(System.err))
              .run(kind, root, split, categories, modes, out == null ? null : out.toAbsolutePath().getParent());
      if (!o.submissions().isEmpty()) {
        o.submissions().forEach(f -> stdout.println("wrote " + f));
      } else if (modes.size() == 1) {
        CombineMode mode = modes.get(0);
        RecallReport report = o.reports().get(mode);
        stdout.printf(Locale.ROOT, "%s %s, %s, %s%n", kind.id(), split, bundle.dir().getFileName(), mode.id());
        stdout.print(MetricsTable.format(report));
        if (out != null) {
          MetricsJson.write(report.metrics(), out);
        }
      } else {
        Map<String, Map<String, Double>> rows = new LinkedHashMap<>();
        modes.forEach(m -> rows.put(m.id(), o.reports().get(m).metrics()));
        stdout.printf(Locale.ROOT, "%s %s, %s%n", kind.id(), split, bundle.dir().getFileName());
        stdout.print(MetricsTable.formatRows("mode", rows));
        RecallReport first = o.reports().get(modes.get(0));
        stdout.printf(Locale.ROOT, "queries: %d%s%n", first.queries(),
            first.subsetQueries() > 0 ? String.format(Locale.ROOT, " (with members: %d)", first.subsetQueries()) : "");
        if (out != null) {
          MetricsJson.writeRows(rows, out);
        }
      }
      stdout.printf(
          Locale.ROOT, "gallery: %d images (%d encoded%s); queries: %d at %.1f/s%n", o.galleryImages(), o.encodedImages(),
          o.encodedImages() > 0 ? String.format(Locale.ROOT, ", %.1f images/s", o.galleryImagesPerSecond()) : ", the rest from the cache",
          o.queries(), o.queriesPerSecond());
      stdout.flush();
    }
    return 0;
  }

  /** The modes asked for, {@code all} expanded to those the bundle answers; a mode it cannot answer is refused. */
  private List<CombineMode> modes(CirEncoder enc) {
    if (combine == null || combine.isEmpty()) {
      return List.of(enc.hasCombiner() ? CombineMode.COMBINER : CombineMode.SUM);
    }
    Set<CombineMode> out = new LinkedHashSet<>();
    for (String c : combine) {
      if (c.trim().equalsIgnoreCase("all")) {
        out.addAll(List.of(CombineMode.IMAGE, CombineMode.TEXT, CombineMode.SUM));
        if (enc.hasCombiner()) {
          out.add(CombineMode.COMBINER);
        }
        if (enc.hasInversion()) {
          out.add(CombineMode.INVERSION);
        }
        continue;
      }
      CombineMode mode = CombineMode.parse(c.trim());
      if (mode == CombineMode.COMBINER && !enc.hasCombiner()) {
        throw new IllegalArgumentException(model + " has no Combiner; use --combine sum (or image, text)");
      }
      if (mode == CombineMode.INVERSION && !enc.hasInversion()) {
        throw new IllegalArgumentException(model + " has no inversion network; train one with 'cir train inversion', or use --combine sum");
      }
      out.add(mode);
    }
    return List.copyOf(out);
  }
}
