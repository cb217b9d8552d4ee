package dev.cir.clip.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import java.util.List;

/**
 * Self-attention with the parameter layout of {@code torch.nn.MultiheadAttention}: one packed
 * {@code in_proj_weight} [3d, d] for q, k, v and an {@code out_proj}. Sequences are batch-first
 * [batch, length, d] here (OpenAI's code is length-first; the arithmetic is the same).
 */
public final class MultiheadAttention extends ClipBlock {
  private final Parameter inProjWeight;
  private final Parameter inProjBias;
  private final Linear outProj;
  private final int heads;
  private final long width;

  public MultiheadAttention(Weights w, String prefix, long width, int heads, Init inInit, Init outInit) {
    super(prefix);
    if (heads <= 0 || width % heads != 0) {
      throw new IllegalArgumentException("width " + width + " is not divisible into " + heads + " heads");
    }
    this.width = width;
    this.heads = heads;
    this.inProjWeight = weight(w, "in_proj_weight", inInit, 3 * width, width);
    this.inProjBias = bias(w, "in_proj_bias", Init.zeros(), 3 * width);
    this.outProj = child("out_proj", new Linear(w, sub("out_proj"), width, width, true, outInit));
  }

  @Override
  public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
    return forward(ps, x, null, training);
  }

  NDArray inProjWeightArray() {
    return inProjWeight.getArray();
  }

  NDArray inProjBiasArray() {
    return inProjBias.getArray();
  }

  Linear outProj() {
    return outProj;
  }

  @Override
  protected List<Parameter> bf16Parameters() {
    return List.of(inProjWeight, inProjBias);
  }

  /**
   * @param mask additive [length, length] mask (−inf where attention is not allowed), or null
   */
  public NDArray forward(ParameterStore ps, NDArray x, NDArray mask, boolean training) {
    long b = x.getShape().get(0);
    long n = x.getShape().get(1);
    long dh = width / heads;
    Bf16Kernels kernels = bf16();
    NDArray projected =
        kernels != null
            ? kernels.linear(x, bf16Copy(inProjWeight), bf16Copy(inProjBias))
            : ai.djl.nn.core.Linear.linear(x, value(ps, inProjWeight, x, training), value(ps, inProjBias, x, training))
                .singletonOrThrow();
    NDArray qkv =
        projected
            .reshape(b, n, 3, heads, dh)
            .transpose(2, 0, 3, 1, 4);
    // torch's _scaled_dot_product_attention divides q by sqrt(head_dim) before q·kᵀ
    NDArray q = Scalars.div(qkv.get(0), (float) Math.sqrt(dh));
    NDArray k = qkv.get(1);
    NDArray v = qkv.get(2);
    NDArray scores = q.matMul(k.transpose(0, 1, 3, 2));
    if (mask != null) {
      scores = scores.add(mask);
    }
    NDArray out = scores.softmax(-1).matMul(v).transpose(0, 2, 1, 3).reshape(new Shape(b, n, width));
    return outProj.forward(ps, out, training);
  }
}
