package dev.cir.clip.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.IValue;
import java.util.List;

/**
 * The forward passes of a served model in few engine calls: a whole stack of transformer layers
 * in one TorchScript call, and linear layers whose weights oneDNN has laid out once for its
 * kernels ({@code mkldnn::_reorder_linear_weight}, as {@code torch.compile} does on CPUs).
 *
 * <p>Why: a text pass of a few captions runs about twenty operations a layer on small matrices. One
 * by one through DJL, with weights repacked by the matrix library at every product, the products
 * ran at about half of this machine's matrix-multiply rate and the rest of the layer cost a third
 * again (see the benchmarks guide). Inside one TorchScript method the same operations run without
 * crossing into Java; attention is PyTorch's fused {@code scaled_dot_product_attention}, which is
 * what OpenAI's {@code nn.MultiheadAttention} calls; and prepacked weights make a product of a few
 * rows cost what its arithmetic costs instead of a copy of the weight matrix.
 *
 * <p>Inference only, on the CPU: no gradient flows through these calls, and prepacked copies do not
 * follow later changes of the weights. Results equal the operation-by-operation forward passes up
 * to float rounding (tested). Calls are thread-safe.
 */
public final class InferenceKernels implements AutoCloseable {
  /** How a transformer's products run. */
  public enum Products {
    /** torch.linear on the float32 weights as they are (no copy). */
    FLOAT32(0),
    /** oneDNN on float32 weights it has laid out beforehand (a copy of each weight matrix). */
    FLOAT32_PACKED(1),
    /** oneDNN on bfloat16 copies it has laid out beforehand; inputs rounded to bfloat16, results float32. */
    BF16_PACKED(2),
    /**
     * {@link #BF16_PACKED}'s numbers on float32 kernels, for CPUs without native bfloat16: oneDNN on
     * float32 copies of the weights rounded to bfloat16 and laid out beforehand, inputs and results
     * rounded to bfloat16 (see {@link Bf16Kernels}).
     */
    BF16_EMULATED(3);

    final int code;

    Products(int code) {
      this.code = code;
    }
  }

  /** torch.bfloat16 and torch.float32 as TorchScript's ScalarType numbers. */
  private static final int BFLOAT16 = 15;

  private static final int FLOAT32 = 6;
  private static final String NO_SCALARS = "annotate(List[Optional[number]], [])";

