package dev.cir.clip.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;

/**
 * CLIP's text encoder ({@code clip/model.py CLIP.encode_text}): token and position embeddings, a
 * causal transformer, a final LayerNorm, and the output at the end-of-text token (the largest id of
 * each row) projected to the embedding.
 *
 * <p>The causal mask means no position sees a later one, so the features at the end-of-text
 * tokens do not depend on anything after them. Encoding therefore runs only up to the last
 * end-of-text position of the batch, not the full context: identical features, and short captions
 * several times faster.
 */
public final class TextTransformer extends ClipBlock {
  private final Parameter tokenEmbedding;
  private final Parameter positionalEmbedding;
  private final Transformer transformer;
  private final LayerNorm lnFinal;
  private final Parameter textProjection;
  private final int contextLength;

  /** Built at the root of the CLIP state dict: its keys carry no prefix. */
  public TextTransformer(Weights w, ClipConfig c) {
    super("");
    long width = c.textWidth();
    this.contextLength = c.contextLength();
    this.tokenEmbedding = weight(w, "token_embedding.weight", Init.normal(0.02), c.vocabSize(), width);
    this.positionalEmbedding = weight(w, "positional_embedding", Init.normal(0.01), c.contextLength(), width);
    this.transformer =
        child("transformer", new Transformer(w, "transformer.", width, c.textLayers(), c.textHeads(), c.activation()));
    this.lnFinal = child("ln_final", new LayerNorm(w, "ln_final.", width));
    this.textProjection = weight(w, "text_projection", Init.normal(Math.pow(width, -0.5)), width, c.embedDim());
  }

  public int contextLength() {
    return contextLength;
  }

  /**
   * @param tokens int64 token ids [batch, context] as the CLIP tokenizer writes them
   * @return raw text features [batch, embed_dim]
   */
  @Override
  public NDArray forward(ParameterStore ps, NDArray tokens, boolean training) {
    if (tokens.getShape().dimension() != 2 || tokens.getShape().get(1) > contextLength) {
      throw new IllegalArgumentException(
          "tokens must be [batch, ≤" + contextLength + "], got " + tokens.getShape());
    }
    long b = tokens.getShape().get(0);
    NDArray eot = tokens.argMax(1); // [b]: CLIP pools at the largest id, the end-of-text token
    long used = eot.max().getLong() + 1;
    NDArray ids = used < tokens.getShape().get(1) ? tokens.get(":, :" + used) : tokens;
    if (ids.getDataType() != DataType.INT64) {
      ids = ids.toType(DataType.INT64, false);
    }
    NDArray x =
        ids.getNDArrayInternal()
            .embedding(ids, value(ps, tokenEmbedding, ids, training), SparseFormat.DENSE)
            .singletonOrThrow();
    x = x.add(value(ps, positionalEmbedding, x, training).get(":" + used + ", :"));
    x = transformer.forward(ps, x, causalMask(x, used), training);
    x = lnFinal.forward(ps, x, training);
    long width = x.getShape().get(2);
    NDArray index = eot.reshape(b, 1, 1).broadcast(new Shape(b, 1, width));
    x = x.gather(index, 1).reshape(b, width);
    return x.matMul(value(ps, textProjection, x, training));
  }

  /** Additive causal mask [n, n]: −inf above the diagonal, 0 elsewhere (OpenAI's build_attention_mask). */
  static NDArray causalMask(NDArray like, long n) {
    float[] m = new float[(int) (n * n)];
    for (int i = 0; i < n; i++) {
      for (int j = i + 1; j < n; j++) {
        m[(int) (i * n + j)] = Float.NEGATIVE_INFINITY;
      }
    }
    return like.getManager().create(m, new Shape(n, n)).toDevice(like.getDevice(), false);
  }
}
