package dev.cir.clip.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
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
 * several times faster. On {@linkplain Transformer#useInferenceKernels inference kernels} the last
 * layer's products after attention run on the end-of-text rows alone ({@link Transformer#forwardAt}),
 * and a batch of different lengths goes further: each row's products run on its own tokens only
 * ({@link Transformer#forwardPacked}).
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
    return encode(ps, tokens, -1, null, null, training);
  }

  /**
   * The features of token rows in which the position of {@code placeholder} takes a given
   * embedding instead of the vocabulary's row: the pseudo-word of zero-shot composed retrieval
   * (Pic2Word, SEARLE, LinCIR), "a photo of $ that is red" with {@code $} an image's inverted
   * features. Everything else is {@link #forward}'s: the same end-of-text cut and pooling, so a
   * token's own embedding row injected at its position gives exactly that token's features.
   * Gradients reach {@code embeddings}.
   *
   * @param tokens int64 token ids [batch, context]
   * @param placeholder the token id whose position takes the embedding: exactly once in every row,
   *     and not a row's end-of-text (largest) id
   * @param embeddings [batch, width]: row i's embedding for row i's placeholder
   * @return raw text features [batch, embed_dim]
   * @throws IllegalArgumentException when a row holds the placeholder other than once, or the
   *     embeddings are not one row of the tower's width per token row
   */
  public NDArray forward(ParameterStore ps, NDArray tokens, long placeholder, NDArray embeddings, boolean training) {
    if (placeholder < 0) {
      throw new IllegalArgumentException("placeholder token id must be 0 or more, got " + placeholder);
    }
    java.util.Objects.requireNonNull(embeddings, "embeddings");
    return encode(ps, tokens, placeholder, null, embeddings, training);
  }

  /**
   * As {@link #forward(ParameterStore, NDArray, long, NDArray, boolean)}, with each row's injected
   * position given instead of found by a token id: for prompts built around a placeholder that the
   * vocabulary may also use elsewhere in the row (a word vocabulary's {@code <|unk|>}, say).
   *
   * @param positions row i's position that takes row i's embedding, before the row's end-of-text
   *     token
   * @throws IllegalArgumentException when a position is outside that range, or the shapes disagree
   */
  public NDArray forwardAt(ParameterStore ps, NDArray tokens, long[] positions, NDArray embeddings, boolean training) {
    java.util.Objects.requireNonNull(positions, "positions");
    java.util.Objects.requireNonNull(embeddings, "embeddings");
    return encode(ps, tokens, -1, positions, embeddings, training);
  }

  /** The causal transformer between the embeddings and the final LayerNorm. */
  public Transformer transformer() {
    return transformer;
  }

  /** The token embedding table [vocab, width]. */
  public Parameter tokenEmbedding() {
    return tokenEmbedding;
  }

  private NDArray encode(
      ParameterStore ps, NDArray tokens, long placeholder, long[] positions, NDArray embeddings, boolean training) {
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
    long width = x.getShape().get(2);
    if (embeddings != null) {
      x = inject(x, ids, eot, positions != null ? positions : placeholderPositions(ids, eot, placeholder), embeddings);
    }
    x = x.add(value(ps, positionalEmbedding, x, training).get(":" + used + ", :"));
    long[] ends = training ? null : eot.toType(DataType.INT64, false).toLongArray();
    NDArray mask = causalMask(x, used);
    NDArray atEnds =
        ends == null ? null : shorter(ends, used) ? transformer.forwardPacked(x, ends, mask) : transformer.forwardAt(x, ends, mask);
    if (atEnds != null) {
      // [b, width] at the ends; rows of different lengths ran without their padding
      x = lnFinal.forward(ps, atEnds, training);
    } else {
      x = transformer.forward(ps, x, mask, training);
      x = lnFinal.forward(ps, x, training);
      NDArray index = eot.reshape(b, 1, 1).broadcast(new Shape(b, 1, width));
      x = x.gather(index, 1).reshape(b, width);
    }
    Bf16Kernels k = bf16();
    return k != null ? k.matMul(x, bf16Copy(textProjection)) : x.matMul(value(ps, textProjection, x, training));
  }

  /** Whether some row ends before the last position. */
  private static boolean shorter(long[] ends, long used) {
    for (long e : ends) {
      if (e < used - 1) {
        return true;
      }
    }
    return false;
  }

  @Override
  protected java.util.List<Parameter> bf16Parameters() {
    return java.util.List.of(textProjection);
  }

  /** Each row's position of {@code placeholder}, which must occur once, before the row's end token. */
  private static long[] placeholderPositions(NDArray ids, NDArray eot, long placeholder) {
    long b = ids.getShape().get(0);
    long n = ids.getShape().get(1);
    long[] ends = eot.toType(DataType.INT64, false).toLongArray();
    long[] row = ids.toLongArray();
    long[] positions = new long[(int) b];
    for (int i = 0; i < b; i++) {
      int count = 0;
      for (int k = 0; k < n; k++) {
        if (row[(int) (i * n + k)] == placeholder) {
          count++;
          positions[i] = k;
        }
      }
      if (count != 1) {
        throw new IllegalArgumentException(
            "token row " + i + " holds the placeholder token " + placeholder + " " + count + " times; it must hold it once");
      }
      if (positions[i] == ends[i]) {
        throw new IllegalArgumentException(
            "token row " + i + ": the placeholder token " + placeholder + " is the row's largest id, where the end-of-text token must be");
      }
    }
    return positions;
  }

  /** {@code x} [b, n, width] with row i's position {@code positions[i]} replaced by row i's embedding. */
  private static NDArray inject(NDArray x, NDArray ids, NDArray eot, long[] positions, NDArray embeddings) {
    long b = x.getShape().get(0);
    long n = x.getShape().get(1);
    long width = x.getShape().get(2);
    if (!embeddings.getShape().equals(new Shape(b, width))) {
      throw new IllegalArgumentException(
          "injected embeddings must be [" + b + ", " + width + "] (one per token row), got " + embeddings.getShape());
    }
    if (positions.length != b) {
      throw new IllegalArgumentException(positions.length + " injection positions for " + b + " token rows");
    }
    long[] ends = eot.toType(DataType.INT64, false).toLongArray();
    for (int i = 0; i < b; i++) {
      if (positions[i] < 0 || positions[i] >= ends[i]) {
        throw new IllegalArgumentException(
            "token row " + i + ": injection position " + positions[i] + " must lie before the row's end-of-text token at "
                + ends[i]);
      }
    }
    NDArray at =
        ids.getManager().arange(0, (int) n, 1, DataType.INT64).reshape(1, n).eq(ids.getManager().create(positions).reshape(b, 1));
    NDArray mask = at.toDevice(x.getDevice(), false).reshape(b, n, 1).broadcast(new Shape(b, n, width));
    NDArray injected = embeddings.toType(x.getDataType(), false).reshape(b, 1, width).broadcast(new Shape(b, n, width));
    return NDArrays.where(mask, injected, x);
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
