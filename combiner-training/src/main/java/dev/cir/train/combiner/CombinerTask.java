package dev.cir.train.combiner;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import dev.cir.clip.bundle.BundleWriter;
import dev.cir.clip.bundle.ModelBundle;
import dev.cir.clip.io.SafeTensors;
import dev.cir.clip.io.StateDict;
import dev.cir.clip.io.Tensor;
import dev.cir.clip.model.ClipModel;
import dev.cir.clip.model.Combiner;
import dev.cir.clip.model.ContrastiveLoss;
import dev.cir.clip.model.Scalars;
import dev.cir.eval.data.CaptionStyle;
import dev.cir.eval.data.Triplet;
import dev.cir.train.loop.TrainingTask;
import dev.cir.train.optim.AdamW;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * CLIP4Cir stage 2 ({@code combiner_train.py}) on cached features: the Combiner fuses reference
 * image and caption features (dropout 0.5 while training), logits = 100 · combined ·
 * normalize(target)ᵀ, cross-entropy against the diagonal, Adam. The CLIP encoders take no part:
 * their features were computed once ({@link TripletFeatures}). With gallery negatives every cached
 * image is a candidate of every query (the whole training gallery, not just the batch's targets):
 * the objective is then retrieval itself, which only cached features make affordable.
 */
public final class CombinerTask implements TrainingTask {
  private final Combiner combiner;
  private final NDManager manager;
  private final ParameterStore ps;
  private final TripletFeatures features;
  private final List<Triplet> triplets;
  private final CaptionStyle captions;
  private final boolean dropout;
  private final AdamW optimizer;
  private final ModelBundle base;
  private final NDArray gallery;
  /** Gallery images drawn per update (0: every one). */
  private final int gallerySample;
  /** Each triplet's gallery images nearest to its target (mined once), or null. */
  private final int[][] mined;

  /**
   * @param triplets the triplets behind {@code features}, in the same order (for caption draws), or
   *     null when each has one caption variant
   * @param base the bundle whose CLIP weights and tokenizer the written bundles carry, or null
   * @param dropout whether the Combiner's dropout is on (always, except in tests of the arithmetic)
   */
  public CombinerTask(
      Combiner combiner, NDManager manager, TripletFeatures features, List<Triplet> triplets, CaptionStyle captions,
      ModelBundle base, boolean dropout) {
    this(combiner, manager, features, triplets, captions, base, dropout, false, 0, 0);
  }

  /**
   * @param galleryNegatives whether the images of {@code features} are the candidates of every query
   *     (the batch's targets and hard negatives otherwise)
   * @param gallerySample with gallery negatives, how many gallery images each update draws afresh as
   *     the batch's candidates, besides the batch's own targets; 0 (or at least the gallery's size)
   *     for the whole gallery
   * @param minedNegatives with a gallery sample, how many of the gallery images nearest to each
   *     triplet's target (by the frozen features, found once) join its batch's candidates
   */
  public CombinerTask(
      Combiner combiner, NDManager manager, TripletFeatures features, List<Triplet> triplets, CaptionStyle captions,
      ModelBundle base, boolean dropout, boolean galleryNegatives, int gallerySample, int minedNegatives) {
    if (gallerySample < 0) {
      throw new IllegalArgumentException("the gallery sample must not be negative, got " + gallerySample);
    }
    this.combiner = combiner;
    this.manager = manager;
    this.ps = new ParameterStore(manager, false);
    this.features = features;
    this.triplets = triplets;
    this.captions = captions;
    this.base = base;
    this.dropout = dropout;
    Map<String, Parameter> trainable = new LinkedHashMap<>(combiner.namedParameters());
    this.optimizer = AdamW.adam(trainable, manager);
    // made here, outside any step's scope, and kept until the task closes
    this.gallery = galleryNegatives ? normalizedImages(features, manager) : null;
    this.gallerySample = gallerySample >= features.images() ? 0 : gallerySample;
    this.mined = gallery != null && this.gallerySample > 0 && minedNegatives > 0 ? mine(features, gallery, minedNegatives, manager) : null;
  }

  /**
   * For every triplet, the {@code k} gallery images whose features are nearest to its target's,
   * other than the target and the reference: the images its query is likeliest to confuse.
   */
  static int[][] mine(TripletFeatures features, NDArray gallery, int k, NDManager manager) {
    int t = features.triplets();
    int d = features.dim();
    int take = Math.min(k + 2, features.images());
    int[][] out = new int[t][];
    try (AutoCloseable noGrad = dev.cir.clip.encoder.Engines.noGrad(); NDArray galleryT = gallery.transpose()) {
      for (int s = 0; s < t; s += 512) {
        int e = Math.min(t, s + 512);
        float[] rows = new float[(e - s) * d];
        for (int i = s; i < e; i++) {
          System.arraycopy(features.target(i), 0, rows, (i - s) * d, d);
        }
        try (NDManager m = manager.newSubManager()) {
          NDArray q = Combiner.normalize(m.create(rows, new Shape(e - s, d)));
          long[] nearest = q.matMul(galleryT).topK(take, 1).get(1).toLongArray();
          for (int i = s; i < e; i++) {
            int ref = features.referenceIndex(i);
            int tgt = features.targetIndex(i);
            int[] row = new int[k];
            int c = 0;
            for (int j = 0; j < take && c < k; j++) {
              int g = (int) nearest[(i - s) * take + j];
              if (g != ref && g != tgt) {
                row[c++] = g;
              }
            }
            out[i] = java.util.Arrays.copyOf(row, c);
          }
        }
      }
    } catch (Exception e) {
      throw new IllegalStateException("cannot mine hard negatives", e);
    }
    return out;
  }

  public Combiner combiner() {
    return combiner;
  }

  @Override
  public int examples() {
    return features.triplets();
  }

  @Override
  public AdamW optimizer() {
    return optimizer;
  }

  /** Every image's normalized features [N, d] (the encoders are frozen: made once). */
  private static NDArray normalizedImages(TripletFeatures features, NDManager manager) {
    int d = features.dim();
    int n = features.images();
    float[] all = new float[n * d];
    for (int k = 0; k < n; k++) {
      System.arraycopy(features.image(k), 0, all, k * d, d);
    }
    try (NDArray raw = manager.create(all, new Shape(n, d))) {
      return Combiner.normalize(raw);
    }
  }

  /**
   * The loss over the cached gallery: CE(100 · Combiner(reference, text) · candidatesᵀ, target),
   * each query's own reference left out of its candidates, as retrieval leaves it out of the
   * ranking. The candidates are the whole gallery, or {@code gallerySample} images drawn from it
   * with the batch's targets and references added (each image once).
   */
  private NDArray galleryLoss(NDManager step, int[] positions, SplittableRandom random) {
    int b = positions.length;
    int d = features.dim();
    float[] ref = new float[b * d];
    float[] txt = new float[b * d];
    int[] refIdx = new int[b];
    int[] tgtIdx = new int[b];
    for (int i = 0; i < b; i++) {
      int p = positions[i];
      int k = features.variants(p) == 1 ? 0 : captions.drawTrainingVariant(triplets.get(p), random);
      System.arraycopy(features.reference(p), 0, ref, i * d, d);
      System.arraycopy(features.text(p, k), 0, txt, i * d, d);
      refIdx[i] = features.referenceIndex(p);
      tgtIdx[i] = features.targetIndex(p);
    }
    NDArray candidates = gallery;
    int n = features.images();
    if (gallerySample > 0) {
      int[] chosen = sample(n, gallerySample, random, refIdx, tgtIdx, minedOf(positions));
      int[] column = new int[n];
      for (int c = 0; c < chosen.length; c++) {
        column[chosen[c]] = c;
      }
      for (int i = 0; i < b; i++) {
        refIdx[i] = column[refIdx[i]];
        tgtIdx[i] = column[tgtIdx[i]];
      }
      candidates = gallery.get(step.create(toLong(chosen)));
      n = chosen.length;
    }
    Shape shape = new Shape(b, d);
    NDArray q = combiner.combine(ps, step.create(ref, shape), step.create(txt, shape), dropout).get(0);
    NDArray logits = Scalars.mul(q, Combiner.LOGIT_SCALE).matMul(candidates.transpose());
    // -10⁴ on each query's own reference: exp(-10⁴) is 0, the reference is never a candidate
    NDArray mask = Scalars.mul(step.create(toLong(refIdx)).oneHot(n), -1e4f);
    NDArray logProbs = logits.add(mask).logSoftmax(1);
    return Scalars.div(logProbs.gather(step.create(toLong(tgtIdx), new Shape(b, 1)), 1).sum(), -b);
  }

  /**
   * {@code k} distinct images of {@code n} drawn uniformly (Floyd's algorithm), with the images of
   * {@code always} (the batch's references, targets and mined negatives) added, in increasing order.
   */
  static int[] sample(int n, int k, SplittableRandom random, int[]... always) {
    boolean[] taken = new boolean[n];
    for (int j = n - k; j < n; j++) {
      int t = random.nextInt(j + 1);
      taken[taken[t] ? j : t] = true;
    }
    for (int[] a : always) {
      for (int i : a) {
        taken[i] = true;
      }
    }
    int count = 0;
    for (boolean t : taken) {
      count += t ? 1 : 0;
    }
    int[] out = new int[count];
    for (int i = 0, c = 0; i < n; i++) {
      if (taken[i]) {
        out[c++] = i;
      }
    }
    return out;
  }

  /** The mined negatives of a batch's triplets, one list. */
  private int[] minedOf(int[] positions) {
    if (mined == null) {
      return new int[0];
    }
    return java.util.Arrays.stream(positions).flatMap(p -> java.util.Arrays.stream(mined[p])).toArray();
  }

  private static long[] toLong(int[] a) {
    long[] out = new long[a.length];
    for (int i = 0; i < a.length; i++) {
      out[i] = a[i];
    }
    return out;
  }

  @Override
  public NDArray loss(NDManager step, int[] positions, SplittableRandom random) {
    if (gallery != null) {
      return galleryLoss(step, positions, random);
    }
    int b = positions.length;
    int d = features.dim();
    int n = 0;
    for (int p : positions) {
      n += features.negatives(p).length;
    }
    float[] ref = new float[b * d];
    float[] txt = new float[b * d];
    // candidates: the batch's targets, then every triplet's hard negatives
    float[] tgt = new float[(b + n) * d];
    int c = b;
    for (int i = 0; i < b; i++) {
      int p = positions[i];
      int k = features.variants(p) == 1 ? 0 : captions.drawTrainingVariant(triplets.get(p), random);
      System.arraycopy(features.reference(p), 0, ref, i * d, d);
      System.arraycopy(features.text(p, k), 0, txt, i * d, d);
      System.arraycopy(features.target(p), 0, tgt, i * d, d);
      for (float[] x : features.negatives(p)) {
        System.arraycopy(x, 0, tgt, c++ * d, d);
      }
    }
    Shape shape = new Shape(b, d);
    return loss(combiner, ps, step.create(ref, shape), step.create(txt, shape), step.create(tgt, new Shape(b + n, d)), dropout);
  }

  /**
   * Stage 2's loss: CE(100 · Combiner(reference, text) · normalize(candidates)ᵀ, diagonal); the
   * candidates are the b targets, then any extra negatives.
   */
  public static NDArray loss(
      Combiner combiner, ParameterStore ps, NDArray reference, NDArray text, NDArray target, boolean dropout) {
    NDList out = combiner.combine(ps, reference, text, dropout);
    return ContrastiveLoss.crossEntropyOnDiagonal(ContrastiveLoss.logits(out.get(0), target, Combiner.LOGIT_SCALE));
  }

  @Override
  public Map<String, Tensor> weights() {
    return ClipModel.export(combiner.namedParameters());
  }

  @Override
  public ModelBundle writeBundle(Path dir, Map<String, String> provenance) throws IOException {
    if (base == null) {
      throw new IllegalStateException("this Combiner has no CLIP bundle to be written with");
    }
    StateDict clip = SafeTensors.read(base.clipFile());
    int[] sizes = {combiner.featureDim(), combiner.projectionDim(), combiner.hiddenDim()};
    return BundleWriter.write(
        dir, base.manifest().withCombiner(sizes).withProvenance(provenance), clip.tensors(), base.tokenizerFile(), weights());
  }

  @Override
  public void close() {
    optimizer.close();
    manager.close();
  }
}
