package dev.cir.clip.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * A TorchScript module without weights, written here as TorchScript source in the archive layout
 * that {@code torch.jit.load} reads: the way to run PyTorch operations that DJL's engine does not
 * expose (bfloat16 tensors, oneDNN's prepacked weights) or to run many operations in one call.
 * Its methods keep no state between calls, so calls from several threads at once are safe.
 */
final class TorchScriptModule implements AutoCloseable {
  private final PtSymbolBlock module;

  private TorchScriptModule(PtSymbolBlock module) {
    this.module = module;
  }

  /**
   * Compiles {@code source} (a class {@code name} deriving from Module, its methods annotated as
   * {@code torch.jit.save} writes them) into {@code manager}, a PyTorch engine manager.
   */
  static TorchScriptModule load(NDManager manager, String name, String source) {
    if (!(manager instanceof PtNDManager pt)) {
      throw new IllegalArgumentException("TorchScript needs DJL's PyTorch engine, not " + manager.getEngine().getEngineName());
    }
    try {
      return new TorchScriptModule(JniUtils.loadModule(pt, new ByteArrayInputStream(archive(name, source)), true, false));
    } catch (IOException e) {
      throw new UncheckedIOException("could not load the TorchScript module " + name, e);
    }
  }

  /** Runs {@code method} on tensors; the result belongs to the first tensor's manager. */
  NDArray call(String method, NDArray... args) {
    IValue[] in = new IValue[args.length];
    for (int i = 0; i < args.length; i++) {
      in[i] = IValue.from((PtNDArray) args[i]);
    }
    return run(method, (PtNDManager) args[0].getManager(), in);
  }

  /**
   * Runs {@code method} on arguments already wrapped (tensors, lists, numbers); closes them, and
   * returns the result in {@code manager}.
   */
  NDArray run(String method, NDManager manager, IValue... in) {
    try (IValue out = IValueUtils.runMethod(module, method, in)) {
      return out.toTensor((PtNDManager) manager);
    } finally {
      for (IValue v : in) {
        v.close();
      }
    }
  }

  @Override
  public void close() {
    module.close();
  }

  /** The module as torch.jit.save lays it out: its pickled object, its code, no tensors. */
  static byte[] archive(String name, String source) throws IOException {
    String dir = name.toLowerCase(java.util.Locale.ROOT);
    ByteArrayOutputStream zip = new ByteArrayOutputStream();
    try (ZipOutputStream z = new ZipOutputStream(zip)) {
      entry(z, dir + "/data.pkl", pickledModule(name));
      entry(z, dir + "/constants.pkl", new byte[] {(byte) 0x80, 2, ')', '.'}); // an empty tuple
      entry(z, dir + "/code/__torch__.py", source.getBytes(StandardCharsets.UTF_8));
      entry(z, dir + "/version", "3\n".getBytes(StandardCharsets.US_ASCII));
    }
    return zip.toByteArray();
  }

  /** Pickle protocol 2 of {@code __torch__.NAME()} with its state {@code {"training": False}}. */
  private static byte[] pickledModule(String name) {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    o.write(0x80); // PROTO 2
    o.write(2);
    o.writeBytes(("c__torch__\n" + name + "\n").getBytes(StandardCharsets.US_ASCII)); // GLOBAL
    o.write(')'); // EMPTY_TUPLE
    o.write(0x81); // NEWOBJ
    o.write('}'); // EMPTY_DICT
    byte[] key = "training".getBytes(StandardCharsets.UTF_8);
    o.write('X'); // BINUNICODE, 4-byte little-endian length
    o.write(key.length);
    o.write(0);
    o.write(0);
    o.write(0);
    o.writeBytes(key);
    o.write(0x89); // NEWFALSE
    o.write('s'); // SETITEM
    o.write('b'); // BUILD
    o.write('.'); // STOP
    return o.toByteArray();
  }

  private static void entry(ZipOutputStream z, String name, byte[] bytes) throws IOException {
    z.putNextEntry(new ZipEntry(name));
    z.write(bytes);
    z.closeEntry();
  }
}
