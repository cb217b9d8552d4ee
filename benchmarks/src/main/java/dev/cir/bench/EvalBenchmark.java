package dev.cir.bench;

import dev.cir.clip.bundle.BundleWriter;
import dev.cir.clip.bundle.ModelBundle;
import dev.cir.clip.encoder.CirEncoder;
import dev.cir.clip.encoder.EncoderOptions;
import dev.cir.clip.model.ClipConfig;
import dev.cir.clip.text.CaptionVocabulary;
import dev.cir.eval.data.DatasetTexts;
import dev.cir.eval.data.JsonlReader;
import dev.cir.eval.progress.ProgressReporter;
import dev.cir.eval.synth.SyntheticDataset;
import dev.cir.eval.validate.CompositionEvaluator;
import dev.cir.eval.validate.DatasetValidation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The floor every trained model must beat ({@code cir bench eval}): the retrieval modes of a tiny
 * bundle with random weights on the synthetic dataset's test split, with the gallery's and the
 * queries' speed.
 */
public final class EvalBenchmark {
  private EvalBenchmark() {}

  /**
   * Generates the dataset of {@code size} triplets and {@code seed} under {@code work} (unless it is
   * there), writes the random bundle beside it, evaluates every mode it can and returns the report.
   */
  public static String run(Path work, int size, long seed) throws IOException {
    Path data = work.resolve("synth-" + size + "-" + seed);
    if (!Files.isDirectory(data.resolve("test"))) {
      SyntheticDataset.generate(SyntheticDataset.Options.defaults().withSize(size).withSeed(seed)).writeTo(data);
    }
    JsonlReader reader = new JsonlReader(data);
    CaptionVocabulary vocab = CaptionVocabulary.builder().build(DatasetTexts.of(reader, "train"));
    Path tokenizer = work.resolve("tokenizer.json");
    vocab.writeTokenizerJson(tokenizer);
    ClipConfig config = ClipConfig.tiny(vocab.size());
    Path bundleDir = work.resolve("random-tiny-" + seed);
    ModelBundle bundle = BundleWriter.writeRandom(bundleDir, "tiny", config, tokenizer, true, seed, Map.of("created_by", "cir bench eval"));
    try (CirEncoder enc = CirEncoder.open(bundle, EncoderOptions.defaults())) {
      DatasetValidation.Outcome o =
          new DatasetValidation(enc, null, ProgressReporter.console(System.err))
              .run(DatasetValidation.Kind.JSONL, data, "test", List.of(), CompositionEvaluator.availableModes(enc), null);
      StringBuilder md = new StringBuilder();
      md.append(String.format(Locale.ROOT,
          "Synthetic dataset: %d triplets, seed %d; test split: %d queries, gallery of %d images. Bundle: %s, random"
              + " weights (seed %d).%n%n", size, seed, o.queries(), o.galleryImages(), config, seed));
      md.append("| mode | R@1 | R@5 | R@10 | R@50 | Rsubset@1 | Rsubset@2 | Rsubset@3 |\n|---|---:|---:|---:|---:|---:|---:|---:|\n");
      for (var e : o.reports().entrySet()) {
        var m = e.getValue().metrics();
        md.append(String.format(Locale.ROOT, "| %s | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f |%n",
            e.getKey().id(), m.get("recall@1"), m.get("recall@5"), m.get("recall@10"), m.get("recall@50"),
            m.get("recall_subset@1"), m.get("recall_subset@2"), m.get("recall_subset@3")));
      }
      md.append(String.format(Locale.ROOT,
          "%nSpeed: gallery %.1f images/s (decode, preprocess, encode), queries %.1f/s (text encoding, fusion, ranking).%n"
              + "Machine: %s%n", o.galleryImagesPerSecond(), o.queriesPerSecond(), MachineDescription.describe()));
      return md.toString();
    }
  }
}
