package dev.cir.eval.validate;

import dev.cir.clip.encoder.CirEncoder;
import dev.cir.clip.encoder.Combination;
import dev.cir.clip.encoder.CombineMode;
import dev.cir.clip.encoder.Similarity;
import dev.cir.eval.data.CirDataset;
import dev.cir.eval.data.GalleryImage;
import dev.cir.eval.data.Triplet;
import dev.cir.eval.metrics.GalleryIndex;
import dev.cir.eval.metrics.Ranking;
import dev.cir.eval.metrics.RecallProtocol;
import dev.cir.eval.metrics.RecallReport;
import dev.cir.eval.metrics.RetrievalQuery;
import dev.cir.eval.metrics.ScoreMatrix;
import dev.cir.eval.progress.ProgressReporter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * CLIP4Cir's validation on one dataset split: encode the gallery once (raw features, cached on
 * disk), take each query's reference features from it, encode the query texts, fuse them (the
 * Combiner, or the sum / image-only / text-only baselines; the zero-shot inversion encodes each
 * text inside the bundle's prompt with the reference's pseudo-word), rank the normalised gallery by cosine
 * similarity, and score the rankings with the dataset's recall protocol.
 */
public final class CompositionEvaluator {
  /** One mode's scores, rankings and speed. */
  public record Result(
      CombineMode mode,
      RecallReport report,
      List<Ranking> rankings,
      List<RetrievalQuery> queries,
      double galleryImagesPerSecond,
      double queriesPerSecond,
      int encodedImages,
      int cachedImages) {}

  private final CirEncoder encoder;
  private final FeatureCache cache;
  private final ProgressReporter progress;

  /** @param cache may be null */
  public CompositionEvaluator(CirEncoder encoder, FeatureCache cache, ProgressReporter progress) {
    this.encoder = encoder;
    this.cache = cache;
    this.progress = progress;
  }

  /** Rankings of every query of a split, with the queries and the speed they were made at. */
  public record Rankings(
      CombineMode mode,
      List<Ranking> rankings,
      List<RetrievalQuery> queries,
      double galleryImagesPerSecond,
      double queriesPerSecond,
      int encodedImages,
      int cachedImages) {}

  /** Evaluates {@code modes} on {@code data}, encoding gallery and texts once for all of them. */
  public Map<CombineMode, Result> evaluate(CirDataset data, List<CombineMode> modes, RecallProtocol protocol) {
    if (!data.hasTargets()) {
      throw new IllegalArgumentException(
          data.name() + " " + data.split() + " has no targets (a test split); recall cannot be computed");
    }
    Map<CombineMode, Result> out = new LinkedHashMap<>();
    for (Rankings r : rank(data, modes)) {
      out.put(
          r.mode(),
          new Result(
              r.mode(), protocol.evaluate(r.rankings(), r.queries()), r.rankings(), r.queries(),
              r.galleryImagesPerSecond(), r.queriesPerSecond(), r.encodedImages(), r.cachedImages()));
    }
    return out;
  }

  /**
   * Ranks the gallery for every query of {@code data} under each mode; targets are not needed (a
   * test split's rankings become a submission file).
   */
  public List<Rankings> rank(CirDataset data, List<CombineMode> modes) {
    List<GalleryImage> images = data.gallery().images();
    GalleryEncoder.Encoded gallery =
        new GalleryEncoder(encoder, cache, progress)
            .encode(images.stream().map(GalleryImage::path).toList(), "gallery " + data.name() + "/" + data.split());
    float[][] raw = gallery.features();
    float[][] normalized = Similarity.normalizedRows(raw);
    GalleryIndex index = GalleryIndex.of(data.gallery().ids());

    long t0 = System.nanoTime();
    List<Triplet> triplets = data.triplets();
    List<String> texts = new ArrayList<>(triplets.size());
    float[][] references = new float[triplets.size()][];
    for (int i = 0; i < triplets.size(); i++) {
      Triplet t = triplets.get(i);
      texts.add(data.captions().evaluationText(t));
      references[i] = raw[data.gallery().indexOf(t.reference())];
    }
    float[][] textFeatures = encoder.encodeTexts(texts);
    double textSeconds = (System.nanoTime() - t0) / 1e9;
    List<RetrievalQuery> queries = RetrievalQuery.of(triplets);

    List<Rankings> out = new ArrayList<>();
    for (CombineMode mode : modes) {
      long t1 = System.nanoTime();
      Combination q =
          mode == CombineMode.INVERSION ? encoder.zeroShot(references, texts, null) : encoder.combine(references, textFeatures, mode);
      float[][] scores = Similarity.dot(q.vectors(), normalized);
      List<Ranking> rankings = ScoreMatrix.of(scores).rankings(index);
      double seconds = textSeconds + (System.nanoTime() - t1) / 1e9;
      out.add(
          new Rankings(
              mode, rankings, queries, gallery.imagesPerSecond(), triplets.size() / seconds, gallery.computed(),
              gallery.cached()));
    }
    return out;
  }

  /**
   * The modes this encoder can run: every baseline, the Combiner when the bundle has one, and the
   * zero-shot inversion when it has φ.
   */
  public static List<CombineMode> availableModes(CirEncoder encoder) {
    List<CombineMode> modes = new ArrayList<>(List.of(CombineMode.IMAGE, CombineMode.TEXT, CombineMode.SUM));
    if (encoder.hasCombiner()) {
      modes.add(CombineMode.COMBINER);
    }
    if (encoder.hasInversion()) {
      modes.add(CombineMode.INVERSION);
    }
    return modes;
  }

  /** The cache key of a bundle's features: its content fingerprint and its preprocessing. */
  public static String modelKey(String bundleFingerprint, String preprocess, double ratio) {
    return bundleFingerprint + "|" + preprocess + "|" + ratio;
  }

  /** Default cache directory: $XDG_CACHE_HOME/cir/features, else ~/.cache/cir/features. */
  public static Path defaultCacheDir() {
    String xdg = System.getenv("XDG_CACHE_HOME");
    Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
    return base.resolve("cir").resolve("features");
  }
}