  static final String SOURCE =
      String.join(
          "\n",
          "class InferenceKernels(Module):",
          "  __parameters__ = []",
          "  __buffers__ = []",
          "  training : bool",
          "  def forward(self: __torch__.InferenceKernels,",
          "    w: Tensor) -> Tensor:",
          "    return ops.mkldnn._reorder_linear_weight(w, None)",
          "  def pack_bf16(self: __torch__.InferenceKernels,",
          "    w: Tensor) -> Tensor:",
          "    return ops.mkldnn._reorder_linear_weight(torch.to(w, " + BFLOAT16 + "), None)",
          "  def to_bf16(self: __torch__.InferenceKernels,",
          "    x: Tensor) -> Tensor:",
          "    return torch.to(x, " + BFLOAT16 + ")",
          "  def pack_rounded(self: __torch__.InferenceKernels,",
          "    w: Tensor) -> Tensor:",
          "    return ops.mkldnn._reorder_linear_weight(" + Bf16Kernels.rounded("w") + ", None)",
          "  def rounded(self: __torch__.InferenceKernels,",
          "    x: Tensor) -> Tensor:",
          "    return " + Bf16Kernels.rounded("x"),
          "  def linear(self: __torch__.InferenceKernels,",
          "    x: Tensor,",
          "    w: Tensor,",
          "    packed: Tensor,",
          "    b: Tensor) -> Tensor:",
          // one row: a matrix-vector product reads the plain weights once, faster than the packed kernel;
          // from two rows on the packed kernel reads them once for all rows, the plain product once a row
          "    if torch.lt(torch.floordiv(torch.numel(x), torch.size(x, -1)), 2):",
          "      _0 = torch.linear(x, w, b)",
          "    else:",
          "      _0 = ops.mkldnn._linear_pointwise(x, packed, b, \"none\", " + NO_SCALARS + ", \"\")",
          "    return _0",
          "  def linear_rounded(self: __torch__.InferenceKernels,",
          "    x: Tensor,",
          "    w: Tensor,",
          "    packed: Tensor,",
          "    b: Tensor) -> Tensor:",
          // linear's products on operands rounded to bfloat16 (w, packed and b are already), the result rounded too
          "    return " + Bf16Kernels.rounded("self.linear(" + Bf16Kernels.rounded("x") + ", w, packed, b)"),
          "  def product(self: __torch__.InferenceKernels,",
          "    x: Tensor,",
          "    w: Tensor,",
          "    b: Tensor,",
          "    mode: int) -> Tensor:",
          "    if torch.eq(mode, 0):",
          "      _0 = torch.linear(x, w, b)",
          "    elif torch.eq(mode, 1):",
          "      _0 = ops.mkldnn._linear_pointwise(x, w, b, \"none\", " + NO_SCALARS + ", \"\")",
          "    elif torch.eq(mode, 2):",
          "      _1 = ops.mkldnn._linear_pointwise(torch.to(x, " + BFLOAT16 + "), w, b, \"none\", " + NO_SCALARS + ", \"\")",
          "      _0 = torch.to(_1, " + FLOAT32 + ")",
          "    else:",
          "      _1 = ops.mkldnn._linear_pointwise(" + Bf16Kernels.rounded("x") + ", w, b, \"none\", " + NO_SCALARS + ", \"\")",
          "      _0 = " + Bf16Kernels.rounded("_1"),
          "    return _0",
          "  def layers(self: __torch__.InferenceKernels,",
          "    x: Tensor,",
          "    idx: Optional[Tensor],",
          "    pick: Optional[Tensor],",
          "    b: int,",
          "    n: int,",
          "    mask: Optional[Tensor],",
          "    ws: List[Tensor],",
          "    heads: int,",
          "    quick_gelu: bool,",
          "    mode: int) -> Tensor:",
          // x: rows [rows, d]; all b·n positions of [b, n] in order, or (idx given) the positions idx
          // of it, the sequences' rows without their padding: attention alone runs on [b, n], the
          // padding left zero (a causal mask keeps each sequence's rows from the padding after it).
          // pick given: only those rows (indexes into x) are returned, and the last layer's products
          // after attention run on them alone (the other rows' keys and values are all it needs)
          "    d = torch.size(x, 1)",
          "    dh = torch.floordiv(d, heads)",
          "    bn = torch.mul(b, n)",
          "    last = torch.sub(torch.floordiv(torch.len(ws), 12), 1)",
          "    for i in range(torch.floordiv(torch.len(ws), 12)):",
          "      o = torch.mul(i, 12)",
          "      h = torch.layer_norm(x, [d], ws[o], ws[o + 1], 1.0000000000000001e-05, False)",
          "      qkv = self.product(h, ws[o + 2], ws[o + 3], mode)",
          "      if idx is not None:",
          "        qkv = torch.index_copy(torch.new_zeros(qkv, [bn, torch.size(qkv, 1)]), 0, idx, qkv)",
          "      qkv = torch.permute(torch.view(qkv, [b, n, 3, heads, dh]), [2, 0, 3, 1, 4])",
          "      a = torch.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2], mask)",
          "      a = torch.reshape(torch.transpose(a, 1, 2), [bn, d])",
          "      if idx is not None:",
          "        a = torch.index_select(a, 0, idx)",
          "      if torch.eq(i, last):",
          "        if pick is not None:",
          "          x = torch.index_select(x, 0, pick)",
          "          a = torch.index_select(a, 0, pick)",
          "      x = torch.add(x, self.product(a, ws[o + 4], ws[o + 5], mode))",
          "      h = torch.layer_norm(x, [d], ws[o + 6], ws[o + 7], 1.0000000000000001e-05, False)",
          "      f = self.product(h, ws[o + 8], ws[o + 9], mode)",
          "      if quick_gelu:",
          "        f = torch.mul(f, torch.sigmoid(torch.mul(f, 1.702)))",
          "      else:",
          "        f = torch.gelu(f)",
          "      x = torch.add(x, self.product(f, ws[o + 10], ws[o + 11], mode))",
          "    return x",
          "  def padded(self: __torch__.InferenceKernels,",
          "    x: Tensor,",
          "    mask: Optional[Tensor],",
          "    pick: Optional[Tensor],",
          "    ws: List[Tensor],",
          "    heads: int,",
          "    quick_gelu: bool,",
          "    mode: int) -> Tensor:",
          // x [b, n, d]; returns [b, n, d], or (pick given) the rows pick of it flattened [pick, d]
          "    b = torch.size(x, 0)",
          "    n = torch.size(x, 1)",
          "    d = torch.size(x, 2)",
          "    y = self.layers(torch.reshape(x, [torch.mul(b, n), d]), None, pick, b, n, mask, ws, heads, quick_gelu, mode)",
          "    if pick is None:",
          "      y = torch.reshape(y, [b, n, d])",
          "    return y",
          "  def transformer_at(self: __torch__.InferenceKernels,",
          "    x: Tensor,",
          "    mask: Tensor,",
          "    pick: Tensor,",
          "    ws: List[Tensor],",
          "    heads: int,",
          "    quick_gelu: bool,",
          "    mode: int) -> Tensor:",
          "    return self.padded(x, mask, pick, ws, heads, quick_gelu, mode)",
          "  def transformer_at_unmasked(self: __torch__.InferenceKernels,",
          "    x: Tensor,",
          "    pick: Tensor,",
          "    ws: List[Tensor],",
          "    heads: int,",
          "    quick_gelu: bool,",
          "    mode: int) -> Tensor:",
          "    return self.padded(x, None, pick, ws, heads, quick_gelu, mode)",
          "  def transformer(self: __torch__.InferenceKernels,",
          "    x: Tensor,",
          "    mask: Tensor,",
          "    ws: List[Tensor],",
          "    heads: int,",
          "    quick_gelu: bool,",
          "    mode: int) -> Tensor:",
          "    return self.padded(x, mask, None, ws, heads, quick_gelu, mode)",
          "  def transformer_unmasked(self: __torch__.InferenceKernels,",
          "    x: Tensor,",
          "    ws: List[Tensor],",
          "    heads: int,",
          "    quick_gelu: bool,",
          "    mode: int) -> Tensor:",
          "    return self.padded(x, None, None, ws, heads, quick_gelu, mode)",
          "  def transformer_packed(self: __torch__.InferenceKernels,",
          "    x: Tensor,",
          "    idx: Tensor,",
          "    pick: Tensor,",
          "    mask: Tensor,",
          "    ws: List[Tensor],",
          "    heads: int,",
          "    quick_gelu: bool,",
          "    mode: int) -> Tensor:",
          "    b = torch.size(x, 0)",
          "    n = torch.size(x, 1)",
          "    d = torch.size(x, 2)",
          "    rows = torch.index_select(torch.reshape(x, [torch.mul(b, n), d]), 0, idx)",
          "    return self.layers(rows, idx, pick, b, n, mask, ws, heads, quick_gelu, mode)",
          "");

