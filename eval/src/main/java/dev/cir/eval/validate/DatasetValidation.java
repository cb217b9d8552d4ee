package dev.cir.eval.validate;

import dev.cir.clip.encoder.CirEncoder;
import dev.cir.clip.encoder.CombineMode;
import dev.cir.eval.data.CirDataset;
import dev.cir.eval.data.CirrReader;
import dev.cir.eval.data.FashionIqReader;
import dev.cir.eval.data.JsonlReader;
import dev.cir.eval.metrics.CirrSubmission;
import dev.cir.eval.metrics.FashionIqRecall;
import dev.cir.eval.metrics.RecallProtocol;
import dev.cir.eval.metrics.RecallReport;
import dev.cir.eval.progress.ProgressReporter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Validation of a bundle on a dataset as CLIP4Cir reports it: FashionIQ per category and their
 * average (reference kept in the gallery), CIRR and the generic JSONL format with the reference
 * removed and Recall_subset over the members. A CIRR test split, which has no targets, gives the
 * two submission files instead.
 */
public final class DatasetValidation {
  /** The dataset layouts {@code cir eval} reads. */
  public enum Kind {
    FASHIONIQ,
    CIRR,
    JSONL;

    public static Kind parse(String s) {
      try {
        return valueOf(s.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("unknown dataset '" + s + "'; use fashioniq, cirr or jsonl", e);
      }
    }

    public String id() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * @param reports the metrics of each mode (empty for a split without targets)
   * @param submissions CIRR submission files written for a test split
   * @param galleryImagesPerSecond encoding speed of the images that were not cached (NaN if all were)
   * @param queriesPerSecond text encoding, fusion and ranking speed of the first mode
   */
  public record Outcome(
      Map<CombineMode, RecallReport> reports,
      List<Path> submissions,
      int galleryImages,
      int encodedImages,
      double galleryImagesPerSecond,
      int queries,
      double queriesPerSecond) {}

  private final CompositionEvaluator evaluator;

  public DatasetValidation(CirEncoder encoder, FeatureCache cache, ProgressReporter progress) {
    this.evaluator = new CompositionEvaluator(encoder, cache, progress);
  }

  /**
   * @param categories FashionIQ categories (ignored for the others)
   * @param submissionDir where a test split's submission files go (CIRR without targets)
   */
  public Outcome run(
      Kind kind, Path root, String split, List<String> categories, List<CombineMode> modes, Path submissionDir)
      throws IOException {
    return switch (kind) {
      case FASHIONIQ -> fashionIq(root, split, categories, modes);
      case CIRR -> single(new CirrReader(root).read(split), RecallProtocol.CIRR, modes, submissionDir, kind);
      case JSONL -> single(new JsonlReader(root).read(split), RecallProtocol.CIRR, modes, submissionDir, kind);
    };
  }

  private Outcome fashionIq(Path root, String split, List<String> categories, List<CombineMode> modes) {
    FashionIqReader reader = new FashionIqReader(root);
    Map<CombineMode, Map<String, RecallReport>> byMode = new LinkedHashMap<>();
    int gallery = 0;
    int encoded = 0;
    int queries = 0;
    double imageSeconds = 0;
    double querySeconds = 0;
    for (String category : categories) {
      CirDataset ds = reader.read(category, split);
      Map<CombineMode, CompositionEvaluator.Result> r = evaluator.evaluate(ds, modes, RecallProtocol.FASHION_IQ);
      CompositionEvaluator.Result first = r.values().iterator().next();
      gallery += ds.gallery().size();
      encoded += first.encodedImages();
      if (first.encodedImages() > 0) {
        imageSeconds += first.encodedImages() / first.galleryImagesPerSecond();
      }
      queries += ds.triplets().size();
      querySeconds += ds.triplets().size() / first.queriesPerSecond();
      for (Map.Entry<CombineMode, CompositionEvaluator.Result> e : r.entrySet()) {
        byMode.computeIfAbsent(e.getKey(), k -> new LinkedHashMap<>()).put(category, e.getValue().report());
      }
    }
    Map<CombineMode, RecallReport> reports = new LinkedHashMap<>();
    byMode.forEach((mode, cats) -> reports.put(mode, FashionIqRecall.combine(cats)));
    return new Outcome(
        reports, List.of(), gallery, encoded, encoded == 0 ? Double.NaN : encoded / imageSeconds, queries,
        queries / querySeconds);
  }

  private Outcome single(CirDataset ds, RecallProtocol protocol, List<CombineMode> modes, Path submissionDir, Kind kind)
      throws IOException {
    if (ds.hasTargets()) {
      Map<CombineMode, CompositionEvaluator.Result> r = evaluator.evaluate(ds, modes, protocol);
      Map<CombineMode, RecallReport> reports = new LinkedHashMap<>();
      r.forEach((mode, result) -> reports.put(mode, result.report()));
      CompositionEvaluator.Result first = r.values().iterator().next();
      return new Outcome(
          reports, List.of(), ds.gallery().size(), first.encodedImages(), first.galleryImagesPerSecond(),
          ds.triplets().size(), first.queriesPerSecond());
    }
    if (kind != Kind.CIRR) {
      throw new IllegalArgumentException(
          ds.name() + " split '" + ds.split() + "' has no targets: recall cannot be computed (only CIRR's test split"
              + " is written as a submission)");
    }
    if (submissionDir == null) {
      throw new IllegalArgumentException("the CIRR test split has no targets: give --out so its submission files can be written");
    }
    if (modes.size() > 1) {
      throw new IllegalArgumentException("the CIRR test split has no targets and is written as a submission of one --combine mode; " + modes.size() + " were given");
    }
    CompositionEvaluator.Rankings r = evaluator.rank(ds, List.of(modes.get(0))).get(0);
    List<Path> files = CirrSubmission.of(r.rankings(), r.queries()).writeTo(submissionDir, ds.split() + "_" + modes.get(0).id());
    return new Outcome(
        Map.of(), files, ds.gallery().size(), r.encodedImages(), r.galleryImagesPerSecond(), ds.triplets().size(),
        r.queriesPerSecond());
  }
}
