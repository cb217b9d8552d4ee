package dev.cir.cli;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.cir.cli.demo.DemoBackend;
import dev.cir.cli.demo.DemoSite;
import dev.cir.clip.bundle.BundleManifest;
import dev.cir.clip.bundle.ModelBundle;
import dev.cir.clip.encoder.CirEncoder;
import dev.cir.clip.encoder.CombineMode;
import dev.cir.clip.encoder.EncoderOptions;
import dev.cir.clip.io.AtomicFiles;
import dev.cir.eval.data.FashionIqReader;
import dev.cir.eval.metrics.ComparisonTable;
import dev.cir.eval.metrics.RecallReport;
import dev.cir.eval.progress.ProgressReporter;
import dev.cir.eval.synth.SyntheticDataset;
import dev.cir.eval.validate.CompositionEvaluator;
import dev.cir.eval.validate.DatasetValidation;
import dev.cir.eval.validate.FeatureCache;
import dev.cir.train.TrainingPreset;
import dev.cir.train.checkpoint.CheckpointStore;
import dev.cir.train.clip.ClipStart;
import dev.cir.train.clip.ClipTraining;
import dev.cir.train.combiner.CombinerTraining;
import dev.cir.train.data.TrainingData;
import dev.cir.train.inversion.InversionObjective;
import dev.cir.train.inversion.InversionTraining;
import dev.cir.train.loop.TrainingLoop;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The main job: composed image search end to end on data the command makes itself. It generates
 * the synthetic dataset, trains a tiny CLIP from scratch (captions objective), fine-tunes it
 * (CLIP4Cir stage 1), trains the Combiner (stage 2) and the inversion network φ of zero-shot
 * queries (on the gallery's images alone), prints the evaluation table, starts a real
 * Solr with the plugin, indexes the test gallery with its metadata and serves the search page.
 * Every step leaves its result in the work folder and is skipped when that result is there, so a
 * second run is ready in seconds and an interrupted one continues where it stopped.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Composed image search end to end, with nothing downloaded: generate the synthetic dataset, train a tiny",
      "CLIP from scratch (captions), fine-tune it (stage 1), train the Combiner (stage 2) and phi (zero-shot, on",
      "images alone), print the evaluation table, start Solr with the cir plugin, index the test gallery and",
      "serve the search page. Results stay in",
      "--work; a later run reuses them (delete a folder under --work/runs to retrain that stage). Stops on",
      "SIGTERM / Ctrl-C. With --model and --images: the same page over your bundle and images, no training."
    })
final class DemoCommand implements Callable<Integer> {
  /** Test triplets shown as one-click examples: the first of each kind of edit. */
  static final int EXAMPLES_PER_KIND = 1;

  @Option(names = "--work", paramLabel = "DIR", description = "Folder for the dataset, the models, the index (default: ${DEFAULT-VALUE}).")
  Path work = Path.of("work", "demo");

  @Option(names = "--port", paramLabel = "P", description = "Port of the web page on 127.0.0.1; 0 for any free port (default: ${DEFAULT-VALUE}).")
  int port = 8080;

  @Option(names = "--solr-port", paramLabel = "P", description = "Port of Solr on 127.0.0.1; 0 for any free port (default: ${DEFAULT-VALUE}).")
  int solrPort = 0;

  @ArgGroup(exclusive = false)
  OwnData own;

  static final class OwnData {
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Your bundle (with --images): no dataset, no training.")
    Path model;

    @Option(names = "--images", required = true, paramLabel = "DIR", description = "Your images, indexed with the bundle (with --model).")
    Path images;
  }

  @Option(names = "--size", paramLabel = "N", description = "Triplets of the synthetic dataset (default: ${DEFAULT-VALUE}).")
  int size = SyntheticDataset.DEFAULT_SIZE;

  @Option(names = "--seed", paramLabel = "S", description = "Seed of the dataset and the training runs (default: ${DEFAULT-VALUE}).")
  long seed = 0;

