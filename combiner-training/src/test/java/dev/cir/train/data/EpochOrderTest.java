package dev.cir.train.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class EpochOrderTest {
  @Test
  void permutationsAreRepeatableAndDifferPerEpochAndSeed() {
    for (int n : new int[] {1, 2, 17, 1000}) {
      int[] p = EpochOrder.permutation(7, 3, n);
      int[] sorted = p.clone();
      Arrays.sort(sorted);
      for (int i = 0; i < n; i++) {
        assertEquals(i, sorted[i]);
      }
      assertArrayEquals(p, EpochOrder.permutation(7, 3, n));
    }
    assertFalse(Arrays.equals(EpochOrder.permutation(7, 3, 1000), EpochOrder.permutation(7, 4, 1000)));
    assertFalse(Arrays.equals(EpochOrder.permutation(7, 3, 1000), EpochOrder.permutation(8, 3, 1000)));
    assertEquals(EpochOrder.batchRandom(1, 2, 3).nextLong(), EpochOrder.batchRandom(1, 2, 3).nextLong());
    assertEquals(EpochOrder.engineSeed(5, 123_456_789_012L), EpochOrder.engineSeed(5, 123_456_789_012L));
    assertEquals(3, EpochOrder.batches(10, 3), "the last partial batch is dropped");
  }
}
