package dev.cir.modelimport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cir.clip.io.DType;
import dev.cir.clip.io.InvalidModelException;
import dev.cir.clip.io.SafeTensors;
import dev.cir.clip.io.StateDict;
import dev.cir.clip.io.Tensor;
import dev.cir.clip.testing.Fixtures;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.BiFunction;
import java.util.stream.IntStream;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TorchArchiveTest {
  private static final String JIT_DIR = "small-vit.jit/";

  @TempDir Path tmp;

  @Test
  void smallTorchScriptArchiveHoldsExactlyTheReferenceStateDict() {
    StateDict jit = TorchArchive.read(Fixtures.small("small-vit.jit.pt"));
    assertEquals("torchscript", jit.metadata().get("format"));
    assertSameTensors(SafeTensors.read(Fixtures.small("small-vit.safetensors")), jit);
  }

  @Test
  void tinyTorchScriptArchiveHoldsExactlyTheReferenceStateDict() {
    Path dir = Fixtures.referenceOrSkip();
    assertSameTensors(
        SafeTensors.read(dir.resolve("tiny-vit.safetensors")),
        TorchArchive.read(dir.resolve("tiny-vit.jit.pt")));
  }

  @Test
  void deflatedEntriesReadTheSame() throws IOException {
    Path deflated =
        rewrite(Fixtures.small("small-vit.jit.pt"), "deflated.pt", true, (name, data) -> data);
    assertSameTensors(
        SafeTensors.read(Fixtures.small("small-vit.safetensors")), TorchArchive.read(deflated));
  }

  @Test
  void torchScriptModuleTreeKeepsBatchNormBuffers() {
    StateDict sd = TorchArchive.read(resource("scripted-batchnorm.pt"));
    assertEquals("torchscript", sd.metadata().get("format"));
    // input_resolution is an int attribute here, training a flag: neither is a tensor
    assertEquals(
        List.of(
            "conv1.weight",
            "bn1.weight",
            "bn1.bias",
            "bn1.running_mean",
            "bn1.running_var",
            "bn1.num_batches_tracked",
            "head.0.weight",
            "head.0.bias"),
        sd.keys().stream().toList());
    assertArrayEquals(new float[] {0.1f, 0.2f}, sd.get("bn1.running_mean").toFloatArray());
    assertArrayEquals(new float[] {0.3f, 0.4f}, sd.get("bn1.running_var").toFloatArray());
    assertArrayEquals(new float[] {5f, 6f}, sd.get("bn1.bias").toFloatArray());
    assertEquals(DType.I64, sd.get("bn1.num_batches_tracked").dtype());
    assertArrayEquals(new long[] {}, sd.shape("bn1.num_batches_tracked"));
    assertArrayEquals(new long[] {42}, sd.get("bn1.num_batches_tracked").toLongArray());
    assertArrayEquals(new long[] {2, 1, 2, 2}, sd.shape("conv1.weight"));
    assertArrayEquals(new float[] {7f, 8f}, sd.get("head.0.weight").toFloatArray());
    assertArrayEquals(new float[] {9f}, sd.get("head.0.bias").toFloatArray());
  }

  /** See make_torch_save_fixture.py for how these values were written. */
  @ParameterizedTest
  @ValueSource(strings = {"torch-save-proto2.pt", "torch-save-proto4-bigendian.pt"})
  void torchSaveCheckpointFlattensToDottedNamesWithStoredDtypes(String file) {
    StateDict sd = TorchArchive.read(resource(file));
    assertEquals("torch.save", sd.metadata().get("format"));
    String p = "state_dict.module.";
    // epoch, args (an argparse.Namespace) and blob (bytes) are not tensors
    assertEquals(
        List.of(
            "visual.proj",
            "visual.proj_t",
            "half",
            "bf16",
            "f64",
            "bn.num_batches_tracked",
            "i32",
            "u8",
            "mask",
            "expanded",
            "param",
            "empty"),
        sd.keys().stream().map(k -> k.substring(p.length())).toList());
    assertTrue(sd.keys().stream().allMatch(k -> k.startsWith(p)));

    assertArrayEquals(new long[] {3, 2}, sd.shape(p + "visual.proj"));
    assertArrayEquals(
        new float[] {1f, 1.5f, 2f, 2.5f, 3f, 3.5f}, sd.get(p + "visual.proj").toFloatArray());
    // the transpose shares storage '0' and is materialized row-major
    assertArrayEquals(new long[] {2, 3}, sd.shape(p + "visual.proj_t"));
    assertArrayEquals(
        new float[] {1f, 2f, 3f, 1.5f, 2.5f, 3.5f}, sd.get(p + "visual.proj_t").toFloatArray());
    assertEquals(DType.F16, sd.get(p + "half").dtype());
    assertArrayEquals(new float[] {1f, -2f, 0.5f, 65504f}, sd.get(p + "half").toFloatArray());
    assertEquals(DType.BF16, sd.get(p + "bf16").dtype());
    assertArrayEquals(new float[] {1f, -3f, 0.15625f}, sd.get(p + "bf16").toFloatArray());
    assertEquals(DType.F64, sd.get(p + "f64").dtype());
    assertEquals(1.0 / 3.0, sd.get(p + "f64").bytes().order(ByteOrder.LITTLE_ENDIAN).getDouble(0));
    assertEquals(-1e300, sd.get(p + "f64").bytes().order(ByteOrder.LITTLE_ENDIAN).getDouble(8));
    assertArrayEquals(new long[] {}, sd.shape(p + "bn.num_batches_tracked"));
    assertArrayEquals(
        new long[] {123456789012L}, sd.get(p + "bn.num_batches_tracked").toLongArray());
    assertEquals(DType.I32, sd.get(p + "i32").dtype());
    assertArrayEquals(new long[] {-7, Integer.MAX_VALUE}, sd.get(p + "i32").toLongArray());
    assertEquals(DType.U8, sd.get(p + "u8").dtype());
    assertArrayEquals(new long[] {0, 1, 200, 255}, sd.get(p + "u8").toLongArray());
    assertEquals(DType.BOOL, sd.get(p + "mask").dtype());
    assertArrayEquals(new long[] {1, 0, 1}, sd.get(p + "mask").toLongArray());
    // a stride-0 view (expand) is copied out
    assertArrayEquals(
        new float[] {10f, 20f, 30f, 10f, 20f, 30f}, sd.get(p + "expanded").toFloatArray());
    // nn.Parameter unwraps to its data
    assertArrayEquals(new float[] {-1.5f, 2.25f}, sd.get(p + "param").toFloatArray());
    assertArrayEquals(new long[] {0, 4}, sd.shape(p + "empty"));
  }

  @Test
  void truncatedArchiveIsRefusedNamingTheFile() throws IOException {
    byte[] all = Files.readAllBytes(Fixtures.small("small-vit.jit.pt"));
    Path f = tmp.resolve("truncated.pt");
    Files.write(f, Arrays.copyOf(all, all.length / 2));
    InvalidModelException e = assertThrows(InvalidModelException.class, () -> TorchArchive.read(f));
    assertMentions(e, f, "truncated");
  }

  @Test
  void truncationAnywhereIsRefusedCleanly() throws IOException {
    byte[] all = Files.readAllBytes(resource("torch-save-proto2.pt"));
    Path f = tmp.resolve("cut.pt");
    Random random = new Random(7);
    // every cut in the first and last 100 bytes (headers, end records), a sample between
    IntStream cuts =
        IntStream.concat(
            IntStream.concat(
                IntStream.range(0, 100), IntStream.range(all.length - 100, all.length)),
            random.ints(150, 100, all.length - 100));
    for (int n : cuts.toArray()) {
      Files.write(f, Arrays.copyOf(all, n));
      InvalidModelException e =
          assertThrows(InvalidModelException.class, () -> TorchArchive.read(f));
      assertTrue(e.getMessage().startsWith(StateDict.describe(f)), e.getMessage());
    }
  }

  @Test
  void zipWithoutDataPickleIsRefused() throws IOException {
    Path f =
        rewrite(
            Fixtures.small("small-vit.jit.pt"),
            "no-pickle.pt",
            false,
            (name, data) -> name.endsWith("data.pkl") ? null : data);
    assertMentions(
        assertThrows(InvalidModelException.class, () -> TorchArchive.read(f)), f, "data.pkl");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "os\nsystem",
        "posix\nsystem",
        "builtins\neval",
        "subprocess\nPopen",
        "__main__\nCLIP"
      })
  void forbiddenGlobalIsRefusedBeforeAnythingElse(String global) throws IOException {
    // GLOBAL '<module> <name>', ('touch /tmp/x',), REDUCE: what a hostile checkpoint does
    byte[] pickle =
        concat(
            new byte[] {(byte) 0x80, 2, 'c'},
            (global + "\n").getBytes(StandardCharsets.US_ASCII),
            new byte[] {'X', 12, 0, 0, 0},
            "touch /tmp/x".getBytes(StandardCharsets.US_ASCII),
            new byte[] {(byte) 0x85, 'R', '.'});
    Path f = withPickle(pickle, "hostile.pt");
    InvalidModelException e = assertThrows(InvalidModelException.class, () -> TorchArchive.read(f));
    assertMentions(e, f, global.replace('\n', '.'));
    assertTrue(e.getMessage().contains(JIT_DIR + "data.pkl"), e.getMessage());
  }

  @Test
  void missingStorageIsRefusedNamingTheTensor() throws IOException {
    Path f =
        rewrite(
            Fixtures.small("small-vit.jit.pt"),
            "no-storage.pt",
            false,
            (name, data) -> name.equals(JIT_DIR + "data/5") ? null : data);
    InvalidModelException e = assertThrows(InvalidModelException.class, () -> TorchArchive.read(f));
    assertMentions(e, f, "visual.proj");
    assertTrue(e.getMessage().contains(JIT_DIR + "data/5"), e.getMessage());
  }

  @Test
  void storageShorterThanItsTensorIsRefused() throws IOException {
    Path f =
        rewrite(
            Fixtures.small("small-vit.jit.pt"),
            "short-storage.pt",
            false,
            (name, data) -> name.equals(JIT_DIR + "data/5") ? Arrays.copyOf(data, 100) : data);
    InvalidModelException e = assertThrows(InvalidModelException.class, () -> TorchArchive.read(f));
    assertMentions(e, f, "visual.proj");
    assertTrue(e.getMessage().contains("holds only 25"), e.getMessage());
  }

  @Test
  void legacyTorchSaveIsRefusedWithWhatToDo() throws IOException {
    // torch.save(..., _use_new_zipfile_serialization=False) starts with the pickled magic number
    Path f = tmp.resolve("legacy.pth");
    Files.write(
        f,
        new byte[] {
          (byte) 0x80,
          2,
          (byte) 0x8a,
          10,
          0x6c,
          (byte) 0xfc,
          (byte) 0x9c,
          0x46,
          (byte) 0xf9,
          0x20,
          0x6a,
          (byte) 0xa8,
          0x50,
          0x19,
          '.'
        });
    InvalidModelException e = assertThrows(InvalidModelException.class, () -> TorchArchive.read(f));
    assertMentions(e, f, "legacy");
    assertTrue(e.getMessage().contains("safetensors"), e.getMessage());
  }

  @Test
  void otherFilesAreRefused() throws IOException {
    Path text = tmp.resolve("notes.pt");
    Files.writeString(text, "not a checkpoint");
    assertMentions(
        assertThrows(InvalidModelException.class, () -> TorchArchive.read(text)),
        text,
        "not a PyTorch");
    Path missing = tmp.resolve("missing.pt");
    assertMentions(
        assertThrows(InvalidModelException.class, () -> TorchArchive.read(missing)),
        missing,
        "not found");
    Path empty = tmp.resolve("empty.pt");
    Files.write(empty, new byte[0]);
    assertThrows(InvalidModelException.class, () -> TorchArchive.read(empty));
  }

  @Test
  void selfContainingDictIsRefused() throws IOException {
    // d = {}; d['self'] = d; pickle.dumps(d, protocol=2)
    byte[] pickle = {
      (byte) 0x80, 2, '}', 'q', 0, 'X', 4, 0, 0, 0, 's', 'e', 'l', 'f', 'h', 0, 's', '.'
    };
    Path f = withPickle(pickle, "cycle.pt");
    assertMentions(
        assertThrows(InvalidModelException.class, () -> TorchArchive.read(f)),
        f,
        "contains itself");
  }

  @Test
  void deeplyNestedDictsAreRefusedWithoutExhaustingTheStack() throws IOException {
    int depth = 100_000;
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.write(0x80);
    b.write(2);
    for (int i = 0; i < depth; i++) {
      b.writeBytes(new byte[] {'}', 'X', 1, 0, 0, 0, 'a'});
    }
    b.write('}');
    for (int i = 0; i < depth; i++) {
      b.write('s');
    }
    b.write('.');
    Path f = withPickle(b.toByteArray(), "deep.pt");
    assertMentions(
        assertThrows(InvalidModelException.class, () -> TorchArchive.read(f)), f, "nested");
  }

  @Test
  void strideZeroViewCannotExpandBeyondTheFile() throws IOException {
    // {'x': _rebuild_tensor_v2(<storage '5'>, 0, (20000, 20000), (0, 0), False, OrderedDict())}:
    // 1.6 GB
    byte[] pickle =
        concat(
            new byte[] {(byte) 0x80, 2, '}'},
            str("x"),
            "ctorch._utils\n_rebuild_tensor_v2\n((".getBytes(StandardCharsets.US_ASCII),
            str("storage"),
            "ctorch\nFloatStorage\n".getBytes(StandardCharsets.US_ASCII),
            str("5"),
            str("cpu"),
            new byte[] {
              'K',
              1,
              't',
              'Q',
              'K',
              0,
              'M',
              0x20,
              0x4e,
              'M',
              0x20,
              0x4e,
              (byte) 0x86,
              'K',
              0,
              'K',
              0,
              (byte) 0x86,
              (byte) 0x89,
              '}',
              't',
              'R',
              's',
              '.'
            });
    Path f = withPickle(pickle, "expanded.pt");
    InvalidModelException e = assertThrows(InvalidModelException.class, () -> TorchArchive.read(f));
    assertMentions(e, f, "tensor 'x'");
    assertTrue(e.getMessage().contains("beyond its size"), e.getMessage());
  }

  @Test
  void randomlyDamagedArchivesFailOnlyWithInvalidModelException() throws IOException {
    Random random = new Random(20240611L);
    for (String name :
        List.of(
            "torch-save-proto2.pt", "scripted-batchnorm.pt", "torch-save-proto4-bigendian.pt")) {
      byte[] original = Files.readAllBytes(resource(name));
      Path f = tmp.resolve("damaged-" + name);
      for (int round = 0; round < 200; round++) {
        byte[] damaged = original.clone();
        int flips = 1 + random.nextInt(4);
        for (int i = 0; i < flips; i++) {
          damaged[random.nextInt(damaged.length)] = (byte) random.nextInt(256);
        }
        Files.write(f, damaged);
        try {
          TorchArchive.read(f);
        } catch (InvalidModelException e) {
          assertTrue(e.getMessage().startsWith(StateDict.describe(f)), e.getMessage());
        }
      }
    }
  }

  /**
   * The key sets are compared exactly. The fixtures are traces of {@code clip/model.py}, whose
   * tensor attributes are all parameters, so the archive holds no other tensor. (OpenAI's own
   * downloads also carry {@code input_resolution}, {@code context_length} and {@code vocab_size};
   * {@code ClipCheckpoints} drops those, as OpenAI's {@code build_model} does.)
   */
  static void assertSameTensors(StateDict expected, StateDict actual) {
    assertEquals(expected.keys().stream().toList(), actual.keys().stream().toList());
    for (String k : expected.keys()) {
      Tensor e = expected.get(k);
      Tensor a = actual.get(k);
      assertEquals(e.dtype(), a.dtype(), k);
      assertArrayEquals(e.shape(), a.shape(), k);
      assertEquals(e.bytes(), a.bytes(), k);
    }
  }

  private static void assertMentions(InvalidModelException e, Path file, String what) {
    assertTrue(e.getMessage().contains(StateDict.describe(file)), e.getMessage());
    assertTrue(e.getMessage().contains(what), e.getMessage());
  }

  static Path resource(String name) {
    try {
      return Paths.get(TorchArchiveTest.class.getResource("/io/" + name).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The small ViT archive with its data.pkl replaced. */
  private Path withPickle(byte[] pickle, String name) throws IOException {
    return rewrite(
        Fixtures.small("small-vit.jit.pt"),
        name,
        false,
        (entry, data) -> entry.endsWith("data.pkl") ? pickle : data);
  }

  /** Copies a zip entry by entry through {@code edit} (null drops the entry). */
  private Path rewrite(
      Path src, String name, boolean deflate, BiFunction<String, byte[], byte[]> edit)
      throws IOException {
    Path dst = tmp.resolve(name);
    try (ZipFile in = new ZipFile(src.toFile());
        ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(dst))) {
      for (ZipEntry e : Collections.list(in.entries())) {
        byte[] data;
        try (InputStream s = in.getInputStream(e)) {
          data = edit.apply(e.getName(), s.readAllBytes());
        }
        if (data == null) {
          continue;
        }
        ZipEntry copy = new ZipEntry(e.getName());
        if (deflate) {
          copy.setMethod(ZipEntry.DEFLATED);
        } else {
          CRC32 crc = new CRC32();
          crc.update(data);
          copy.setMethod(ZipEntry.STORED);
          copy.setSize(data.length);
          copy.setCompressedSize(data.length);
          copy.setCrc(crc.getValue());
        }
        out.putNextEntry(copy);
        out.write(data);
        out.closeEntry();
      }
    }
    return dst;
  }

  /** BINUNICODE. */
  private static byte[] str(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    return concat(new byte[] {'X', (byte) b.length, 0, 0, 0}, b);
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      b.writeBytes(p);
    }
    return b.toByteArray();
  }
}
