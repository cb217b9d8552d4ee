package dev.cir.clip.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

/**
 * A constant multiplied into a training graph must still hold its value when the backward pass
 * runs, however much the JVM has collected and reallocated in between (as a training step does while
 * it builds the next batch).
 */
class ScalarsTest {

  @Test
  void constantsSurviveCollectionsBetweenForwardAndBackward() {
    assertGradient((x, c) -> Scalars.mul(x, c), 1.702f, 1.702f);
    assertGradient((x, c) -> Scalars.div(x, c), 8f, 1f / 8f);
    assertGradient((x, c) -> Scalars.div(x, c), -3f, 1f / -3f);
  }

  private static void assertGradient(BiFunction<NDArray, Float, NDArray> op, float c, float expected) {
    for (int trial = 0; trial < 20; trial++) {
      try (NDManager m = NDManager.newBaseManager()) {
        NDArray x = m.create(new float[] {1f, 2f, 3f, 4f});
        x.setRequiresGradient(true);
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
          NDArray y = op.apply(x, c).sum();
          churn();
          collector.backward(y);
        }
        assertArrayEquals(new float[] {expected, expected, expected, expected}, x.getGradient().toFloatArray(), 0f,
            "d(x op " + c + ")/dx in trial " + trial);
      }
    }
  }

  /** Collects garbage, then fills freshly allocated native memory with NaN: freed memory read later shows it. */
  private static void churn() {
    System.gc();
    try {
      Thread.sleep(20); // the cleaner thread frees unreachable direct buffers
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    List<ByteBuffer> fill = new ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      ByteBuffer b = ByteBuffer.allocateDirect(4 + (i % 4) * 4).order(ByteOrder.nativeOrder());
      while (b.remaining() >= 4) {
        b.putFloat(Float.NaN);
      }
      fill.add(b);
    }
  }
}
