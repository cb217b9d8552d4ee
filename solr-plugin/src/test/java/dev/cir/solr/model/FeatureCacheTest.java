package dev.cir.solr.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class FeatureCacheTest {
  private final AtomicInteger encodings = new AtomicInteger();

  private float[] encode(String text) {
    encodings.incrementAndGet();
    return new float[] {text.length(), 1f};
  }

  @Test
  void aRepeatedKeyIsEncodedOnceAndCounted() {
    FeatureCache<String> cache = new FeatureCache<>(8);
    FeatureCache.Lookup first = cache.get("red", this::encode);
    FeatureCache.Lookup second = cache.get("red", this::encode);
    assertFalse(first.cached());
    assertTrue(second.cached());
    assertArrayEquals(first.features(), second.features());
    assertEquals(1, encodings.get());
    assertEquals(1, cache.hits());
    assertEquals(1, cache.misses());
    assertEquals(1, cache.size());
  }

  @Test
  void aCallerChangingItsFeaturesDoesNotChangeTheCache() {
    FeatureCache<String> cache = new FeatureCache<>(8);
    cache.get("blue", this::encode).features()[0] = 99f;
    float[] again = cache.get("blue", this::encode).features();
    assertEquals(4f, again[0]);
    again[1] = -5f;
    assertEquals(1f, cache.get("blue", this::encode).features()[1]);
  }

  @Test
  void sizeStaysWithinCapacityAndZeroCachesNothing() {
    FeatureCache<String> cache = new FeatureCache<>(16);
    for (int i = 0; i < 1000; i++) {
      cache.get("caption " + i, this::encode);
    }
    assertTrue(cache.size() <= 16, "size " + cache.size());
    FeatureCache<String> off = new FeatureCache<>(0);
    off.get("x", this::encode);
    assertFalse(off.get("x", this::encode).cached());
    assertEquals(0, off.size());
  }

  @Test
  void threadsMissingTheSameKeyAtOnceShareOneEncoding() throws Exception {
    FeatureCache<String> cache = new FeatureCache<>(8);
    CountDownLatch inside = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Future<FeatureCache.Lookup> a =
          pool.submit(
              () ->
                  cache.get(
                      "slow",
                      k -> {
                        inside.countDown();
                        try {
                          release.await(10, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                          Thread.currentThread().interrupt();
                        }
                        return encode(k);
                      }));
      assertTrue(inside.await(10, TimeUnit.SECONDS));
      Future<FeatureCache.Lookup> b = pool.submit(() -> cache.get("slow", this::encode));
      Thread.sleep(100);
      release.countDown();
      assertArrayEquals(a.get(10, TimeUnit.SECONDS).features(), b.get(10, TimeUnit.SECONDS).features());
      assertEquals(1, encodings.get());
    } finally {
      pool.shutdownNow();
    }
  }
}
