package dev.cir.clip.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.Objects;

/**
 * A zero-shot composed query (Pic2Word): the reference's image features through φ give a
 * pseudo-word, which takes the placeholder's position in the prompt's token row; the text tower's
 * features of that row are the query.
 *
 * <pre>
 *   q = encode_text(prompt with token[position] := φ(image))
 * </pre>
 *
 * Inputs: token rows [b, context] (int64), the placeholder's position in each row [b] (int64), raw
 * image features [b, embed_dim]; output: raw text features [b, embed_dim]. It owns no parameters:
 * the text tower's and φ's stay with the blocks given.
 */
public final class ZeroShotQuery extends ClipBlock {
  private final TextTransformer text;
  private final Inversion inversion;

  public ZeroShotQuery(TextTransformer text, Inversion inversion) {
    super("");
    this.text = Objects.requireNonNull(text, "text");
    this.inversion = Objects.requireNonNull(inversion, "inversion");
  }

  public NDArray query(ParameterStore ps, NDArray tokens, long[] positions, NDArray image, boolean training) {
    return text.forwardAt(ps, tokens, positions, inversion.forward(ps, image, training), training);
  }

  /** The text tower (CLIP's) and φ: bf16 and the weight count reach them through this query. */
  @Override
  protected java.util.List<ClipBlock> usedBlocks() {
    return java.util.List.of(text, inversion);
  }

  @Override
  protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    if (inputs.size() != 3) {
      throw new IllegalArgumentException("a zero-shot query takes token rows, positions and image features; got " + inputs.size() + " inputs");
    }
    return new NDList(query(ps, inputs.get(0), inputs.get(1).toLongArray(), inputs.get(2), training));
  }

  @Override
  public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
    throw new IllegalArgumentException("a zero-shot query takes three inputs (tokens, positions, image features)");
  }
}
