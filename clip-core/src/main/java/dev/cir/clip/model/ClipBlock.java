package dev.cir.clip.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A DJL block whose parameters and children carry the names of OpenAI's PyTorch modules, so the
 * model's state dict reads and writes with the reference's key names. Subclasses declare their
 * parameters in the constructor from a {@link Weights} source and implement a typed {@code
 * forward}.
 */
public abstract class ClipBlock extends AbstractBlock {
  private final Map<String, Parameter> ownParameters = new LinkedHashMap<>();
  private final Map<String, ClipBlock> ownChildren = new LinkedHashMap<>();
  private final String prefix;
  /** Set by {@link #useBf16}: the kernels and the bfloat16 copies of {@link #bf16Parameters()}. */
  private volatile Bf16Kernels bf16;
  private final Map<Parameter, NDArray> bf16Copies = new HashMap<>();

  /**
   * @param prefix this block's full state-dict prefix ending in '.', or "" at the root
   */
  protected ClipBlock(String prefix) {
    this.prefix = prefix;
  }

  /** The full state-dict prefix of this block ("" or ending in '.'). */
  public String prefix() {
    return prefix;
  }

  /** Prefix of the child called {@code name}. */
  protected String sub(String name) {
    return prefix + name + ".";
  }

  /** Declares a trainable parameter. */
  protected Parameter weight(Weights w, String name, Init init, long... shape) {
    return declare(w, name, init, Parameter.Type.WEIGHT, true, shape);
  }

  /** Declares a trainable bias. */
  protected Parameter bias(Weights w, String name, Init init, long... shape) {
    return declare(w, name, init, Parameter.Type.BIAS, true, shape);
  }

  /** Declares a non-trainable buffer (BatchNorm running statistics). */
  protected Parameter buffer(Weights w, String name, Init init, Parameter.Type type, long... shape) {
    return declare(w, name, init, type, false, shape);
  }

  private Parameter declare(
      Weights w, String name, Init init, Parameter.Type type, boolean trainable, long... shape) {
    NDArray array = w.take(prefix + name, new Shape(shape), init);
    Parameter p =
        Parameter.builder()
            .setName(name)
            .setType(type)
            .optArray(array)
            .optRequiresGrad(trainable)
            .build();
    array.setRequiresGradient(false);
    addParameter(p);
    ownParameters.put(name, p);
    return p;
  }

  /** Registers {@code block} as the child called {@code name} and returns it. */
  protected <B extends ClipBlock> B child(String name, B block) {
    addChildBlock(name, block);
    ownChildren.put(name, block);
    return block;
  }

  /**
   * Every parameter and buffer below this block, by full state-dict key, in declaration order.
   */
  public Map<String, Parameter> namedParameters() {
    Map<String, Parameter> out = new LinkedHashMap<>();
    collect(out);
    return out;
  }

  private void collect(Map<String, Parameter> out) {
    ownParameters.forEach((name, p) -> out.put(prefix + name, p));
    ownChildren.values().forEach(c -> c.collect(out));
  }

  /** The value of {@code p} for a forward pass on {@code like}'s device. */
  protected static NDArray value(ParameterStore ps, Parameter p, NDArray like, boolean training) {
    return ps.getValue(p, like.getDevice(), training);
  }

  /**
   * The parameters that this block multiplies with (a weight matrix and its bias), which {@link
   * Precision#BF16} keeps a bfloat16 copy of; none by default.
   */
  protected List<Parameter> bf16Parameters() {
    return List.of();
  }

  /**
   * Blocks this block runs but does not own (they are another block's children, such as the text
   * tower that the zero-shot query shares with CLIP): {@link #useBf16} and {@link #weightBytes}
   * reach them too. None by default.
   */
  protected List<ClipBlock> usedBlocks() {
    return List.of();
  }

  /** Bytes of native memory held by copies of this block's weights made for inference alone (prepacked ones). */
  protected long inferenceCopyBytes() {
    return 0;
  }

  /**
   * Whether this block's children never run their own forward pass in inference (a transformer
   * whose layers run as one call of {@link InferenceKernels}): {@link #useBf16} then makes no
   * bfloat16 copies for them.
   */
  protected boolean childrenRunFused() {
    return false;
  }

  /**
   * Makes this block and every block below it run their products with weights in bfloat16
   * through {@code kernels} (for inference only: the copies do not follow later changes of the
   * weights, and no gradient flows through them). The copies belong to the weights' manager.
   * Calling it again with the same kernels does nothing.
   */
  public final synchronized void useBf16(Bf16Kernels kernels) {
    if (bf16 == kernels) {
      return;
    }
    for (Parameter p : bf16Parameters()) {
      if (p != null) {
        bf16Copies.put(p, kernels.toBf16(p.getArray()));
      }
    }
    bf16 = kernels;
    if (!childrenRunFused()) {
      ownChildren.values().forEach(c -> c.useBf16(kernels));
    }
    usedBlocks().forEach(c -> c.useBf16(kernels));
  }

  /**
   * Bytes of native memory that the weights and buffers of {@code roots} and every block below
   * them hold, with the bfloat16 copies of {@link #useBf16}: each array counted once, however many
   * of the roots share it (the zero-shot query holds the text tower of the CLIP model).
   */
  public static long weightBytes(List<? extends ClipBlock> roots) {
    Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    long total = 0;
    for (ClipBlock b : roots) {
      if (b != null) {
        total += b.weightBytes(seen);
      }
    }
    return total;
  }

  private synchronized long weightBytes(Set<Object> seen) {
    if (!seen.add(this)) {
      return 0;
    }
    long total = 0;
    for (Parameter p : ownParameters.values()) {
      if (p.isInitialized() && seen.add(p.getArray())) {
        total += p.getArray().size() * p.getArray().getDataType().getNumOfBytes();
      }
    }
    total += inferenceCopyBytes();
    for (NDArray copy : bf16Copies.values()) {
      if (seen.add(copy)) {
        // bfloat16, or float32 for the emulated kernels' rounded copies
        total += copy.size() * (copy.getDataType() == DataType.FLOAT32 ? Float.BYTES : 2);
      }
    }
    for (ClipBlock c : ownChildren.values()) {
      total += c.weightBytes(seen);
    }
    for (ClipBlock c : usedBlocks()) {
      total += c.weightBytes(seen);
    }
    return total;
  }

  /** The kernels set by {@link #useBf16}, or null when this block computes in float32. */
  protected final Bf16Kernels bf16() {
    return bf16;
  }

  /** The bfloat16 copy of {@code p} (one of {@link #bf16Parameters()}), null for null. */
  protected final NDArray bf16Copy(Parameter p) {
    return p == null ? null : bf16Copies.get(p);
  }

  /** DJL's generic entry point: one input, one output. */
  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    return new NDList(forward(ps, inputs.singletonOrThrow(), training));
  }

  /** This block's computation on one array. */
  public abstract NDArray forward(ParameterStore ps, NDArray x, boolean training);

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    throw new UnsupportedOperationException(
        getClass().getSimpleName() + " is built from its weights; shape inference is not used");
  }
}
