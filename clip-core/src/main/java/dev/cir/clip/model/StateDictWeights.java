package dev.cir.clip.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.cir.clip.io.DType;
import dev.cir.clip.io.InvalidModelException;
import dev.cir.clip.io.StateDict;
import dev.cir.clip.io.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Parameters read from a state dict. Each is checked against the shape the architecture expects
 * (an error names the file, the tensor and both shapes), converted to float32 and copied into
 * engine-owned memory; afterwards {@link #checkAllUsed()} refuses tensors the model did not take,
 * as PyTorch's strict {@code load_state_dict} does.
 */
public final class StateDictWeights implements Weights {
  /** Keys OpenAI's {@code build_model} drops, and BatchNorm's step counters, which inference ignores. */
  private static final Set<String> IGNORED = Set.of("input_resolution", "context_length", "vocab_size");

  private final StateDict dict;
  private final NDManager manager;
  private final Set<String> used = new HashSet<>();

  public StateDictWeights(StateDict dict, NDManager manager) {
    this.dict = dict;
    this.manager = manager;
  }

  @Override
  public NDManager manager() {
    return manager;
  }

  @Override
  public NDArray take(String name, Shape shape, Init init) {
    Tensor t = dict.require(name, shape.getShape());
    if (!t.dtype().isFloating()) {
      throw new InvalidModelException(
          dict.source() + ": tensor '" + name + "' has dtype " + t.dtype() + " but the model needs floating point");
    }
    used.add(name);
    ByteBuffer src = t.dtype() == DType.F32 ? t.bytes() : t.toF32().bytes();
    // a copy the engine owns: the file may be memory-mapped read-only, and training updates in place
    ByteBuffer direct = ByteBuffer.allocateDirect(src.remaining()).order(ByteOrder.nativeOrder());
    if (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
      direct.put(src);
    } else {
      direct.asFloatBuffer().put(src.order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer());
    }
    direct.rewind();
    return manager.create(direct, shape, DataType.FLOAT32);
  }

  /**
   * @throws InvalidModelException listing the tensors of the file that no parameter took
   */
  public void checkAllUsed() {
    List<String> unexpected = new ArrayList<>();
    for (String k : dict.keys()) {
      if (!used.contains(k) && !IGNORED.contains(k) && !k.endsWith(".num_batches_tracked")) {
        unexpected.add(k);
      }
    }
    if (!unexpected.isEmpty()) {
      throw new InvalidModelException(
          dict.source() + ": " + unexpected.size() + " tensor(s) the architecture does not have: "
              + String.join(", ", unexpected.subList(0, Math.min(8, unexpected.size())))
              + (unexpected.size() > 8 ? ", ..." : ""));
    }
  }
}
