package dev.cir.clip.model;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;

/** CLIP's pre-norm transformer layer: x = x + attn(ln_1(x)); x = x + mlp(ln_2(x)). */
public final class ResidualAttentionBlock extends ClipBlock {
  private final MultiheadAttention attn;
  private final LayerNorm ln1;
  private final Linear cFc;
  private final Linear cProj;
  private final LayerNorm ln2;
  private final Activation activation;

  /**
   * @param layers depth of the whole transformer: OpenAI scales the output projections' init by it
   */
  public ResidualAttentionBlock(
      Weights w, String prefix, long width, int heads, int layers, Activation activation) {
    super(prefix);
    double attnStd = Math.pow(width, -0.5);
    double projStd = attnStd * Math.pow(2.0 * layers, -0.5);
    double fcStd = Math.pow(2.0 * width, -0.5);
    this.attn =
        child("attn", new MultiheadAttention(w, sub("attn"), width, heads, Init.normal(attnStd), Init.normal(projStd)));
    this.ln1 = child("ln_1", new LayerNorm(w, sub("ln_1"), width));
    this.cFc = child("c_fc", new Linear(w, sub("mlp") + "c_fc.", width, 4 * width, true, Init.normal(fcStd)));
    this.cProj = child("c_proj", new Linear(w, sub("mlp") + "c_proj.", 4 * width, width, true, Init.normal(projStd)));
    this.ln2 = child("ln_2", new LayerNorm(w, sub("ln_2"), width));
    this.activation = activation;
  }

  @Override
  public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
    return forward(ps, x, null, training);
  }

  public NDArray forward(ParameterStore ps, NDArray x, NDArray mask, boolean training) {
    x = x.add(attn.forward(ps, ln1.forward(ps, x, training), mask, training));
    return x.add(mlp(ps, ln2.forward(ps, x, training), training));
  }

  private NDArray mlp(ParameterStore ps, NDArray x, boolean training) {
    return cProj.forward(ps, activation.apply(cFc.forward(ps, x, training)), training);
  }
}
