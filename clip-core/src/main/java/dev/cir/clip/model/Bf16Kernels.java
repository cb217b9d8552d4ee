package dev.cir.clip.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.jni.IValue;
import java.util.function.UnaryOperator;

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
 * <p>Two sets of kernels give the same numbers. Where the CPU multiplies bfloat16 natively
 * (AVX512-BF16, AMX) or on a GPU, the operands are bfloat16 tensors and PyTorch's bfloat16 kernels
 * run. Elsewhere those kernels are PyTorch's generic ones, at under 1% of float32's rate (the
 * benchmarks guide; {@code cir bench encode --precision bf16} measures it), so the products run
 * <em>emulated</em> instead: the float32 kernels on operands rounded to bfloat16, the result rounded
 * to bfloat16 again. A product of two bfloat16 values is exact in float32 and both accumulate in
 * float32, so the two differ only by the order of the accumulation (tested). The system property
 * {@value #KERNELS_PROPERTY} ({@code native} or {@code emulated}) overrides the choice.
 *
 * <p>Calls are thread-safe (a TorchScript method keeps no state between calls).
 */
public final class Bf16Kernels implements AutoCloseable {
  /** torch.bfloat16 and torch.float32 as TorchScript's ScalarType numbers. */
  private static final int BFLOAT16 = 15;
  private static final int FLOAT32 = 6;

  /**
   * The kernels' TorchScript source: each method casts its float32 input to the operand type,
   * runs the product and casts the result back to float32. Native: the operands are bfloat16
   * tensors. Emulated: float32 tensors holding bfloat16 values, the result rounded to bfloat16.
   */
  static String source(boolean emulated) {
    UnaryOperator<String> operand = x -> emulated ? rounded(x) : "torch.to(" + x + ", " + BFLOAT16 + ")";
    UnaryOperator<String> result = e -> emulated ? rounded(e) : "torch.to(" + e + ", " + FLOAT32 + ")";
    return String.join(
        "\n",
        "class Bf16Kernels(Module):",
        "  __parameters__ = []",
        "  __buffers__ = []",
        "  training : bool",
        "  def forward(self: __torch__.Bf16Kernels,",
        "    x: Tensor) -> Tensor:",
        "    return " + operand.apply("x"),
        "  def linear(self: __torch__.Bf16Kernels,",
        "    x: Tensor,",
        "    w: Tensor,",
        "    b: Tensor) -> Tensor:",
        "    return " + result.apply("torch.linear(" + operand.apply("x") + ", w, b)"),
        "  def linear_no_bias(self: __torch__.Bf16Kernels,",
        "    x: Tensor,",
        "    w: Tensor) -> Tensor:",
        "    return " + result.apply("torch.linear(" + operand.apply("x") + ", w)"),
        "  def matmul(self: __torch__.Bf16Kernels,",
        "    x: Tensor,",
        "    w: Tensor) -> Tensor:",
        "    return " + result.apply("torch.matmul(" + operand.apply("x") + ", w)"),
        "  def conv2d(self: __torch__.Bf16Kernels,",
        "    x: Tensor,",
        "    w: Tensor,",
        "    stride: List[int],",
        "    padding: List[int]) -> Tensor:",
        "    return " + result.apply("torch.conv2d(" + operand.apply("x") + ", w, None, stride, padding, [1, 1], 1)"),
        "");
  }

  /** The system property that picks the kernels: {@code native} or {@code emulated} (default: by the device and the CPU). */
  public static final String KERNELS_PROPERTY = "cir.bf16.kernels";

  /** TorchScript: {@code expr} rounded to bfloat16 (nearest, ties to even), as float32. */
  static String rounded(String expr) {
    return "torch.to(torch.to(" + expr + ", " + BFLOAT16 + "), " + FLOAT32 + ")";
  }

  private final TorchScriptModule module;
  private final boolean emulated;

  private Bf16Kernels(TorchScriptModule module, boolean emulated) {
    this.module = module;
    this.emulated = emulated;
  }

  /**
   * Loads the kernels' module into {@code manager} (a PyTorch engine manager): native on a GPU and
   * where the CPU multiplies bfloat16 natively, emulated elsewhere, unless {@value
   * #KERNELS_PROPERTY} says otherwise.
   */
  public static Bf16Kernels load(NDManager manager) {
    return load(manager, emulatedOn(manager.getDevice().isGpu()));
  }

  /** Loads the native ({@code emulated} false) or the emulated kernels into {@code manager}. */
  public static Bf16Kernels load(NDManager manager, boolean emulated) {
    if (!(manager instanceof PtNDManager)) {
      throw new IllegalArgumentException("bf16 needs DJL's PyTorch engine, not " + manager.getEngine().getEngineName());
    }
    return new Bf16Kernels(TorchScriptModule.load(manager, "Bf16Kernels", source(emulated)), emulated);
  }

  /**
   * Whether bf16 products run emulated by default: on a CPU without native bfloat16, or as
   * {@value #KERNELS_PROPERTY} says.
   *
   * @throws IllegalArgumentException for a value of the property other than native and emulated
   */
  public static boolean emulatedOn(boolean gpu) {
    String v = System.getProperty(KERNELS_PROPERTY, "").trim();
    switch (v) {
      case "":
        return !gpu && !Precision.cpuHasNativeBf16();
      case "native":
        return false;
      case "emulated":
        return true;
      default:
        throw new IllegalArgumentException("unknown " + KERNELS_PROPERTY + " '" + v + "'; use native or emulated");
    }
  }

  /** Whether these are the emulated kernels (float32 kernels on operands rounded to bfloat16). */
  public boolean emulated() {
    return emulated;
  }

  /**
   * A bfloat16 copy of {@code x} (rounded to nearest, ties to even), in {@code x}'s manager: a
   * bfloat16 tensor, whose data type DJL reports as unknown (pass it only to this class's
   * methods), or with the emulated kernels a float32 tensor of the rounded values.
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
