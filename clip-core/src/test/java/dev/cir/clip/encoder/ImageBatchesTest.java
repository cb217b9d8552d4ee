package dev.cir.clip.encoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cir.clip.bundle.ModelBundle;
import dev.cir.clip.image.ImageDecoder;
import dev.cir.clip.image.ImagePreprocessor;
import dev.cir.clip.image.ImageTransform;
import dev.cir.clip.testing.TestBundles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Random;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bounded image pipeline of eval's gallery encoding and {@code cir index}: the same features
 * as encoding all files at once, in the files' order, a bad file reported alone, and never more
 * than {@code prefetch + 1} batches decoded or decoding.
 */
class ImageBatchesTest {
  @TempDir Path tmp;

  private List<Path> files(int n, int badAt) throws Exception {
    Random r = new Random(7);
    List<Path> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Path f = tmp.resolve("img-" + i + ".png");
      Files.write(f, i == badAt ? new byte[] {1, 2, 3, 4} : ConcurrentEncodingTest.png(r, 20 + r.nextInt(60), 20 + r.nextInt(60)));
      out.add(f);
    }
    return out;
  }

  @Test
  void batchesGiveTheFeaturesOfOnePassInOrderAndABadFileAlone() throws Exception {
    ModelBundle bundle = TestBundles.small("small-vit", tmp.resolve("b"), false);
    List<Path> files = files(11, 5);
    try (CirEncoder enc = CirEncoder.open(bundle, EncoderOptions.defaults())) {
      List<ImageEncoding> all = enc.encodeImageFiles(files);
      List<ImageEncoding> batched = new ArrayList<>();
      try (ImageBatches b = enc.imageBatches(files, 3, 2)) {
        assertEquals(4, b.batches());
        while (b.hasNext()) {
          List<ImageEncoding> batch = b.next();
          assertTrue(batch.size() == 3 || (batch.size() == 2 && !b.hasNext()), "batch of " + batch.size());
          batched.addAll(batch);
        }
        assertThrows(NoSuchElementException.class, b::next);
      }
      assertEquals(files.size(), batched.size());
      for (int i = 0; i < files.size(); i++) {
        ImageEncoding e = batched.get(i);
        assertEquals(files.get(i), e.file());
        if (i == 5) {
          assertFalse(e.succeeded());
          assertNull(e.features());
          assertTrue(e.failure().getMessage().contains("img-5.png"), e.failure().getMessage());
        } else {
          assertTrue(e.succeeded(), () -> e.failure().getMessage());
          ConcurrentEncodingTest.assertClose("image " + i, all.get(i).features(), e.features());
        }
      }
    }
  }

  @Test
  void neverDecodesMoreThanPrefetchBatchesAhead() throws Exception {
    List<Path> files = files(20, -1);
    ImagePreprocessor pre = new ImagePreprocessor(new ImageDecoder(), ImageTransform.forName("clip", 32, 1.25));
    ExecutorService pool = Executors.newFixedThreadPool(2);
    AtomicInteger submitted = new AtomicInteger();
    Executor counting = task -> {
      submitted.incrementAndGet();
      pool.execute(task);
    };
    AtomicInteger encoded = new AtomicInteger();
    int batch = 4;
    int prefetch = 2;
    try (ImageBatches b =
        new ImageBatches(files, batch, prefetch, pre, counting, px -> {
          encoded.addAndGet(px.size());
          return px.stream().map(p -> new float[] {p[0]}).toArray(float[][]::new);
        })) {
      assertEquals(0, submitted.get(), "nothing is decoded before the first batch is asked for");
      int taken = 0;
      while (b.hasNext()) {
        List<ImageEncoding> got = b.next();
        taken += got.size();
        assertEquals(taken, encoded.get());
        assertTrue(
            submitted.get() <= taken + prefetch * batch,
            submitted.get() + " images submitted with " + taken + " taken: more than " + prefetch + " batches ahead");
        if (taken == 8) {
          break;
        }
      }
      assertEquals(8 + prefetch * batch, submitted.get(), "the next batches decode while one is encoded");
    } finally {
      pool.shutdown();
    }
  }

  @Test
  void refusesABadShape() {
    ImagePreprocessor pre = new ImagePreprocessor(new ImageDecoder(), ImageTransform.forName("clip", 32, 1.25));
    assertThrows(IllegalArgumentException.class, () -> new ImageBatches(List.of(), 0, 1, pre, Runnable::run, px -> null));
    assertThrows(IllegalArgumentException.class, () -> new ImageBatches(List.of(), 1, -1, pre, Runnable::run, px -> null));
  }
}
