package dev.cir.modelimport;

import dev.cir.clip.io.DType;
import dev.cir.clip.io.InvalidModelException;
import dev.cir.clip.io.Tensor;
import dev.cir.modelimport.Unpickler.Tuple;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the names in a PyTorch pickle mean, restricted to what a checkpoint of tensors needs: the
 * same policy as {@code torch.load(weights_only=True)} ({@code torch/_weights_only_unpickler.py}),
 * plus the {@code __torch__.*} module classes of TorchScript archives as plain attribute holders.
 *
 * <p>Nothing is ever constructed by name. Tensors become {@link TensorRef}s (a view over a storage
 * record, read later), TorchScript modules become {@link ScriptObject}s, and a short list of
 * data-only types that training scripts leave in checkpoints (an {@code argparse.Namespace}, numpy
 * scalars) become inert {@link Placeholder}s. Any other global, {@code os.system} or a model class
 * pickled whole, is refused.
 */
final class TorchPickleObjects implements Unpickler.Objects {
  /** A storage named by a persistent id; its bytes are the archive's {@code data/<key>} record. */
  record StorageRef(String key, String typeName, DType dtype) {}

  /**
   * A strided view over a storage, from the arguments of {@code torch._utils._rebuild_tensor_v2}.
   */
  record TensorRef(
      StorageRef storage, DType dtype, String typeName, long offset, long[] shape, long[] stride) {}

  /** An object of a TorchScript class ({@code __torch__.*}): the attributes its BUILD set. */
  static final class ScriptObject {
    final String type;
    final Map<String, Object> attributes = new LinkedHashMap<>();

    ScriptObject(String type) {
      this.type = type;
    }
  }

  /** A data-only object recorded by its type name, never constructed. */
  static final class Placeholder {
    final String type;

    Placeholder(String type) {
      this.type = type;
    }
  }

  private enum Function {
    ORDERED_DICT,
    REBUILD_TENSOR,
    REBUILD_TENSOR_V2,
    REBUILD_TENSOR_V3,
    REBUILD_PARAMETER,
    REBUILD_FROM_TYPE_V2,
    IDENTITY,
    CODECS_ENCODE
  }

  private record ScriptClass(String name) {}

  private record DataType(String name) {}

  private record StorageType(String name, DType dtype) {}

  private record TorchDType(String name, DType dtype) {}

  private static final int MAX_RANK = 64;

  // data-only types that appear beside state dicts in training checkpoints
  private static final Set<String> DATA_TYPES =
      Set.of(
          "torch.Tensor",
          "torch.nn.parameter.Parameter",
          "torch.Size",
          "torch.device",
          "argparse.Namespace",
          "builtins.set",
          "builtins.frozenset",
          "builtins.complex",
          "builtins.bytearray",
          "builtins.slice");

  private static final Map<String, DType> STORAGE_DTYPES =
      Map.ofEntries(
          Map.entry("FloatStorage", DType.F32),
          Map.entry("DoubleStorage", DType.F64),
          Map.entry("HalfStorage", DType.F16),
          Map.entry("BFloat16Storage", DType.BF16),
          Map.entry("LongStorage", DType.I64),
          Map.entry("IntStorage", DType.I32),
          Map.entry("ShortStorage", DType.I16),
          Map.entry("CharStorage", DType.I8),
          Map.entry("ByteStorage", DType.U8),
          Map.entry("BoolStorage", DType.BOOL),
          Map.entry("UntypedStorage", DType.U8));

  private static final Map<String, DType> TORCH_DTYPES =
      Map.ofEntries(
          Map.entry("float32", DType.F32),
          Map.entry("float", DType.F32),
          Map.entry("float64", DType.F64),
          Map.entry("double", DType.F64),
          Map.entry("float16", DType.F16),
          Map.entry("half", DType.F16),
          Map.entry("bfloat16", DType.BF16),
          Map.entry("int64", DType.I64),
          Map.entry("long", DType.I64),
          Map.entry("int32", DType.I32),
          Map.entry("int", DType.I32),
          Map.entry("int16", DType.I16),
          Map.entry("short", DType.I16),
          Map.entry("int8", DType.I8),
          Map.entry("uint8", DType.U8),
          Map.entry("bool", DType.BOOL));

  private final String source;

  /**
   * @param source names the file and entry in error messages
   */
  TorchPickleObjects(String source) {
    this.source = source;
  }