  @Option(names = "--captions-epochs", paramLabel = "N", description = "Epochs of the captions stage (default: cir train clip's).")
  Integer captionsEpochs;

  @Option(names = "--stage1-epochs", paramLabel = "N", description = "Epochs of stage 1 (default: cir train clip's).")
  Integer stage1Epochs;

  @Option(names = "--combiner-epochs", paramLabel = "N", description = "Epochs of stage 2 (default: cir train combiner's).")
  Integer combinerEpochs;

  @Option(names = "--inversion-epochs", paramLabel = "N", description = "Epochs of phi, the zero-shot inversion network (default: cir train inversion's).")
  Integer inversionEpochs;

  @Option(names = "--no-serve", description = "Stop after the evaluation table (no Solr, no page).")
  boolean noServe;

  private final PrintWriter out;

  @Inject
  DemoCommand(@Named("out") PrintWriter out) {
    this.out = out;
  }

  @Override
  public Integer call() throws Exception {
    long start = System.nanoTime();
    ModelBundle bundle;
    List<SolrIndexer.Image> gallery;
    List<DemoBackend.Example> examples;
    if (own != null) {
      bundle = ModelBundle.open(own.model);
      gallery = SolrIndexer.fromDirectory(own.images);
      examples = List.of();
    } else {
      Path data = dataset();
      TrainingData jsonl = new TrainingData(DatasetValidation.Kind.JSONL, data.toAbsolutePath().normalize(), FashionIqReader.CATEGORIES);
      Path captions = train("captions", "the captions stage: a tiny CLIP from random weights on image-caption pairs",
          "clip --arch tiny --objective captions", null, captionsEpochs, dir -> {
            ClipStart init = ClipStart.random("tiny", null, jsonl, dir.resolve("checkpoints").resolve("tokenizer.json"));
            TrainingPreset p = epochs(ClipTraining.defaults(ClipTraining.Objective.CAPTIONS, init), captionsEpochs);
            return ClipTraining.run(
                ClipTraining.Options.of(jsonl, ClipTraining.Objective.CAPTIONS, init, dir, p, seed, true, facts("clip", data)),
                progress(), log());
          });
      Path stage1 = train("stage1", "stage 1: both encoders fine-tuned on composed triplets (normalized sum)",
          "clip", captions, stage1Epochs, dir -> {
            ClipStart init = ClipStart.of(ModelBundle.open(captions));
            TrainingPreset p = epochs(ClipTraining.defaults(ClipTraining.Objective.COMPOSED, init), stage1Epochs);
            return ClipTraining.run(
                ClipTraining.Options.of(jsonl, ClipTraining.Objective.COMPOSED, init, dir, p, seed, true, facts("clip", data)),
                progress(), log());
          });
      Path stage2 = train("combiner", "stage 2: the Combiner on cached features of the frozen encoders",
          "combiner", stage1, combinerEpochs, dir -> {
            ModelBundle from = ModelBundle.open(stage1);
            TrainingPreset p = epochs(CombinerTraining.defaults(from), combinerEpochs);
            return CombinerTraining.run(
                CombinerTraining.Options.of(jsonl, from, dir, p, seed, true, facts("combiner", data)), progress(), log());
          });
      // φ for the fine-tuned encoders the index is made with: the page's zero-shot queries search the same index
      Path zeroShot = train("inversion", "zero-shot: the inversion network phi on the gallery's images alone (Pic2Word)",
          "inversion --objective images", stage2, inversionEpochs, dir -> {
            ModelBundle from = ModelBundle.open(stage2);
            TrainingPreset p = epochs(InversionTraining.defaults(from), inversionEpochs);
            return InversionTraining.run(
                InversionTraining.options(jsonl, from, InversionObjective.IMAGES, dir, p, seed, true, facts("inversion", data)),
                progress(), log());
          });
      bundle = ModelBundle.open(zeroShot);
      evaluation(data, ModelBundle.open(captions), bundle);
      gallery = SolrIndexer.fromJsonl(data, "test");
      examples = examples(data, gallery);
    }
    if (noServe) {
      out.printf(Locale.ROOT, "done in %.1f s%n", seconds(start));
      out.flush();
      return 0;
    }
    return serve(bundle, gallery, examples, start);
  }