  private final TorchScriptModule module;

  private InferenceKernels(TorchScriptModule module) {
    this.module = module;
  }

  /** Loads the kernels' module into {@code manager} (a PyTorch engine manager). */
  public static InferenceKernels load(NDManager manager) {
    return new InferenceKernels(TorchScriptModule.load(manager, "InferenceKernels", SOURCE));
  }

  /** A copy of the weight matrix {@code w} [out, in] laid out for oneDNN's float32 kernels; opaque to DJL. */
  NDArray pack(NDArray w) {
    return module.call("forward", w);
  }

  /** A bfloat16 copy of {@code w} [out, in] laid out for oneDNN's kernels; opaque to DJL. */
  NDArray packBf16(NDArray w) {
    return module.call("pack_bf16", w);
  }

  /** A plain bfloat16 copy of {@code x} (a bias of {@link Products#BF16_PACKED}); opaque to DJL. */
  NDArray toBf16(NDArray x) {
    return module.call("to_bf16", x);
  }

  /** A float32 copy of {@code w} [out, in] rounded to bfloat16 and laid out for oneDNN ({@link Products#BF16_EMULATED}); opaque to DJL. */
  NDArray packRounded(NDArray w) {
    return module.call("pack_rounded", w);
  }

  /** A float32 copy of {@code x} rounded to bfloat16 (a bias of {@link Products#BF16_EMULATED}). */
  NDArray rounded(NDArray x) {
    return module.call("rounded", x);
  }