  @Override
  public Object global(String module, String name) {
    String full = module + "." + name;
    switch (full) {
      case "collections.OrderedDict":
        return Function.ORDERED_DICT;
      case "torch._utils._rebuild_tensor":
        return Function.REBUILD_TENSOR;
      case "torch._utils._rebuild_tensor_v2":
        return Function.REBUILD_TENSOR_V2;
      case "torch._utils._rebuild_tensor_v3":
        return Function.REBUILD_TENSOR_V3;
      case "torch._utils._rebuild_parameter":
      case "torch._utils._rebuild_parameter_with_state":
        return Function.REBUILD_PARAMETER;
      case "torch._tensor._rebuild_from_type_v2":
        return Function.REBUILD_FROM_TYPE_V2;
      case "_codecs.encode":
        return Function.CODECS_ENCODE;
        // torch/jit/_pickle.py: type tags of TorchScript lists and dicts, identities in Python
      case "torch.jit._pickle.build_intlist":
      case "torch.jit._pickle.build_tensorlist":
      case "torch.jit._pickle.build_doublelist":
      case "torch.jit._pickle.build_boollist":
      case "torch.jit._pickle.build_tensor_from_id":
      case "torch.jit._pickle.restore_type_tag":
        return Function.IDENTITY;
      default:
        break;
    }
    if (DATA_TYPES.contains(full) || module.equals("numpy") || module.startsWith("numpy.")) {
      return new DataType(full);
    }
    if (module.equals("torch") && name.endsWith("Storage")) {
      return new StorageType(full, STORAGE_DTYPES.get(name));
    }
    if (module.equals("torch") && TORCH_DTYPES.containsKey(name)) {
      return new TorchDType(full, TORCH_DTYPES.get(name));
    }
    if (module.equals("__torch__") || module.startsWith("__torch__.")) {
      return new ScriptClass(full);
    }
    throw new InvalidModelException(
        source
            + ": refusing the pickled global '"
            + full
            + "': a checkpoint of tensors needs only PyTorch's tensor and container types, and"
            + " Python would run this one when loading the file. If you trust the file, load it in"
            + " Python and save model.state_dict() with torch.save, or convert it to safetensors");
  }

  @Override
  public Object reduce(Object callable, Tuple args) {
    if (callable instanceof Function f) {
      return call(f, args);
    }
    if (callable instanceof DataType t) {
      return new Placeholder(t.name());
    }
    if (callable instanceof ScriptClass c) {
      return new ScriptObject(c.name());
    }
    throw fail("cannot call " + describe(callable));
  }

  @Override
  public Object newObject(Object cls, Tuple args) {
    if (cls instanceof ScriptClass c) {
      return new ScriptObject(c.name());
    }
    if (cls instanceof DataType t) {
      return new Placeholder(t.name());
    }
    if (cls == Function.ORDERED_DICT) {
      return new LinkedHashMap<>();
    }
    throw fail("cannot create an object of " + describe(cls));
  }

  @Override
  public void build(Object obj, Object state) {
    // Only TorchScript objects keep their state: an OrderedDict's state is the `_metadata` of
    // Module.state_dict(), tensors' and placeholders' states hold no tensor data.
    if (!(obj instanceof ScriptObject o)) {
      return;
    }
    Object dict = state;
    if (state instanceof Tuple t && t.size() == 2) {
      dict = t.get(0); // (instance dict, slot state), pickle.py load_build
    }
    if (dict instanceof Map<?, ?> m) {
      for (Map.Entry<?, ?> e : m.entrySet()) {
        if (e.getKey() instanceof String k) {
          o.attributes.put(k, e.getValue());
        }
      }
    }
  }

  @Override
  public Object persistentLoad(Object pid) {
    // torch/serialization.py persistent_id: ('storage', storage_type, key, location, numel)
    if (pid instanceof Tuple t
        && t.size() == 5
        && "storage".equals(t.get(0))
        && t.get(1) instanceof StorageType type
        && t.get(2) instanceof String key
        && t.get(3) instanceof String) {
      return new StorageRef(key, type.name(), type.dtype());
    }
    throw fail("unsupported persistent id (expected ('storage', type, key, location, numel))");
  }

