package dev.cir.eval.validate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class GalleryEncoderTest {
  @Test
  void batchesHoldAtMostTheirByteBudgetOfDecodedPixels() {
    assertEquals(GalleryEncoder.CHUNK, GalleryEncoder.chunk(48)); // 27 KB an image: the image cap binds
    assertEquals(55, GalleryEncoder.chunk(224)); // 32 MiB / 602,112 bytes
    assertEquals(33, GalleryEncoder.chunk(288)); // RN50x4
    assertEquals(8, GalleryEncoder.chunk(4096)); // never fewer than 8
    for (int r : new int[] {64, 224, 288, 336, 448}) {
      long bytes = (long) GalleryEncoder.chunk(r) * 3 * r * r * Float.BYTES;
      assertTrue(bytes <= GalleryEncoder.CHUNK_BYTES, r + " px: " + bytes + " bytes a batch");
    }
  }
}
