package dev.cir.clip.model;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;

/**
 * OpenAI's attention pooling ({@code clip/model.py AttentionPool2d}): the mean of the feature map
 * is prepended as a query token, learned positions are added, and one multi-head attention step
 * from that token over all positions gives the image feature.
 */
public final class AttentionPool2d extends ClipBlock {
  private final Parameter positionalEmbedding;
  private final Linear kProj;
  private final Linear qProj;
  private final Linear vProj;
  private final Linear cProj;
  private final long embedDim;
  private final int heads;

  public AttentionPool2d(Weights w, String prefix, long spacialDim, long embedDim, int heads, long outputDim) {
    super(prefix);
    this.embedDim = embedDim;
    this.heads = heads;
    Init std = Init.normal(Math.pow(embedDim, -0.5));
    this.positionalEmbedding =
        weight(w, "positional_embedding", Init.normal(Math.pow(embedDim, -0.5)), spacialDim * spacialDim + 1, embedDim);
    this.kProj = child("k_proj", new Linear(w, sub("k_proj"), embedDim, embedDim, true, std));
    this.qProj = child("q_proj", new Linear(w, sub("q_proj"), embedDim, embedDim, true, std));
    this.vProj = child("v_proj", new Linear(w, sub("v_proj"), embedDim, embedDim, true, std));
    this.cProj = child("c_proj", new Linear(w, sub("c_proj"), embedDim, outputDim, true, std));
    if (embedDim % heads != 0) {
      throw new IllegalArgumentException("width " + embedDim + " is not divisible into " + heads + " heads");
    }
  }

  /**
   * @param x feature map [batch, embed_dim, h, w]
   * @return [batch, output_dim]
   */
  @Override
  public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
    long b = x.getShape().get(0);
    x = x.reshape(b, embedDim, -1).transpose(0, 2, 1); // [b, hw, c]
    x = x.mean(new int[] {1}, true).concat(x, 1); // [b, hw+1, c]
    x = x.add(value(ps, positionalEmbedding, x, training));
    long n = x.getShape().get(1);
    long dh = embedDim / heads;
    NDArray q = qProj.forward(ps, x.get(":, :1, :"), training).reshape(b, 1, heads, dh).transpose(0, 2, 1, 3);
    NDArray k = kProj.forward(ps, x, training).reshape(b, n, heads, dh).transpose(0, 2, 1, 3);
    NDArray v = vProj.forward(ps, x, training).reshape(b, n, heads, dh).transpose(0, 2, 1, 3);
    NDArray attn = Scalars.div(q, (float) Math.sqrt(dh)).matMul(k.transpose(0, 1, 3, 2)).softmax(-1);
    NDArray out = attn.matMul(v).transpose(0, 2, 1, 3).reshape(b, embedDim); // [b, c]
    return cProj.forward(ps, out, training);
  }
}