  private Object call(Function f, Tuple args) {
    switch (f) {
      case ORDERED_DICT -> {
        Map<Object, Object> d = new LinkedHashMap<>();
        if (args.size() == 1 && args.get(0) instanceof List<?> pairs) {
          for (Object p : pairs) {
            if (!(p instanceof Tuple kv) || kv.size() != 2 || !(kv.get(0) instanceof String k)) {
              throw fail("OrderedDict built from something other than (name, value) pairs");
            }
            d.put(k, kv.get(1));
          }
        } else if (args.size() != 0) {
          throw fail("OrderedDict with unexpected arguments");
        }
        return d;
      }
      case REBUILD_TENSOR -> {
        expectArgs(args, 4, 4, "_rebuild_tensor");
        return tensor(args, null);
      }
      case REBUILD_TENSOR_V2 -> {
        expectArgs(args, 6, 7, "_rebuild_tensor_v2");
        return tensor(args, null);
      }
      case REBUILD_TENSOR_V3 -> {
        expectArgs(args, 7, 8, "_rebuild_tensor_v3");
        if (!(args.get(6) instanceof TorchDType d)) {
          throw fail("_rebuild_tensor_v3 without a dtype");
        }
        return tensor(args, d);
      }
      case REBUILD_PARAMETER -> {
        expectArgs(args, 3, 4, "_rebuild_parameter");
        if (!(args.get(0) instanceof TensorRef t)) {
          throw fail("a Parameter whose data is not a tensor");
        }
        return t;
      }
      case REBUILD_FROM_TYPE_V2 -> {
        // torch/_tensor.py: (func, type, args, state); plain tensors and Parameters only
        expectArgs(args, 4, 4, "_rebuild_from_type_v2");
        if (!(args.get(0) instanceof Function inner)
            || !(args.get(1) instanceof DataType type)
            || !(args.get(2) instanceof Tuple innerArgs)) {
          throw fail("_rebuild_from_type_v2 with unexpected arguments");
        }
        if (!type.name().equals("torch.Tensor")
            && !type.name().equals("torch.nn.parameter.Parameter")) {
          return new Placeholder(type.name());
        }
        return call(inner, innerArgs);
      }
      case IDENTITY -> {
        expectArgs(args, 1, 2, "a TorchScript type tag");
        return args.get(0);
      }
      case CODECS_ENCODE -> {
        // protocol 2 writes Python 3 bytes as _codecs.encode(text, 'latin1')
        expectArgs(args, 1, 2, "_codecs.encode");
        if (!(args.get(0) instanceof String s)) {
          throw fail("_codecs.encode of something other than text");
        }
        return s.getBytes(StandardCharsets.ISO_8859_1);
      }
    }
    throw new AssertionError(f);
  }

  private TensorRef tensor(Tuple args, TorchDType explicit) {
    if (!(args.get(0) instanceof StorageRef storage)) {
      throw fail("a tensor whose storage is not a persistent storage record");
    }
    if (!(args.get(1) instanceof Long offset) || offset < 0) {
      throw fail("a tensor with an invalid storage offset");
    }
    long[] shape = longs(args.get(2), "size");
    long[] stride = longs(args.get(3), "stride");
    if (shape.length != stride.length) {
      throw fail("a tensor with " + shape.length + " sizes but " + stride.length + " strides");
    }
    DType dtype = explicit != null ? explicit.dtype() : storage.dtype();
    String typeName = explicit != null ? explicit.name() : storage.typeName();
    return new TensorRef(storage, dtype, typeName, offset, shape, stride);
  }

  private long[] longs(Object o, String what) {
    if (!(o instanceof Tuple t) || t.size() > MAX_RANK) {
      throw fail("a tensor " + what + " that is not a tuple of at most " + MAX_RANK + " integers");
    }
    long[] out = new long[t.size()];
    for (int i = 0; i < out.length; i++) {
      if (!(t.get(i) instanceof Long v) || v < 0) {
        throw fail("a tensor " + what + " with a negative or non-integer entry");
      }
      out[i] = v;
    }
    return out;
  }

  private void expectArgs(Tuple args, int min, int max, String what) {
    if (args.size() < min || args.size() > max) {
      throw fail(what + " with " + args.size() + " arguments");
    }
  }

  private static String describe(Object o) {
    if (o instanceof StorageType s) {
      return s.name();
    }
    if (o instanceof TorchDType d) {
      return d.name();
    }
    return o == null ? "None" : "a value of type " + o.getClass().getSimpleName();
  }

  private InvalidModelException fail(String what) {
    return new InvalidModelException(source + ": unsupported pickle content: " + what);
  }
}
