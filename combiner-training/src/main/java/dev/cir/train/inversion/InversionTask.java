package dev.cir.train.inversion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.cir.clip.bundle.BundleWriter;
import dev.cir.clip.bundle.InversionSpec;
import dev.cir.clip.bundle.ModelBundle;
import dev.cir.clip.io.SafeTensors;
import dev.cir.clip.io.Tensor;
import dev.cir.clip.model.ClipModel;
import dev.cir.clip.model.Combiner;
import dev.cir.clip.model.ContrastiveLoss;
import dev.cir.clip.model.Inversion;
import dev.cir.clip.model.Scalars;
import dev.cir.clip.text.ClipTokenizer;
import dev.cir.train.loop.TrainingTask;
import dev.cir.train.optim.AdamW;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * φ's training on cached features of a frozen CLIP. Each update: the examples' features (images
 * or texts) through φ give pseudo-words; each takes the placeholder of the training prompt ("a
 * photo of $"), and the frozen text tower's features of those prompts enter the objective's loss
 * ({@link #imagesLoss}, {@link #textsLoss}). Only φ's parameters change; the gradient reaches them
 * through the text tower.
 */
public final class InversionTask implements TrainingTask {
  private final ClipModel clip;
  private final Inversion phi;
  private final NDManager manager;
  private final ParameterStore ps;
  private final float[][] features;
  private final InversionObjective objective;
  private final ClipTokenizer.PromptTokens prompt;
  private final float logitScale;
  private final float noise;
  private final AdamW optimizer;
  private final ModelBundle base;
  private final InversionSpec spec;
  private final boolean dropout;

  /**
   * @param features the raw features φ learns from: distinct images (images) or texts (texts)
   * @param prompt the training prompt's tokens and its placeholder's position
   * @param noise for texts, the largest noise strength: each example's Gaussian noise has standard
   *     deviation u · noise · ‖t‖ / √d, u uniform in [0, 1)
   * @param base the bundle the written bundles carry, or null
   */
  public InversionTask(
      ClipModel clip, Inversion phi, NDManager manager, float[][] features, InversionObjective objective,
      ClipTokenizer.PromptTokens prompt, float noise, ModelBundle base, InversionSpec spec, boolean dropout) {
    this.clip = clip;
    this.phi = phi;
    this.manager = manager;
    this.ps = new ParameterStore(manager, false);
    this.features = features;
    this.objective = objective;
    this.prompt = prompt;
    this.noise = noise;
    this.base = base;
    this.spec = spec;
    this.dropout = dropout;
    this.logitScale = Math.min(100f, (float) Math.exp(clip.logitScale().getArray().getFloat()));
    this.optimizer = AdamW.adam(phi.namedParameters(), manager);
  }

  public Inversion inversion() {
    return phi;
  }

  /** CLIP's scale exp(logit_scale), at most 100, as Pic2Word's loss uses it. */
  public float logitScale() {
    return logitScale;
  }

  @Override
  public int examples() {
    return features.length;
  }

  @Override
  public AdamW optimizer() {
    return optimizer;
  }

  @Override
  public NDArray loss(NDManager step, int[] positions, SplittableRandom random) {
    int b = positions.length;
    int d = features[0].length;
    float[] x = new float[b * d];
    for (int i = 0; i < b; i++) {
      System.arraycopy(features[positions[i]], 0, x, i * d, d);
    }
    NDArray rows = step.create(x, new Shape(b, d));
    if (objective == InversionObjective.IMAGES) {
      return imagesLoss(rows);
    }
    float[] n = new float[b * d];
    for (int i = 0; i < b; i++) {
      double norm = 0;
      for (int k = 0; k < d; k++) {
        norm += (double) x[i * d + k] * x[i * d + k];
      }
      double sigma = random.nextDouble() * noise * Math.sqrt(norm / d);
      for (int k = 0; k < d; k++) {
        n[i * d + k] = (float) (sigma * random.nextGaussian());
      }
    }
    return textsLoss(rows, step.create(n, new Shape(b, d)));
  }

  /** The text tower's raw features of the training prompt with φ(input) at its placeholder. */
  NDArray prompted(NDArray input) {
    int b = (int) input.getShape().get(0);
    long[] row = prompt.row();
    long[] tokens = new long[b * row.length];
    long[] at = new long[b];
    for (int i = 0; i < b; i++) {
      System.arraycopy(row, 0, tokens, i * row.length, row.length);
      at[i] = prompt.position();
    }
    NDArray words = phi.forward(ps, input, dropout);
    return clip.encodeTextAt(ps, input.getManager().create(tokens, new Shape(b, row.length)), at, words, false);
  }

  /**
   * Pic2Word: q = normalize(prompted(image)), v = normalize(image), logits = s · q · vᵀ;
   * (CE(logits, diagonal) + CE(logitsᵀ, diagonal)) / 2.
   */
  NDArray imagesLoss(NDArray images) {
    NDArray q = Combiner.normalize(prompted(images));
    NDArray logits = ContrastiveLoss.logits(q, images, logitScale);
    NDArray a = ContrastiveLoss.crossEntropyOnDiagonal(logits);
    NDArray t = ContrastiveLoss.crossEntropyOnDiagonal(logits.transpose());
    return Scalars.div(a.add(t), 2f);
  }

  /** LinCIR: mean over the batch of ‖normalize(prompted(t + noise)) − normalize(t)‖². */
  NDArray textsLoss(NDArray texts, NDArray noiseRows) {
    NDArray q = Combiner.normalize(prompted(texts.add(noiseRows)));
    NDArray diff = q.sub(Combiner.normalize(texts));
    return Scalars.div(diff.mul(diff).sum(), (float) texts.getShape().get(0));
  }

  @Override
  public Map<String, Tensor> weights() {
    return ClipModel.export(phi.namedParameters());
  }

  @Override
  public ModelBundle writeBundle(Path dir, Map<String, String> provenance) throws IOException {
    if (base == null) {
      throw new IllegalStateException("this inversion network has no CLIP bundle to be written with");
    }
    var manifest = base.manifest().withInversion(null).withProvenance(provenance);
    Map<String, Tensor> combiner = base.combinerFile().map(f -> SafeTensors.read(f).tensors()).orElse(null);
    BundleWriter.write(dir, manifest, SafeTensors.read(base.clipFile()).tensors(), base.tokenizerFile(), combiner);
    return BundleWriter.writeInversion(dir, spec, weights(), Map.of());
  }

  @Override
  public void close() {
    optimizer.close();
    manager.close();
  }
}
