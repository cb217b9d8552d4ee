package dev.cir.clip.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.jni.IValue;

/**
 * The bfloat16 products of {@link Precision#BF16}: a linear layer, a product with a projection
 * matrix and a convolution, each taking a float32 input and a weight already in bfloat16 and
 * returning float32, so that everything between two products stays float32.
 *
 * <p>DJL's PyTorch engine has no bfloat16 data type (its native library maps data types by
 * ordinal and knows nine of them; {@code toType(BFLOAT16)} aborts the process), but tensors of
 * any type pass through TorchScript untouched. So the kernels are the methods of a small
 * TorchScript module, written here as TorchScript source in the archive layout that {@code
 * torch.jit.load} reads, with no weights of its own: the casts happen inside them, and DJL only
 * ever sees float32 results and opaque handles to the bfloat16 weights.
 *
 * <p>Calls are thread-safe (a TorchScript method keeps no state between calls).
 */
public final class Bf16Kernels implements AutoCloseable {
  /** torch.bfloat16 and torch.float32 as TorchScript's ScalarType numbers. */
  private static final int BFLOAT16 = 15;
  private static final int FLOAT32 = 6;

  static final String SOURCE =
      String.join(
          "\n",
          "class Bf16Kernels(Module):",
          "  __parameters__ = []",
          "  __buffers__ = []",
          "  training : bool",
          "  def forward(self: __torch__.Bf16Kernels,",
          "    x: Tensor) -> Tensor:",
          "    return torch.to(x, " + BFLOAT16 + ")",
          "  def linear(self: __torch__.Bf16Kernels,",
          "    x: Tensor,",
          "    w: Tensor,",
          "    b: Tensor) -> Tensor:",
          "    _0 = torch.linear(torch.to(x, " + BFLOAT16 + "), w, b)",
          "    return torch.to(_0, " + FLOAT32 + ")",
          "  def linear_no_bias(self: __torch__.Bf16Kernels,",
          "    x: Tensor,",
          "    w: Tensor) -> Tensor:",
          "    _0 = torch.linear(torch.to(x, " + BFLOAT16 + "), w)",
          "    return torch.to(_0, " + FLOAT32 + ")",
          "  def matmul(self: __torch__.Bf16Kernels,",
          "    x: Tensor,",
          "    w: Tensor) -> Tensor:",
          "    _0 = torch.matmul(torch.to(x, " + BFLOAT16 + "), w)",
          "    return torch.to(_0, " + FLOAT32 + ")",
          "  def conv2d(self: __torch__.Bf16Kernels,",
          "    x: Tensor,",
          "    w: Tensor,",
          "    stride: List[int],",
          "    padding: List[int]) -> Tensor:",
          "    _0 = torch.conv2d(torch.to(x, " + BFLOAT16 + "), w, None, stride, padding, [1, 1], 1)",
          "    return torch.to(_0, " + FLOAT32 + ")",
          "");

  private final TorchScriptModule module;

  private Bf16Kernels(TorchScriptModule module) {
    this.module = module;
  }

  /** Loads the kernels' module into {@code manager} (a PyTorch engine manager). */
  public static Bf16Kernels load(NDManager manager) {
    if (!(manager instanceof PtNDManager)) {
      throw new IllegalArgumentException("bf16 needs DJL's PyTorch engine, not " + manager.getEngine().getEngineName());
    }
    return new Bf16Kernels(TorchScriptModule.load(manager, "Bf16Kernels", SOURCE));
  }

  /**
   * A bfloat16 copy of {@code x} (rounded to nearest, ties to even), in {@code x}'s manager. DJL
   * reports its data type as unknown; pass it only to this class's methods.
   */
  public NDArray toBf16(NDArray x) {
    return call("forward", x);
  }

  /** x·Wᵀ + b with x, W and b as bfloat16, accumulated by the kernel, returned as float32. */
  public NDArray linear(NDArray x, NDArray w16, NDArray b16) {
    return b16 == null ? call("linear_no_bias", x, w16) : call("linear", x, w16, b16);
  }

  /** x·W (torch.matmul) with both as bfloat16, returned as float32. */
  public NDArray matMul(NDArray x, NDArray w16) {
    return call("matmul", x, w16);
  }

  /** A convolution without bias, dilation 1, one group, on bfloat16 operands, returned as float32. */
  public NDArray conv2d(NDArray x, NDArray w16, long stride, long padding) {
    IValue[] in = {
      IValue.from((PtNDArray) x), IValue.from((PtNDArray) w16), IValue.listFrom(stride, stride), IValue.listFrom(padding, padding)
    };
    return module.run("conv2d", x.getManager(), in);
  }

  private NDArray call(String method, NDArray... args) {
    return module.call(method, args);
  }

  @Override
  public void close() {
    module.close();
  }
}
