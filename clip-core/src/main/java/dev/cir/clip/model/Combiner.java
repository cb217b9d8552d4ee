package dev.cir.clip.model;

import static ai.djl.nn.Activation.relu;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.List;

/**
 * CLIP4Cir's Combiner ({@code combiner.py}, Baldrati et al. 2023): text and image features are
 * projected (ReLU, dropout), concatenated text first, mixed by a hidden layer, and added to a
 * learned convex combination of the raw features:
 *
 * <pre>
 *   raw = [dropout(relu(W_t·txt)) ; dropout(relu(W_i·img))]
 *   λ   = sigmoid(W_2·dropout(relu(W_1·raw)))
 *   out = normalize(W_o·dropout(relu(W_c·raw)) + λ·txt + (1 − λ)·img)
 * </pre>
 *
 * Dropout (0.5) is active only while training. Parameter names are CLIP4Cir's, so its checkpoints
 * load as they are.
 */
public final class Combiner extends ClipBlock {
  public static final float DROPOUT = 0.5f;
  /** CLIP4Cir's fixed logit scale for the Combiner's contrastive loss. */
  public static final float LOGIT_SCALE = 100f;

  private final Linear textProjection;
  private final Linear imageProjection;
  private final Linear combinerLayer;
  private final Linear outputLayer;
  private final Linear dynamicScalar0;
  private final Linear dynamicScalar3;
  private final int featureDim;
  private final int projectionDim;
  private final int hiddenDim;

  public Combiner(Weights w, int featureDim, int projectionDim, int hiddenDim) {
    super("");
    this.featureDim = featureDim;
    this.projectionDim = projectionDim;
    this.hiddenDim = hiddenDim;
    this.textProjection = child("text_projection_layer", new Linear(w, "text_projection_layer.", featureDim, projectionDim));
    this.imageProjection = child("image_projection_layer", new Linear(w, "image_projection_layer.", featureDim, projectionDim));
    this.combinerLayer = child("combiner_layer", new Linear(w, "combiner_layer.", 2L * projectionDim, hiddenDim));
    this.outputLayer = child("output_layer", new Linear(w, "output_layer.", hiddenDim, featureDim));
    this.dynamicScalar0 = child("dynamic_scalar.0", new Linear(w, "dynamic_scalar.0.", 2L * projectionDim, hiddenDim));
    this.dynamicScalar3 = child("dynamic_scalar.3", new Linear(w, "dynamic_scalar.3.", hiddenDim, 1));
  }

  /**
   * Random weights with which a new Combiner starts as the normalized sum: the output layer and the
   * last layer of the dynamic scalar start at zero, so out = normalize(0.5·txt + 0.5·img) =
   * normalize(img + txt) before the first update; the other layers are drawn by {@code random}.
   * CLIP4Cir draws every layer at random; starting at the sum lets training only add to what the
   * fine-tuned encoders already rank well.
   */
  public static Weights startingAtSum(Weights random) {
    return new Weights() {
      @Override
      public NDArray take(String name, Shape shape, Init init) {
        boolean zero = name.startsWith("output_layer.") || name.startsWith("dynamic_scalar.3.");
        return random.take(name, shape, zero ? Init.zeros() : init);
      }

      @Override
      public NDManager manager() {
        return random.manager();
      }
    };
  }

  /**
   * Makes inference run every layer on weights that oneDNN has laid out beforehand (a float32 copy
   * of each; a pass of one row keeps the plain matrix-vector product). Inference only.
   */
  public void usePackedLinears(InferenceKernels kernels) {
    for (Linear l : List.of(textProjection, imageProjection, combinerLayer, outputLayer, dynamicScalar0, dynamicScalar3)) {
      l.usePacked(kernels);
    }
  }

  /** CLIP4Cir's sizes for a feature dimension d: projection 4d, hidden 8d. */
  public static int[] defaultSizes(int featureDim) {
    return new int[] {featureDim, 4 * featureDim, 8 * featureDim};
  }

  public int featureDim() {
    return featureDim;
  }

  public int projectionDim() {
    return projectionDim;
  }

  public int hiddenDim() {
    return hiddenDim;
  }

  /**
   * @param image raw image features [b, d] (CLIP4Cir feeds the encoders' raw output)
   * @param text raw text features [b, d]
   * @return the normalised combined features [b, d] and λ [b, 1]
   */
  public NDList combine(ParameterStore ps, NDArray image, NDArray text, boolean training) {
    NDArray t = dropout(relu(textProjection.forward(ps, text, training)), training);
    NDArray i = dropout(relu(imageProjection.forward(ps, image, training)), training);
    NDArray raw = t.concat(i, -1);
    NDArray c = dropout(relu(combinerLayer.forward(ps, raw, training)), training);
    NDArray hidden = dropout(relu(dynamicScalar0.forward(ps, raw, training)), training);
    NDArray lambda = ai.djl.nn.Activation.sigmoid(dynamicScalar3.forward(ps, hidden, training));
    NDArray out =
        outputLayer.forward(ps, c, training)
            .add(lambda.mul(text))
            .add(lambda.neg().add(1f).mul(image));
    return new NDList(normalize(out), lambda);
  }

  /** F.normalize(x, dim=-1): x / max(‖x‖₂, 1e-12). */
  public static NDArray normalize(NDArray x) {
    return x.normalize(2, -1, 1e-12);
  }

  private static NDArray dropout(NDArray x, boolean training) {
    return training ? Dropout.dropout(x, DROPOUT, true).singletonOrThrow() : x;
  }

  /** DJL entry point: inputs (image, text), outputs (combined, λ). */
  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    return combine(ps, inputs.get(0), inputs.get(1), training);
  }

  @Override
  public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
    throw new IllegalArgumentException("the Combiner takes two inputs (image, text features); call combine");
  }
}
