package dev.cir.clip.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cir.clip.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsTest {
  @TempDir Path tmp;

  @Test
  void readsTheReferenceStateDict() {
    StateDict sd = Fixtures.smallTensors("small-vit.safetensors");
    assertEquals("openai-clip-state-dict", sd.metadata().get("format"));
    assertArrayEquals(new long[] {64, 3, 8, 8}, sd.shape("visual.conv1.weight"));
    assertArrayEquals(new long[] {}, sd.shape("logit_scale"));
    assertEquals(DType.F32, sd.get("logit_scale").dtype());
    // logit_scale is initialised to log(1/0.07) by CLIP
    assertEquals(Math.log(1 / 0.07), sd.get("logit_scale").toFloatArray()[0], 1e-3);
    StateDict expected = Fixtures.smallTensors("small-vit.expected.safetensors");
    assertEquals(DType.I64, expected.get("tokens").dtype());
    long[] tokens = expected.get("tokens").toLongArray();
    assertEquals(998, tokens[0]);
  }

  @Test
  void writeThenReadGivesTheSameTensors() throws IOException {
    Random r = new Random(3);
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    for (int i = 0; i < 20; i++) {
      long[] shape = new long[r.nextInt(4)];
      for (int d = 0; d < shape.length; d++) {
        shape[d] = 1 + r.nextInt(i == 7 ? 600 : 9);
      }
      float[] v = new float[(int) Tensor.numel(shape)];
      for (int k = 0; k < v.length; k++) {
        v[k] = (float) r.nextGaussian();
      }
      tensors.put("t" + i, Tensor.ofFloats(shape, v));
    }
    tensors.put("ids", Tensor.ofLongs(new long[] {3}, new long[] {1, -2, Long.MAX_VALUE}));
    Path f = tmp.resolve("x.safetensors");
    SafeTensors.write(f, tensors, Map.of("format", "test"));
    StateDict back = SafeTensors.read(f);
    assertEquals("test", back.metadata().get("format"));
    assertEquals(tensors.keySet(), back.keys());
    for (String k : tensors.keySet()) {
      assertArrayEquals(tensors.get(k).shape(), back.get(k).shape(), k);
      assertEquals(tensors.get(k).bytes(), back.get(k).bytes(), k);
    }
    assertArrayEquals(new long[] {1, -2, Long.MAX_VALUE}, back.get("ids").toLongArray());
    try (var files = Files.list(tmp)) {
      assertEquals(1, files.count(), "no temporary file is left behind");
    }
  }

  @Test
  void refusesTruncatedAndForeignFilesNamingThem() throws IOException {
    byte[] good = Files.readAllBytes(Fixtures.small("combiner.safetensors"));
    Path truncated = tmp.resolve("truncated.safetensors");
    Files.write(truncated, Arrays.copyOf(good, good.length - 100));
    InvalidModelException e = assertThrows(InvalidModelException.class, () -> SafeTensors.read(truncated));
    assertTrue(e.getMessage().contains("truncated.safetensors"), e.getMessage());
    assertTrue(e.getMessage().contains("output_layer") || e.getMessage().contains("outside"), e.getMessage());

    Path empty = tmp.resolve("empty.safetensors");
    Files.write(empty, new byte[0]);
    e = assertThrows(InvalidModelException.class, () -> SafeTensors.read(empty));
    assertTrue(e.getMessage().contains("empty.safetensors"), e.getMessage());

    Path png = Fixtures.small("img_near.png");
    e = assertThrows(InvalidModelException.class, () -> SafeTensors.read(png));
    assertTrue(e.getMessage().contains("img_near.png"), e.getMessage());

    e = assertThrows(InvalidModelException.class, () -> SafeTensors.read(tmp.resolve("absent.safetensors")));
    assertTrue(e.getMessage().contains("absent.safetensors") && e.getMessage().contains("not found"), e.getMessage());
  }

  @Test
  void convertsHalfPrecision() {
    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    b.putShort((short) 0x3e00).putShort((short) (Float.floatToIntBits(-2.25f) >>> 16)).flip();
    Tensor f16 = new Tensor(DType.F16, new long[] {1}, b.duplicate().limit(2));
    Tensor bf16 = new Tensor(DType.BF16, new long[] {1}, b.duplicate().position(2));
    assertEquals(1.5f, f16.toFloatArray()[0]);
    assertEquals(-2.25f, bf16.toFloatArray()[0]);
  }
}
