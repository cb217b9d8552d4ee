package dev.cir.modelimport;

import dev.cir.clip.io.DType;
import dev.cir.clip.io.InvalidModelException;
import dev.cir.clip.io.StateDict;
import dev.cir.clip.io.Tensor;
import dev.cir.modelimport.TorchPickleObjects.ScriptObject;
import dev.cir.modelimport.TorchPickleObjects.StorageRef;
import dev.cir.modelimport.TorchPickleObjects.TensorRef;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the tensors of a PyTorch zip archive without PyTorch: {@code torch.save} checkpoints (since
 * torch 1.6) and TorchScript archives ({@code torch.jit.save}, the form of OpenAI's CLIP
 * downloads).
 *
 * <p>Both are a zip holding {@code <dir>/data.pkl}, a pickle whose tensors point, by persistent id,
 * at raw little-endian storages {@code <dir>/data/<key>} (layout documented in {@code
 * torch/serialization.py} and {@code caffe2/serialize/inline_container.h}). The pickle runs on
 * {@link Unpickler}, which executes nothing and resolves names only against the list of {@link
 * TorchPickleObjects}. The object it yields is flattened into state-dict names: nested dicts join
 * their keys with dots ({@code {"state_dict": {"visual.proj": t}}} gives {@code
 * state_dict.visual.proj}), and a TorchScript module tree joins attribute names the way {@code
 * Module.state_dict()} does. Every tensor attribute is kept, so the BatchNorm buffers ({@code
 * running_mean}, {@code running_var}, {@code num_batches_tracked}) that DJL's TorchScript loader
 * leaves behind are read too; attributes that are not tensors (the {@code training} flag, ints) are
 * skipped.
 *
 * <p>Tensors keep their stored dtype. A contiguous view shares the storage's bytes (memory-mapped
 * for large storages); a strided view is copied out in row-major order. The archive's {@code
 * byteorder} record is honoured.
 */
public final class TorchArchive {
  private static final int MAX_PICKLE_BYTES = 256 << 20;
  private static final int MAX_TENSOR_BYTES = Integer.MAX_VALUE - 8;
  private static final int MAX_DEPTH = 256;
  private static final long COPY_ALLOWANCE = 64L << 20;

  private TorchArchive() {}

