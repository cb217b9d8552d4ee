package dev.cir.train.combiner;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TripletFeaturesHeapTest {
  @Test
  void featuresThatTheHeapCannotHoldAreRefusedSayingTheirSize() {
    // 1M images and 2M captions at 768 dimensions: 3M rows of 3,088 bytes
    assertEquals(3_000_000L * (768 * 4 + 16), TripletFeatures.bytes(1_000_000, 2_000_000, 768));
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> TripletFeatures.checkHeap(1_000_000, 2_000_000, 768, 6L << 30));
    assertTrue(e.getMessage().contains("1,000,000 images and 2,000,000 caption variants take 8834.8 MiB"), e.getMessage());
    assertTrue(e.getMessage().contains("CIR_JAVA_OPTS=-Xmx") && e.getMessage().contains("--no-gallery-negatives"), e.getMessage());
    assertDoesNotThrow(() -> TripletFeatures.checkHeap(100_000, 400_000, 512, 6L << 30));
  }
}
