package dev.cir.train.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import dev.cir.clip.model.ClipModel;
import dev.cir.clip.model.Combiner;
import dev.cir.eval.data.ImageCaption;
import dev.cir.train.data.PixelCache;
import dev.cir.train.optim.AdamW;
import dev.cir.train.optim.ParameterGroup;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * CLIP's own objective (Radford et al. 2021): for a batch of image–caption pairs, the symmetric
 * cross-entropy of {@code exp(t) · normalize(I) · normalize(T)ᵀ} over images and over texts, with
 * the temperature {@code t} ({@code logit_scale}) learned and clamped to [0, ln 100] after each
 * update as OpenAI's training does. Every parameter trains.
 */
final class CaptionsTask extends ClipTask {
  static final double MAX_LOGIT_SCALE = Math.log(100);

  private final PixelCache pixels;
  private final int[] imageOf;
  private final long[][] tokenRows;

  CaptionsTask(ClipStart start, ClipModel model, NDManager manager, List<ImageCaption> pairs, PixelCache pixels,
      double weightDecay, boolean decayAll, double beta2, double eps) {
    super(start, model, manager);
    this.pixels = pixels;
    this.imageOf = new int[pairs.size()];
    for (int i = 0; i < pairs.size(); i++) {
      imageOf[i] = pixels.indexOf(pairs.get(i).image());
    }
    this.tokenRows = tokenizer.encodeBatch(pairs.stream().map(ImageCaption::caption).toList());
    Map<String, Parameter> trainable = new LinkedHashMap<>();
    model.namedParameters().forEach((n, p) -> {
      if (p.requiresGradient()) {
        trainable.put(n, p);
      }
    });
    this.optimizer = new AdamW(ParameterGroup.split(trainable, weightDecay, decayAll), 0.9, beta2, eps, manager);
  }

  @Override
  public int examples() {
    return imageOf.length;
  }

  @Override
  public NDArray loss(NDManager step, int[] positions, SplittableRandom random) {
    int[] images = new int[positions.length];
    long[][] rows = new long[positions.length][];
    for (int i = 0; i < positions.length; i++) {
      images[i] = imageOf[positions[i]];
      rows[i] = tokenRows[positions[i]];
    }
    NDArray image = Combiner.normalize(model.encodeImage(ps, pixels.batch(step, images), true));
    NDArray text = Combiner.normalize(model.encodeText(ps, tokens(step, rows), true));
    NDArray scale = ps.getValue(model.logitScale(), image.getDevice(), true).exp();
    NDArray logitsPerImage = image.matMul(text.transpose()).mul(scale);
    NDArray perImage = dev.cir.clip.model.ContrastiveLoss.crossEntropyOnDiagonal(logitsPerImage);
    NDArray perText = dev.cir.clip.model.ContrastiveLoss.crossEntropyOnDiagonal(logitsPerImage.transpose());
    return perImage.add(perText).div(2f);
  }

  @Override
  public void afterUpdate() {
    NDArray t = model.logitScale().getArray();
    float v = t.getFloat();
    if (v > MAX_LOGIT_SCALE || v < 0) {
      t.set(new float[] {(float) Math.max(0, Math.min(MAX_LOGIT_SCALE, v))});
    }
  }

  AdamW adamW() {
    return optimizer;
  }
}