  /** x·Wᵀ + b with {@code packed} = {@link #pack}(W) when x has two rows or more, W itself for one. */
  NDArray linear(NDArray x, NDArray w, NDArray packed, NDArray b) {
    return module.call("linear", x, w, packed, b);
  }

  /**
   * {@link #linear} with bf16's rounding ({@link Bf16Kernels}' emulated kernels): x rounded to
   * bfloat16, {@code w} and {@code b} already rounded, {@code packed} = {@link #pack}(w), the
   * result rounded to bfloat16.
   */
  NDArray linearRounded(NDArray x, NDArray w, NDArray packed, NDArray b) {
    return module.call("linear_rounded", x, w, packed, b);
  }

  /**
   * CLIP's pre-norm residual layers on x [batch, length, width]: for each layer, twelve tensors in
   * {@code weights} — ln_1 weight and bias, in_proj weight and bias, out_proj weight and bias, ln_2
   * weight and bias, c_fc weight and bias, c_proj weight and bias — with the four weight matrices
   * (and in bf16 their biases) prepared for {@code products}.
   *
   * @param mask additive [length, length] attention mask, or null
   */
  NDArray transformer(NDArray x, NDArray mask, List<NDArray> weights, int heads, Activation activation, Products products) {
    return layers("transformer", x, mask, null, weights, heads, activation, products);
  }

  /**
   * {@link #transformer}'s outputs at the positions {@code pick} of x [batch, length, width]
   * (flattened, batch-major) [pick, width]. The last layer's products after attention run on those
   * rows alone: a text pass needs each caption's end-of-text row, an image pass each class token.
   *
   * @param mask additive [length, length] attention mask, or null
   */
  NDArray transformerAt(NDArray x, NDArray mask, long[] pick, List<NDArray> weights, int heads, Activation activation, Products products) {
    try (NDArray p = x.getManager().create(pick)) {
      return layers("transformer_at", x, mask, p, weights, heads, activation, products);
    }
  }

  /** Runs {@code method} (or, without a mask, {@code method_unmasked}): x, the mask, {@code pick} if any, then the layers' arguments. */
  private NDArray layers(
      String method, NDArray x, NDArray mask, NDArray pick, List<NDArray> weights, int heads, Activation activation, Products products) {
    List<IValue> in = new java.util.ArrayList<>();
    in.add(IValue.from((PtNDArray) x));
    if (mask != null) {
      in.add(IValue.from((PtNDArray) mask));
    }
    if (pick != null) {
      in.add(IValue.from((PtNDArray) pick));
    }
    in.add(IValue.listFrom(weights.toArray(new PtNDArray[0])));
    in.add(IValue.from((long) heads));
    in.add(IValue.from(activation == Activation.QUICK_GELU));
    in.add(IValue.from((long) products.code));
    return module.run(mask == null ? method + "_unmasked" : method, x.getManager(), in.toArray(new IValue[0]));
  }

  /**
   * {@link #transformer} on sequences of different lengths, without computing their padding: only
   * the positions {@code idx} of x [batch, length, width] (flattened, batch-major) go through the
   * products; attention sees them in place, the rest zero, under a causal {@code mask} (so a
   * sequence's positions never attend to the padding after it).
   *
   * @param pick the output rows to return, as indexes into idx
   * @return the pick rows' outputs [pick, width]
   */
  NDArray transformerPacked(
      NDArray x, long[] idx, long[] pick, NDArray mask, List<NDArray> weights, int heads, Activation activation, Products products) {
    NDManager m = x.getManager();
    try (NDArray i = m.create(idx); NDArray p = m.create(pick)) {
      return module.run(
          "transformer_packed",
          m,
          IValue.from((PtNDArray) x),
          IValue.from((PtNDArray) i),
          IValue.from((PtNDArray) p),
          IValue.from((PtNDArray) mask),
          IValue.listFrom(weights.toArray(new PtNDArray[0])),
          IValue.from((long) heads),
          IValue.from(activation == Activation.QUICK_GELU),
          IValue.from((long) products.code));
    }
  }

  @Override
  public void close() {
    module.close();
  }
}