  private Path dataset() throws IOException {
    Path data = work.resolve("data");
    if (Files.isRegularFile(data.resolve("test").resolve("triplets.jsonl"))) {
      note("dataset: reusing %s", data);
      return data;
    }
    Path partial = work.resolve("data.partial");
    CheckpointStore.deleteTree(partial);
    Files.createDirectories(work);
    note("dataset: generating %d synthetic triplets into %s", size, data);
    SyntheticDataset.generate(SyntheticDataset.Options.defaults().withSize(size).withSeed(seed)).writeTo(partial);
    Files.move(partial, data, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    return data;
  }

  /** One training stage, run in the folder it writes its bundle to. */
  private interface Stage {
    TrainingLoop.Result run(Path dir) throws Exception;
  }

  /**
   * Runs one training stage through the training library, unless its bundle is already there; an
   * interrupted stage continues from its newest checkpoint. Prints the {@code cir train} command
   * that does the same.
   */
  private Path train(String name, String what, String command, Path from, Integer epochs, Stage stage) throws Exception {
    Path dir = work.resolve("runs").resolve(name);
    if (Files.isRegularFile(dir.resolve(BundleManifest.FILE_NAME))) {
      note("%s: reusing %s", what, dir);
      return dir;
    }
    note("%s", what);
    out.printf(Locale.ROOT, "  same as: cir train %s --dataset jsonl --root %s --out %s --resume --seed %d%s%s%n", command,
        work.resolve("data"), dir, seed, from != null ? " --model " + from : "", epochs != null ? " --epochs " + epochs : "");
    out.flush();
    try {
      TrainCommand.report(out, TrainCommand.withMemoryAdvice(dir, "a smaller --batch-size", () -> stage.run(dir)));
    } catch (RuntimeException e) {
      throw new IllegalStateException(
          "the " + name + " stage failed: " + e.getMessage() + "; run cir demo again to continue from the last checkpoint", e);
    }
    return dir;
  }

  private static TrainingPreset epochs(TrainingPreset preset, Integer epochs) {
    return epochs != null ? preset.withEpochs(epochs) : preset;
  }

  /** The provenance {@code cir train NAME} gives a bundle. */
  private static Map<String, String> facts(String training, Path data) {
    Map<String, String> f = new LinkedHashMap<>();
    f.put("command", "cir train " + training);
    f.put("root", data.toAbsolutePath().normalize().toString());
    return f;
  }

  private static ProgressReporter progress() {
    return ProgressReporter.console(System.err);
  }

  private PrintWriter log() {
    return new PrintWriter(System.err, true);
  }

  /**
   * The ablation on the test split, as CLIP4Cir reports it: each encoder alone and the sum before
   * fine-tuning, the sum after stage 1 and the Combiner; and zero-shot inversion with the φ the
   * page serves (trained on images, for the stage-1 encoders). Kept in the work folder next to the
   * models it describes, and printed again by later runs.
   */
  private void evaluation(Path data, ModelBundle captions, ModelBundle combiner) throws IOException {
    Path file = work.resolve("evaluation.md");
    String key = "<!-- " + captions.fingerprint() + " " + combiner.fingerprint() + " -->";
    if (Files.isRegularFile(file)) {
      String saved = Files.readString(file, StandardCharsets.UTF_8);
      if (saved.startsWith(key)) {
        note("evaluation: as measured when the models were trained (%s)", file);
        out.print(saved.substring(key.length()).stripLeading());
        out.flush();
        return;
      }
    }
    note("evaluation on the test split: baselines against the Combiner");
    ComparisonTable table = new ComparisonTable();
    Map<CombineMode, RecallReport> before = evaluate(data, captions, List.of(CombineMode.IMAGE, CombineMode.TEXT, CombineMode.SUM));
    Map<CombineMode, RecallReport> after = evaluate(data, combiner, List.of(CombineMode.SUM, CombineMode.COMBINER, CombineMode.INVERSION));
    table.row("image only (captions model)", before.get(CombineMode.IMAGE).metrics());
    table.row("text only (captions model)", before.get(CombineMode.TEXT).metrics());
    table.row("sum before fine-tuning", before.get(CombineMode.SUM).metrics());
    table.row("sum after stage 1", after.get(CombineMode.SUM).metrics());
    table.row("Combiner (stage 2)", after.get(CombineMode.COMBINER).metrics());
    table.row("zero-shot phi (stage-1 encoders)", after.get(CombineMode.INVERSION).metrics());
    int queries = after.get(CombineMode.COMBINER).queries();
    String text =
        "Test split, " + queries + " queries; Recall@K in percent (Rs@K: among the reference's near variants)\n\n"
            + table.markdown();
    AtomicFiles.writeString(file, key + "\n" + text);
    out.print(text);
    out.flush();
  }

  private Map<CombineMode, RecallReport> evaluate(Path data, ModelBundle bundle, List<CombineMode> modes) throws IOException {
    try (CirEncoder enc = CirEncoder.open(bundle, EncoderOptions.defaults())) {
      FeatureCache cache =
          new FeatureCache(
              work.resolve("cache"),
              CompositionEvaluator.modelKey(bundle.fingerprint(), bundle.manifest().preprocess(), bundle.manifest().targetRatio()));
      return new DatasetValidation(enc, cache, ProgressReporter.console(System.err))
          .run(DatasetValidation.Kind.JSONL, data, "test", List.of(), modes, null)
          .reports();
    }
  }

  /** The first test triplet of each kind of edit, whose answer the dataset knows. */
  static List<DemoBackend.Example> examples(Path data, List<SolrIndexer.Image> gallery) throws IOException {
    Map<String, SolrIndexer.Image> byId = new LinkedHashMap<>();
    gallery.forEach(i -> byId.put(i.id(), i));
    Map<String, Integer> perKind = new LinkedHashMap<>();
    List<DemoBackend.Example> out = new ArrayList<>();
    Set<String> texts = new LinkedHashSet<>();
    for (String line : Files.readAllLines(data.resolve("test").resolve("triplets.jsonl"), StandardCharsets.UTF_8)) {
      if (line.isBlank()) {
        continue;
      }
      JsonObject t = JsonParser.parseString(line).getAsJsonObject();
      String kind = t.has("edit") ? t.get("edit").getAsString() : "";
      String reference = t.get("reference").getAsString();
      String caption = t.get("caption").getAsString();
      if (perKind.merge(kind, 1, Integer::sum) > EXAMPLES_PER_KIND || !byId.containsKey(reference) || !texts.add(caption)) {
        continue;
      }
      out.add(new DemoBackend.Example(
          reference, DemoBackend.imageUrl(reference), byId.get(reference).fields(),
          caption, t.get("target").getAsString()));
    }
    return out;
  }

  private int serve(ModelBundle bundle, List<SolrIndexer.Image> gallery, List<DemoBackend.Example> examples, long start)
      throws Exception {
    note("search: Solr with the cir plugin, the gallery (%d images) and the page", gallery.size());
    DemoSite site = DemoSite.start(bundle, work.resolve("solr"), solrPort, gallery, examples, port, out);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    site.close();
                  } catch (Exception e) {
                    System.err.println("cir: stopping the demo: " + e.getMessage());
                  } finally {
                    stopped.countDown();
                  }
                },
                "cir-demo-shutdown"));
    out.printf(Locale.ROOT, "%nready in %.1f s. Open %s  (Solr: %s; stop with Ctrl-C)%n", seconds(start), site.uri(), site.solrUrl());
    out.flush();
    stopped.await();
    return 0;
  }

  private void note(String format, Object... args) {
    out.printf(Locale.ROOT, "%n== " + format + "%n", args);
    out.flush();
  }

  private static double seconds(long since) {
    return (System.nanoTime() - since) / 1e9;
  }
}