  /**
   * Reads every tensor of the PyTorch archive {@code file}.
   *
   * <p>The returned metadata holds {@code format}: {@code torchscript} or {@code torch.save}.
   *
   * @throws InvalidModelException naming the file (and the entry or tensor at fault) when it is
   *     missing, not a zip PyTorch archive, truncated, corrupt, or names a Python global that a
   *     checkpoint of tensors does not need
   */
  public static StateDict read(Path file) {
    String source = StateDict.describe(file);
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        ZipArchive zip = ZipArchive.open(checkSignature(ch, source), source)) {
      ZipArchive.Entry pickleEntry = findDataPickle(zip, source);
      String dir =
          pickleEntry.name().substring(0, pickleEntry.name().length() - "data.pkl".length());
      byte[] pickle = toArray(zip.read(pickleEntry, MAX_PICKLE_BYTES));
      String where = source + ": entry '" + pickleEntry.name() + "'";
      Object root = Unpickler.load(pickle, where, new TorchPickleObjects(where));
      if (!(root instanceof Map) && !(root instanceof ScriptObject)) {
        throw new InvalidModelException(
            where + ": holds neither a state dict nor a TorchScript module; nothing to read");
      }
      Map<String, TensorRef> refs = new LinkedHashMap<>();
      collect("", root, refs, 0, new IdentityHashMap<>(), where);
      boolean bigEndian = readByteOrder(zip, dir, source);
      Materializer m = new Materializer(zip, dir, source, bigEndian);
      Map<String, Tensor> tensors = new LinkedHashMap<>();
      for (Map.Entry<String, TensorRef> e : refs.entrySet()) {
        tensors.put(e.getKey(), m.tensor(e.getKey(), e.getValue()));
      }
      String format = root instanceof ScriptObject ? "torchscript" : "torch.save";
      return new StateDict(tensors, Map.of("format", format), source);
    } catch (NoSuchFileException e) {
      throw new InvalidModelException(source + ": file not found", e);
    } catch (IOException e) {
      throw new InvalidModelException(source + ": cannot read: " + e.getMessage(), e);
    } catch (InvalidModelException e) {
      throw e;
    } catch (RuntimeException e) {
      // every check above should have caught a bad file first; still, report it as one
      throw new InvalidModelException(source + ": unreadable PyTorch archive: " + e, e);
    }
  }

  /** {@code ch}, once its first bytes say it is a zip file. */
  private static FileChannel checkSignature(FileChannel ch, String source) throws IOException {
    ByteBuffer head = ByteBuffer.allocate(512);
    while (head.hasRemaining() && ch.read(head, head.position()) > 0) {
      // fill what the file has
    }
    int n = head.position();
    byte[] b = head.array();
    if (n >= 4 && b[0] == 'P' && b[1] == 'K') {
      return ch;
    }
    boolean legacyPickle = n >= 2 && (b[0] & 0xff) == 0x80 && b[1] >= 2 && b[1] <= 5;
    boolean legacyTar =
        n >= 262 && new String(b, 257, 5, StandardCharsets.US_ASCII).equals("ustar");
    if (legacyPickle || legacyTar) {
      throw new InvalidModelException(
          source
              + ": a legacy PyTorch file (torch.save before torch 1.6, or with"
              + " _use_new_zipfile_serialization=False), which is not read here. Re-save it with a"
              + " recent torch (torch.save(torch.load(f), f2)) or convert it to safetensors");
    }
    throw new InvalidModelException(
        source
            + (n == 0
                ? ": the file is empty"
                : ": not a PyTorch archive (it does not start like a zip file)"));
  }

  private static ZipArchive.Entry findDataPickle(ZipArchive zip, String source) {
    List<ZipArchive.Entry> found = new ArrayList<>();
    for (ZipArchive.Entry e : zip.entries().values()) {
      String name = e.name();
      if (name.equals("data.pkl")
          || (name.endsWith("/data.pkl")
              && name.indexOf('/') == name.length() - "/data.pkl".length())) {
        found.add(e);
      }
    }
    if (found.isEmpty()) {
      throw new InvalidModelException(
          source + ": a zip archive without a data.pkl record; not a PyTorch checkpoint");
    }
    if (found.size() > 1) {
      throw new InvalidModelException(
          source
              + ": a zip archive with "
              + found.size()
              + " data.pkl records; cannot tell which to read");
    }
    return found.get(0);
  }

  private static boolean readByteOrder(ZipArchive zip, String dir, String source)
      throws IOException {
    ZipArchive.Entry e = zip.entries().get(dir + "byteorder");
    if (e == null) {
      return false; // archives before torch 2.1 have no record and are little-endian
    }
    String order = new String(toArray(zip.read(e, 16)), StandardCharsets.US_ASCII).trim();
    if (!order.equals("little") && !order.equals("big")) {
      throw new InvalidModelException(
          source + ": entry '" + e.name() + "' names an unknown byte order");
    }
    return order.equals("big");
  }

  /**
   * Flattens dicts and TorchScript modules into dotted names, as Module.state_dict() names them.
   */
  private static void collect(
      String prefix,
      Object value,
      Map<String, TensorRef> out,
      int depth,
      IdentityHashMap<Object, Boolean> path,
      String where) {
    if (value instanceof TensorRef t) {
      if (prefix.isEmpty()) {
        return;
      }
      if (out.putIfAbsent(prefix, t) != null) {
        throw new InvalidModelException(where + ": two tensors are named '" + prefix + "'");
      }
      return;
    }
    Map<?, ?> children;
    if (value instanceof ScriptObject o) {
      children = o.attributes;
    } else if (value instanceof Map<?, ?> m) {
      children = m;
    } else {
      return; // ints, strings, flags, lists and placeholders carry no state-dict tensors
    }
    if (depth > MAX_DEPTH) {
      throw new InvalidModelException(where + ": nested more than " + MAX_DEPTH + " levels deep");
    }
    if (path.put(value, Boolean.TRUE) != null) {
      throw new InvalidModelException(where + ": '" + prefix + "' contains itself");
    }
    for (Map.Entry<?, ?> e : children.entrySet()) {
      Object k = e.getKey();
      if (k instanceof String || k instanceof Long) {
        String name = prefix.isEmpty() ? k.toString() : prefix + "." + k;
        collect(name, e.getValue(), out, depth + 1, path, where);
      }
    }
    path.remove(value);
  }

  /** Turns tensor views into {@link Tensor}s, reading each storage once. */
  private static final class Materializer {
    private final ZipArchive zip;
    private final String dir;
    private final String source;
    private final boolean bigEndian;
    private final Map<String, ByteBuffer> storages = new HashMap<>();
    private long copyBudget;

    Materializer(ZipArchive zip, String dir, String source, boolean bigEndian) {
      this.zip = zip;
      this.dir = dir;
      this.source = source;
      this.bigEndian = bigEndian;
      // strided views are copied; a stride-0 view could otherwise expand a tiny storage without
      // bound
      this.copyBudget = zip.fileSize() + COPY_ALLOWANCE;
    }

    Tensor tensor(String name, TensorRef ref) throws IOException {
      DType dtype = ref.dtype();
      if (dtype == null) {
        throw fail(name, "has element type " + ref.typeName() + ", which is not supported");
      }
      long[] shape = ref.shape();
      long[] stride = ref.stride();
      int e = dtype.bytes();
      long numel;
      long lastIndex = ref.offset();
      try {
        numel = Tensor.numel(shape);
        for (int d = 0; d < shape.length; d++) {
          if (shape[d] > 0) {
            lastIndex = Math.addExact(lastIndex, Math.multiplyExact(shape[d] - 1, stride[d]));
          }
        }
        if (Math.multiplyExact(numel, (long) e) > MAX_TENSOR_BYTES) {
          throw fail(name, "of shape " + Arrays.toString(shape) + " is larger than 2 GiB");
        }
      } catch (ArithmeticException x) {
        throw fail(name, "has a shape or strides that overflow: " + Arrays.toString(shape));
      }
      int nbytes = (int) (numel * e);
      if (numel == 0) {
        return new Tensor(dtype, shape, ByteBuffer.allocate(0));
      }
      ByteBuffer storage = storage(name, ref.storage());
      long have = storage.remaining() / e;
      if (lastIndex >= have) {
        throw fail(
            name,
            "needs "
                + (lastIndex + 1)
                + " elements of storage '"
                + ref.storage().key()
                + "', which holds only "
                + have
                + "; the file is truncated or corrupt");
      }
      ByteBuffer bytes;
      if (isContiguous(shape, stride)) {
        int from = (int) (ref.offset() * e);
        bytes = storage.duplicate().position(from).limit(from + nbytes).slice();
      } else {
        copyBudget -= nbytes;
        if (copyBudget < 0) {
          throw fail(
              name,
              "is a strided view that would expand the file beyond its size; refusing to copy it");
        }
        bytes = gather(storage, e, ref.offset(), shape, stride, nbytes);
      }
      if (bigEndian && e > 1) {
        bytes = swap(bytes, e);
      }
      return new Tensor(dtype, shape, bytes);
    }

    private ByteBuffer storage(String name, StorageRef s) throws IOException {
      ByteBuffer b = storages.get(s.key());
      if (b == null) {
        ZipArchive.Entry entry = zip.entries().get(dir + "data/" + s.key());
        if (entry == null) {
          throw fail(
              name,
              "refers to storage '"
                  + s.key()
                  + "', but the archive has no entry '"
                  + dir
                  + "data/"
                  + s.key()
                  + "'; the file is incomplete");
        }
        b = zip.read(entry, MAX_TENSOR_BYTES);
        storages.put(s.key(), b);
      }
      return b;
    }

    private InvalidModelException fail(String name, String what) {
      return new InvalidModelException(source + ": tensor '" + name + "' " + what);
    }
  }

  private static boolean isContiguous(long[] shape, long[] stride) {
    long expected = 1;
    for (int d = shape.length - 1; d >= 0; d--) {
      if (shape[d] != 1 && stride[d] != expected) {
        return false;
      }
      expected *= shape[d];
    }
    return true;
  }

  /** Copies a strided view into row-major order, a run of the innermost dimension at a time. */
  private static ByteBuffer gather(
      ByteBuffer storage, int e, long offset, long[] shape, long[] stride, int nbytes) {
    byte[] out = new byte[nbytes];
    int rank = shape.length;
    boolean innerRun = rank > 0 && stride[rank - 1] == 1;
    int outer = innerRun ? rank - 1 : rank;
    int runBytes = innerRun ? (int) shape[rank - 1] * e : e;
    long[] index = new long[outer];
    ByteBuffer src = storage.duplicate();
    int pos = 0;
    while (pos < nbytes) {
      long element = offset;
      for (int d = 0; d < outer; d++) {
        element += index[d] * stride[d];
      }
      src.position((int) (element * e));
      src.get(out, pos, runBytes);
      pos += runBytes;
      for (int d = outer - 1; d >= 0; d--) {
        if (++index[d] < shape[d]) {
          break;
        }
        index[d] = 0;
      }
    }
    return ByteBuffer.wrap(out);
  }

  private static ByteBuffer swap(ByteBuffer in, int e) {
    byte[] out = new byte[in.remaining()];
    ByteBuffer src = in.duplicate();
    for (int i = 0; i < out.length; i += e) {
      for (int j = 0; j < e; j++) {
        out[i + j] = src.get(src.position() + i + e - 1 - j);
      }
    }
    return ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
  }

  private static byte[] toArray(ByteBuffer b) {
    byte[] out = new byte[b.remaining()];
    b.duplicate().get(out);
    return out;
  }
}
