package dev.cir.train.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import dev.cir.clip.model.ClipModel;
import dev.cir.clip.model.Combiner;
import dev.cir.eval.data.ImageCaption;
import dev.cir.train.data.TrainingImages;
import dev.cir.train.optim.AdamW;
import dev.cir.train.optim.ParameterGroup;
import dev.cir.eval.data.Triplet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * CLIP's own objective (Radford et al. 2021): for a batch of image–caption pairs, the symmetric
 * cross-entropy of {@code exp(t) · normalize(I) · normalize(T)ᵀ} over images and over texts, with
 * the temperature {@code t} ({@code logit_scale}) learned and clamped to [0, ln 100] after each
 * update as OpenAI's training does. Every parameter trains.
 */
final class CaptionsTask extends ClipTask {
  static final double MAX_LOGIT_SCALE = Math.log(100);

  private final TrainingImages pixels;
  private final int[] imageOf;
  private final long[][] tokenRows;
  /** For each pair, the pairs of the images that share a triplet's member set with its image. */
  private final int[][] related;
  private final int hardNegatives;

  /**
   * @param triplets the training triplets whose member sets relate images (may be empty)
   * @param hardNegatives how many related pairs each pair of a batch brings into it
   */
  CaptionsTask(ClipStart start, ClipModel model, NDManager manager, List<ImageCaption> pairs, TrainingImages pixels,
      List<Triplet> triplets, int hardNegatives, double weightDecay, boolean decayAll, double beta2, double eps) {
    super(start, model, manager);
    this.pixels = pixels;
    this.hardNegatives = hardNegatives;
    this.imageOf = new int[pairs.size()];
    Map<String, Integer> firstPair = new HashMap<>();
    for (int i = 0; i < pairs.size(); i++) {
      // -1: an image no batch of this run takes, left out of the preprocessing
      imageOf[i] = pixels.contains(pairs.get(i).image()) ? pixels.indexOf(pairs.get(i).image()) : -1;
      firstPair.putIfAbsent(pairs.get(i).image(), i);
    }
    this.related = relate(pairs, firstPair, hardNegatives > 0 ? triplets : List.of());
    // like the images, only the captions of pairs a batch can take are tokenized
    this.tokenRows = new long[pairs.size()][];
    for (int i = 0; i < pairs.size(); i++) {
      if (imageOf[i] >= 0) {
        tokenRows[i] = tokenizer.encode(pairs.get(i).caption());
      }
    }
    Map<String, Parameter> trainable = new LinkedHashMap<>();
    model.namedParameters().forEach((n, p) -> {
      if (p.requiresGradient()) {
        trainable.put(n, p);
      }
    });
    this.optimizer = new AdamW(ParameterGroup.split(trainable, weightDecay, decayAll), 0.9, beta2, eps, manager);
  }

  /** Pairs whose images appear together in a member set (the reference, the target and their near variants). */
  private static int[][] relate(List<ImageCaption> pairs, Map<String, Integer> firstPair, List<Triplet> triplets) {
    Map<String, Set<Integer>> byImage = new HashMap<>();
    for (Triplet t : triplets) {
      List<Integer> set = new ArrayList<>();
      List<String> ids = new ArrayList<>(t.members());
      ids.add(t.reference());
      if (t.target() != null) {
        ids.add(t.target());
      }
      for (String id : ids) {
        Integer p = firstPair.get(id);
        if (p != null && !set.contains(p)) {
          set.add(p);
        }
      }
      for (String id : ids) {
        if (firstPair.containsKey(id)) {
          byImage.computeIfAbsent(id, k -> new LinkedHashSet<>()).addAll(set);
        }
      }
    }
    int[][] out = new int[pairs.size()][];
    for (int i = 0; i < pairs.size(); i++) {
      Set<Integer> r = byImage.getOrDefault(pairs.get(i).image(), Set.of());
      String image = pairs.get(i).image();
      out[i] = r.stream().mapToInt(Integer::intValue).filter(p -> !pairs.get(p).image().equals(image)).toArray();
    }
    return out;
  }

  @Override
  public int examples() {
    return imageOf.length;
  }

  /**
   * The batch's pairs, then up to {@link #hardNegatives} related pairs for each (drawn with the
   * batch's generator), no image twice: images that differ from a batch image in one object, whose
   * captions differ in one phrase, make the batch's hardest negatives.
   */
  int[] expand(int[] positions, SplittableRandom random) {
    if (hardNegatives == 0) {
      return positions;
    }
    Set<Integer> images = new HashSet<>();
    List<Integer> out = new ArrayList<>();
    for (int p : positions) {
      if (images.add(imageOf[p])) {
        out.add(p);
      }
    }
    for (int p : positions) {
      int[] r = related[p];
      int added = 0;
      for (int tries = 0; tries < 2 * r.length && added < hardNegatives; tries++) {
        int q = r[random.nextInt(r.length)];
        if (images.add(imageOf[q])) {
          out.add(q);
          added++;
        }
      }
    }
    return out.stream().mapToInt(Integer::intValue).toArray();
  }

  @Override
  public int lookahead() {
    return pixels.lookahead();
  }

  /** The batch's own pairs' images; a hard-negative pair's image, drawn with the batch, is read when the batch runs. */
  @Override
  public void upcoming(int[] batch) {
    // as the loss will take them: every pair's image, or (with hard negatives) each image once
    List<Integer> images = new ArrayList<>();
    Set<Integer> seen = new HashSet<>();
    for (int p : batch) {
      if (imageOf[p] >= 0 && (hardNegatives == 0 || seen.add(imageOf[p]))) {
        images.add(imageOf[p]);
      }
    }
    pixels.upcoming(images.stream().mapToInt(Integer::intValue).toArray());
  }

  @Override
  public NDArray loss(NDManager step, int[] batch, SplittableRandom random) {
    int[] positions = expand(batch, random);
    int[] images = new int[positions.length];
    long[][] rows = new long[positions.length][];
    for (int i = 0; i < positions.length; i++) {
      images[i] = imageOf[positions[i]];
      if (images[i] < 0) {
        throw new IllegalStateException("pair " + positions[i] + " was not expected in this run's batches; its image was not preprocessed");
      }
      rows[i] = tokenRows[positions[i]];
    }
    NDArray image = Combiner.normalize(model.encodeImage(ps, pixels.batch(step, images), true));
    NDArray text = Combiner.normalize(model.encodeText(ps, tokens(step, rows), true));
    NDArray scale = ps.getValue(model.logitScale(), image.getDevice(), true).exp();
    NDArray logitsPerImage = image.matMul(text.transpose()).mul(scale);
    NDArray perImage = dev.cir.clip.model.ContrastiveLoss.crossEntropyOnDiagonal(logitsPerImage);
    NDArray perText = dev.cir.clip.model.ContrastiveLoss.crossEntropyOnDiagonal(logitsPerImage.transpose());
    return dev.cir.clip.model.Scalars.div(perImage.add(perText), 2f);
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
