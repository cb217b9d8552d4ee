package dev.cir.clip.encoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cir.clip.bundle.BundleManifest;
import dev.cir.clip.bundle.ModelBundle;
import dev.cir.clip.io.SafeTensors;
import dev.cir.clip.io.Tensor;
import dev.cir.clip.model.Bf16Kernels;
import dev.cir.clip.model.Precision;
import dev.cir.clip.testing.SystemProperties;
import dev.cir.clip.testing.TestBundles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The native memory an encoder reports for its weights, against the bundle's files. */
class WeightBytesTest {
  @TempDir Path tmp;

  /** The tensor bytes of a safetensors file: all of it but the 8-byte length and the JSON header. */
  static long tensorBytes(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file)) {
      ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      ch.read(len, 0);
      return ch.size() - 8 - len.getLong(0);
    }
  }

  /** Values of the Combiner's weight matrices (each prepacked in fused float32 passes). */
  static long combinerMatrixValues(ModelBundle bundle) {
    long n = 0;
    for (Map.Entry<String, Tensor> e : SafeTensors.read(bundle.dir().resolve(BundleManifest.COMBINER_FILE)).tensors().entrySet()) {
      if (e.getKey().endsWith(".weight")) {
        n += e.getValue().numel();
      }
    }
    return n;
  }

  /** Values of the matrices that fused float32 passes prepack: the text transformer's four a layer, every Combiner weight. */
  static long prepackedValues(ModelBundle bundle) {
    long n = 0;
    for (Map.Entry<String, Tensor> e : SafeTensors.read(bundle.dir().resolve(BundleManifest.CLIP_FILE)).tensors().entrySet()) {
      String k = e.getKey();
      if (k.startsWith("transformer.resblocks.")
          && (k.endsWith("attn.in_proj_weight") || k.endsWith("attn.out_proj.weight") || k.endsWith("mlp.c_fc.weight")
              || k.endsWith("mlp.c_proj.weight"))) {
        n += e.getValue().numel();
      }
    }
    for (Map.Entry<String, Tensor> e : SafeTensors.read(bundle.dir().resolve(BundleManifest.COMBINER_FILE)).tensors().entrySet()) {
      if (e.getKey().endsWith(".weight")) {
        n += e.getValue().numel();
      }
    }
    return n;
  }

  @Test
  void float32WeightsAreTheBundleFilesTensorsOnceAndBf16AddsItsCopies() throws Exception {
    ModelBundle bundle = TestBundles.smallWithInversion(tmp.resolve("b"), "w5 $ w7 {text}");
    long files = 0;
    try (Stream<Path> s = Files.list(bundle.dir())) {
      for (Path f : s.filter(p -> p.toString().endsWith(".safetensors")).toList()) {
        files += tensorBytes(f);
      }
    }
    assertTrue(files > 0);
    EncoderOptions options = EncoderOptions.defaults().withPredictors(2);
    long exact;
    try (CirEncoder e = CirEncoder.open(bundle, options.withFusedPasses(false))) {
      exact = e.weightBytes();
    }
    // the zero-shot query shares the CLIP text tower: counted once, so the total is the files' float32 tensors
    assertEquals(files, exact);
    long fused;
    try (CirEncoder e = CirEncoder.open(ModelBundle.open(bundle.dir()), options)) {
      fused = e.weightBytes();
    }
    assertEquals(files + 4 * prepackedValues(bundle), fused, "fused passes add a float32 copy of the text layers' and the Combiner's matrices");
    long nativeCopies = bf16Bytes(bundle, options, "native") - exact;
    assertTrue(
        nativeCopies > 0 && nativeCopies <= exact / 2, "bfloat16 copies of some of the weights at 2 bytes each: " + nativeCopies + " of " + exact);
    long emulatedCopies = bf16Bytes(bundle, options, "emulated") - exact;
    assertEquals(
        2 * nativeCopies + 4 * combinerMatrixValues(bundle),
        emulatedCopies,
        "the emulated kernels copy the same weights, rounded, at 4 bytes each, and prepack the Combiner's as float32 does");
  }

  /** The weight bytes of the bundle in bf16 with the kernels {@code kernels} (native or emulated). */
  private static long bf16Bytes(ModelBundle bundle, EncoderOptions options, String kernels) throws Exception {
    return SystemProperties.with(
        Bf16Kernels.KERNELS_PROPERTY,
        kernels,
        () -> {
          try (CirEncoder e = CirEncoder.open(ModelBundle.open(bundle.dir()), options.withPrecision(Precision.BF16))) {
            assertEquals(kernels.equals("emulated"), e.bf16Emulated());
            return e.weightBytes();
          }
        });
  }
}
