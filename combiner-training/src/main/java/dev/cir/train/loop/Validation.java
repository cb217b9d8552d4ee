package dev.cir.train.loop;

import dev.cir.clip.bundle.ModelBundle;
import dev.cir.clip.encoder.CirEncoder;
import dev.cir.clip.encoder.CombineMode;
import dev.cir.clip.encoder.EncoderOptions;
import dev.cir.eval.metrics.RecallReport;
import dev.cir.eval.progress.ProgressReporter;
import dev.cir.eval.validate.DatasetValidation;
import dev.cir.eval.validate.FeatureCache;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Validation during training, exactly as {@code cir eval} computes it (eval's {@link
 * DatasetValidation} over a bundle of the current weights), and CLIP4Cir's rule for the best
 * checkpoint.
 *
 * @param cache the gallery feature cache for a bundle, or null for none; it must be keyed by the
 *     weights that compute the features (stage 1 changes them every epoch: no cache there)
 */
public record Validation(
    DatasetValidation.Kind kind,
    Path root,
    String split,
    List<String> categories,
    CombineMode mode,
    EncoderOptions encoderOptions,
    Function<ModelBundle, FeatureCache> cache) {

  /** The metrics of {@code bundle}, each named {@code val.<metric>}, plus {@code val.criterion}. */
  public Map<String, Double> run(ModelBundle bundle, ProgressReporter progress) throws IOException {
    try (CirEncoder enc = CirEncoder.open(bundle, encoderOptions)) {
      DatasetValidation.Outcome o =
          new DatasetValidation(enc, cache == null ? null : cache.apply(bundle), progress)
              .run(kind, root, split, categories, List.of(mode), null);
      RecallReport r = o.reports().get(mode);
      Map<String, Double> out = new LinkedHashMap<>();
      r.metrics().forEach((k, v) -> out.put("val." + k, v));
      out.put("val.criterion", criterion(kind, r.metrics()));
      return out;
    }
  }

  /**
   * CLIP4Cir's best-checkpoint criterion ({@code clip_fine_tune.py}, {@code combiner_train.py}):
   * FashionIQ the mean of the category-averaged Recall@10 and @50; CIRR (and JSONL, scored like
   * CIRR) the arithmetic mean of Recall@1, 5, 10, 50 and Recall_subset@1, 2, 3 (those present).
   */
  public static double criterion(DatasetValidation.Kind kind, Map<String, Double> m) {
    if (kind == DatasetValidation.Kind.FASHIONIQ) {
      return (m.get("average.recall@10") + m.get("average.recall@50")) / 2;
    }
    double sum = 0;
    int n = 0;
    for (String k : List.of("recall_subset@1", "recall_subset@2", "recall_subset@3", "recall@1", "recall@5", "recall@10", "recall@50")) {
      Double v = m.get(k);
      if (v != null) {
        sum += v;
        n++;
      }
    }
    return sum / n;
  }
}
