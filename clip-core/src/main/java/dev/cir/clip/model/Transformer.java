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
  private final Activation activation;
  /** Set by {@link #useInferenceKernels}. */
  private volatile Fused fused;

  /** The kernels, how their products run, every layer's tensors in their order, and the bytes of the copies among them. */
  private record Fused(InferenceKernels kernels, InferenceKernels.Products products, List<NDArray> weights, long copyBytes) {}

  public Transformer(Weights w, String prefix, long width, int layers, int heads, Activation activation) {
    super(prefix);
    this.width = width;
    this.heads = heads;
    this.activation = activation;
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

  /**
   * Makes inference ({@code training} false) run all layers in one call of {@code kernels}, their
   * products as {@code products} says (for inference only: prepacked copies do not follow later
   * changes of the weights). Calling it again replaces the previous setting.
   */
  public synchronized void useInferenceKernels(InferenceKernels kernels, InferenceKernels.Products products) {
    List<NDArray> ws = new ArrayList<>();
    for (ResidualAttentionBlock block : resblocks) {
      ws.addAll(block.inferenceWeights(kernels, products));
    }
    long bytes = 0;
    for (ResidualAttentionBlock block : resblocks) {
      bytes += block.copiedBytes(products);
    }
    fused = new Fused(kernels, products, List.copyOf(ws), bytes);
  }

  /** How inference runs this transformer's products, or null when it runs operation by operation. */
  public InferenceKernels.Products inferenceProducts() {
    Fused f = fused;
    return f == null ? null : f.products();
  }

  @Override
  protected long inferenceCopyBytes() {
    Fused f = fused;
    return f == null ? 0 : f.copyBytes();
  }

  @Override
  protected boolean childrenRunFused() {
    return fused != null;
  }

  /**
   * Inference on causal sequences of different lengths without their padding: x [batch, length,
   * width] where sequence i's positions after {@code ends[i]} are padding; returns each sequence's
   * output at its {@code ends[i]} [batch, width] (as {@link #forwardAt}, the last layer's products
   * after attention on those rows alone). Null when this transformer does not run on
   * {@linkplain #useInferenceKernels inference kernels}: the caller runs {@link #forward} instead.
   *
   * @param mask the causal mask [length, length]
   */
  public NDArray forwardPacked(NDArray x, long[] ends, NDArray mask) {
    Fused f = fused;
    if (f == null) {
      return null;
    }
    long n = x.getShape().get(1);
    int rows = 0;
    for (long e : ends) {
      rows += (int) e + 1;
    }
    long[] idx = new long[rows];
    long[] pick = new long[ends.length];
    int k = 0;
    for (int i = 0; i < ends.length; i++) {
      for (long j = 0; j <= ends[i]; j++) {
        idx[k++] = i * n + j;
      }
      pick[i] = k - 1;
    }
    return f.kernels().transformerPacked(x, idx, pick, mask, f.weights(), heads, activation, f.products());
  }

  /**
   * Inference that returns each sequence's output at one position: x [batch, length, width],
   * sequence i's output at {@code positions[i]} [batch, width] (a caption's end-of-text token, an
   * image's class token). The last layer's products after attention run on those rows alone. Null
   * when this transformer does not run on {@linkplain #useInferenceKernels inference kernels}: the
   * caller runs {@link #forward} instead.
   *
   * @param mask an additive [length, length] attention mask, or null
   */
  public NDArray forwardAt(NDArray x, long[] positions, NDArray mask) {
    Fused f = fused;
    if (f == null) {
      return null;
    }
    long n = x.getShape().get(1);
    long[] pick = new long[positions.length];
    for (int i = 0; i < positions.length; i++) {
      pick[i] = i * n + positions[i];
    }
    return f.kernels().transformerAt(x, mask, pick, f.weights(), heads, activation, f.products());
  }

  public NDArray forward(ParameterStore ps, NDArray x, NDArray mask, boolean training) {
    Fused f = fused;
    if (f != null && !training) {
      return f.kernels().transformer(x, mask, f.weights(), heads, activation, f.products());
    }
    for (ResidualAttentionBlock block : resblocks) {
      x = block.forward(ps, x, mask, training);
    }
    return x;
  }
}
