package dev.cir.train.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.cir.clip.encoder.Engines;
import dev.cir.clip.model.ClipModel;
import dev.cir.clip.model.Combiner;
import dev.cir.clip.model.ContrastiveLoss;
import dev.cir.eval.data.CirDataset;
import dev.cir.eval.data.Triplet;
import dev.cir.train.data.TrainingImages;
import dev.cir.train.optim.AdamW;
import dev.cir.train.optim.ParameterGroup;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * CLIP4Cir stage 1 ({@code clip_fine_tune.py}): for a batch of triplets, query =
 * normalize(image(reference) + text(caption)), logits = 100 · query · normalize(image(target))ᵀ,
 * cross-entropy against the diagonal. The chosen towers train with AdamW; the model stays in eval
 * mode (BatchNorm statistics frozen). With only the text tower training, every image's features
 * are computed once up front.
 */
public final class ComposedTask extends ClipTask {
  static final float LOGIT_SCALE = 100f;

  private final CirDataset data;
  private final TrainingImages pixels;
  private final Encoders encoders;
  private final int[] reference;
  private final int[] target;
  /** Each triplet's hard negatives: its member images other than the reference and the target. */
  private final int[][] negatives;
  /** Each triplet's caption variants as token rows. */
  private final long[][][] variants;
  private NDArray frozenImageFeatures;

  ComposedTask(ClipStart start, ClipModel model, NDManager manager, CirDataset data, TrainingImages pixels, Encoders encoders,
      double weightDecay, boolean decayAll, int hardNegatives) {
    super(start, model, manager);
    this.data = data;
    this.pixels = pixels;
    this.encoders = encoders;
    List<Triplet> triplets = data.triplets();
    this.reference = new int[triplets.size()];
    this.target = new int[triplets.size()];
    this.variants = new long[triplets.size()][][];
    this.negatives = new int[triplets.size()][];
    Map<String, long[]> tokenized = new HashMap<>();
    for (int i = 0; i < triplets.size(); i++) {
      Triplet t = triplets.get(i);
      if (!t.hasTarget()) {
        throw new IllegalArgumentException("training triplet '" + t.id() + "' has no target");
      }
      reference[i] = pixels.indexOf(t.reference());
      target[i] = pixels.indexOf(t.target());
      negatives[i] = hardNegatives(t, hardNegatives).stream().mapToInt(pixels::indexOf).toArray();
      List<String> texts = data.captions().trainingVariants(t);
      variants[i] = new long[texts.size()][];
      for (int k = 0; k < texts.size(); k++) {
        variants[i][k] = tokenized.computeIfAbsent(texts.get(k), tokenizer::encode);
      }
    }
    this.optimizer =
        AdamW.clip4cirFineTuning(ParameterGroup.split(encoders.select(model.namedParameters()), weightDecay, decayAll), manager);
    if (!encoders.trainsImage()) {
      precomputeImageFeatures();
    }
  }

