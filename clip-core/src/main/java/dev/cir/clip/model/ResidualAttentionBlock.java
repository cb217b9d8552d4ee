package dev.cir.clip.model;

import java.util.ArrayList;
import java.util.List;

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

  /**
   * This layer's twelve tensors in the order of {@link InferenceKernels#transformer}, the four
   * weight matrices (and in bf16 their biases) prepared for {@code products}; the rest are the
   * parameters' own arrays.
   */
  List<NDArray> inferenceWeights(InferenceKernels k, InferenceKernels.Products products) {
    List<NDArray> out = new ArrayList<>(12);
    out.add(ln1.weightArray());
    out.add(ln1.biasArray());
    addProduct(out, k, products, attn.inProjWeightArray(), attn.inProjBiasArray());
    addProduct(out, k, products, attn.outProj().weightArray(), attn.outProj().biasArray());
    out.add(ln2.weightArray());
    out.add(ln2.biasArray());
    addProduct(out, k, products, cFc.weightArray(), cFc.biasArray());
    addProduct(out, k, products, cProj.weightArray(), cProj.biasArray());
    return out;
  }

  /** Bytes of the copies that {@link #inferenceWeights} makes for {@code products}: none on the plain float32 weights. */
  long copiedBytes(InferenceKernels.Products products) {
    long matrices = 0;
    long biases = 0;
    for (Linear l : List.of(attn.outProj(), cFc, cProj)) {
      matrices += l.weightArray().size();
      biases += l.biasArray().size();
    }
    matrices += attn.inProjWeightArray().size();
    biases += attn.inProjBiasArray().size();
    return switch (products) {
      case FLOAT32 -> 0;
      case FLOAT32_PACKED -> matrices * Float.BYTES;
      case BF16_PACKED -> (matrices + biases) * 2;
      case BF16_EMULATED -> (matrices + biases) * Float.BYTES;
    };
  }

  private static void addProduct(List<NDArray> out, InferenceKernels k, InferenceKernels.Products products, NDArray w, NDArray b) {
    switch (products) {
      case FLOAT32 -> {
        out.add(w);
        out.add(b);
      }
      case FLOAT32_PACKED -> {
        out.add(k.pack(w));
        out.add(b);
      }
      case BF16_PACKED -> {
        out.add(k.packBf16(w));
        out.add(k.toBf16(b));
      }
      case BF16_EMULATED -> {
        out.add(k.packRounded(w));
        out.add(k.rounded(b));
      }
    }
  }

  private NDArray mlp(ParameterStore ps, NDArray x, boolean training) {
    return cProj.forward(ps, activation.apply(cFc.forward(ps, x, training)), training);
  }
}
