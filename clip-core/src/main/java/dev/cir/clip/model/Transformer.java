package dev.cir.clip.model;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.List;

/** A stack of {@link ResidualAttentionBlock}s ({@code resblocks.0} ... {@code resblocks.N-1}). */
public final class Transformer extends ClipBlock {
  private final List<ResidualAttentionBlock> resblocks = new ArrayList<>();
  private final long width;
  private final int heads;

  public Transformer(Weights w, String prefix, long width, int layers, int heads, Activation activation) {
    super(prefix);
    this.width = width;
    this.heads = heads;
    for (int i = 0; i < layers; i++) {
      String name = "resblocks." + i;
      resblocks.add(child(name, new ResidualAttentionBlock(w, sub(name), width, heads, layers, activation)));
    }
  }

  public long width() {
    return width;
  }

  public int heads() {
    return heads;
  }

  public int layers() {
    return resblocks.size();
  }

  @Override
  public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
    return forward(ps, x, null, training);
  }

  public NDArray forward(ParameterStore ps, NDArray x, NDArray mask, boolean training) {
    for (ResidualAttentionBlock block : resblocks) {
      x = block.forward(ps, x, mask, training);
    }
    return x;
  }
}