  private void precomputeImageFeatures() {
    int n = pixels.size();
    float[][] rows = new float[n][];
    try (AutoCloseable noGrad = Engines.noGrad()) {
      for (int s = 0; s < n; s += 64) {
        int e = Math.min(n, s + 64);
        int[] idx = new int[e - s];
        for (int i = 0; i < idx.length; i++) {
          idx[i] = s + i;
        }
        try (NDManager m = manager.newSubManager()) {
          float[] f = model.encodeImage(ps, pixels.batch(m, idx), false).toFloatArray();
          int d = f.length / idx.length;
          for (int i = 0; i < idx.length; i++) {
            rows[s + i] = java.util.Arrays.copyOfRange(f, i * d, (i + 1) * d);
          }
        }
      }
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    int d = rows[0].length;
    float[] flat = new float[n * d];
    for (int i = 0; i < n; i++) {
      System.arraycopy(rows[i], 0, flat, i * d, d);
    }
    frozenImageFeatures = manager.create(flat, new Shape(n, d));
  }

  @Override
  public int examples() {
    return reference.length;
  }

  /**
   * Up to {@code k} of a triplet's member images that are neither its reference nor its target, in
   * the dataset's order: images close to the target that the query must not retrieve (CIRR's and the
   * synthetic dataset's candidate sets).
   */
  public static List<String> hardNegatives(Triplet t, int k) {
    List<String> out = new java.util.ArrayList<>();
    for (String m : t.members()) {
      if (out.size() < k && !m.equals(t.reference()) && !m.equals(t.target()) && !out.contains(m)) {
        out.add(m);
      }
    }
    return out;
  }

  @Override
  public int lookahead() {
    return frozenImageFeatures == null ? pixels.lookahead() : 0;
  }

  @Override
  public void upcoming(int[] positions) {
    if (frozenImageFeatures == null) {
      pixels.upcoming(images(positions));
    }
  }

  /** The images a batch's loss reads, in the order it reads them: references, targets, hard negatives. */
  private int[] images(int[] positions) {
    int b = positions.length;
    int n = 0;
    for (int p : positions) {
      n += negatives[p].length;
    }
    int[] all = new int[2 * b + n];
    int c = 0;
    for (int p : positions) {
      all[c++] = reference[p];
    }
    for (int p : positions) {
      all[c++] = target[p];
    }
    for (int p : positions) {
      for (int x : negatives[p]) {
        all[c++] = x;
      }
    }
    return all;
  }

  @Override
  public NDArray loss(NDManager step, int[] positions, SplittableRandom random) {
    int b = positions.length;
    int[] refs = new int[b];
    int[] tgts = new int[b];
    long[][] rows = new long[b][];
    List<Triplet> triplets = data.triplets();
    int n = 0;
    for (int i = 0; i < b; i++) {
      int p = positions[i];
      refs[i] = reference[p];
      tgts[i] = target[p];
      rows[i] = variants[p][data.captions().drawTrainingVariant(triplets.get(p), random)];
      n += negatives[p].length;
    }
    // candidates: the batch's targets, then every triplet's hard negatives
    int[] candidates = new int[b + n];
    System.arraycopy(tgts, 0, candidates, 0, b);
    int c = b;
    for (int i = 0; i < b; i++) {
      for (int x : negatives[positions[i]]) {
        candidates[c++] = x;
      }
    }
    if (frozenImageFeatures != null) {
      return loss(take(step, refs), model.encodeText(ps, tokens(step, rows), true), take(step, candidates));
    }
    int[] all = new int[b + candidates.length];
    System.arraycopy(refs, 0, all, 0, b);
    System.arraycopy(candidates, 0, all, b, candidates.length);
    return loss(model, ps, pixels.batch(step, all), b, tokens(step, rows));
  }

  /**
   * Stage 1's loss from pixels: references and targets stacked [2b, 3, R, R] go through the image
   * tower in one pass (each image is encoded on its own, so this equals two passes), captions [b,
   * n] through the text tower.
   */
  public static NDArray loss(ClipModel model, ParameterStore ps, NDArray referencesThenTargets, NDArray tokens) {
    return loss(model, ps, referencesThenTargets, referencesThenTargets.getShape().get(0) / 2, tokens);
  }

  /**
   * The same with extra negatives: {@code images} holds the b references, then the b targets, then
   * any further candidates [b + c, 3, R, R]; each query's target is its own, every other candidate a
   * negative.
   */
  public static NDArray loss(ClipModel model, ParameterStore ps, NDArray images, long b, NDArray tokens) {
    NDArray features = model.encodeImage(ps, images, true);
    return loss(features.get(":" + b), model.encodeText(ps, tokens, true), features.get(b + ":"));
  }

  /** loss = CE(100 · normalize(reference + text) · normalize(candidates)ᵀ, diagonal); candidates start with the targets. */
  static NDArray loss(NDArray reference, NDArray text, NDArray candidates) {
    NDArray query = Combiner.normalize(reference.add(text));
    return ContrastiveLoss.crossEntropyOnDiagonal(ContrastiveLoss.logits(query, candidates, LOGIT_SCALE));
  }

  private NDArray take(NDManager step, int[] rows) {
    long[] idx = new long[rows.length];
    for (int i = 0; i < rows.length; i++) {
      idx[i] = rows[i];
    }
    return frozenImageFeatures.get(step.create(idx));
  }

  @Override
  public void close() {
    if (frozenImageFeatures != null) {
      frozenImageFeatures.close();
    }
    super.close();
  }
}
