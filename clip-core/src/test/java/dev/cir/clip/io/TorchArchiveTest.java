package dev.cir.clip.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cir.clip.testing.Fixtures;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class TorchArchiveTest {

  @Test
  void smallTorchScriptArchiveHoldsExactlyTheReferenceStateDict() {
    assertSameTensors(
        SafeTensors.read(Fixtures.small("small-vit.safetensors")),
        TorchArchive.read(Fixtures.small("small-vit.jit.pt")));
  }

  @Test
  void tinyTorchScriptArchiveHoldsExactlyTheReferenceStateDict() {
    Path dir = Fixtures.referenceOrSkip();
    assertSameTensors(
        SafeTensors.read(dir.resolve("tiny-vit.safetensors")),
        TorchArchive.read(dir.resolve("tiny-vit.jit.pt")));
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
}
