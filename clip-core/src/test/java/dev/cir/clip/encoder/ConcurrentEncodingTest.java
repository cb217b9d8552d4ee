package dev.cir.clip.encoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cir.clip.bundle.ModelBundle;
import dev.cir.clip.testing.TestBundles;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many callers at once against one encoder: the passes they share give each caller the features
 * it would get alone (to float rounding), whatever the batch it landed in, and a bad input fails
 * only its own call.
 */
class ConcurrentEncodingTest {
  @TempDir Path tmp;

  static byte[] png(Random r, int w, int h) throws Exception {
    BufferedImage im = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = im.createGraphics();
    g.setColor(new Color(r.nextInt(0x1000000)));
    g.fillRect(0, 0, w, h);
    for (int i = 0; i < 3; i++) {
      g.setColor(new Color(r.nextInt(0x1000000)));
      g.fillOval(r.nextInt(w), r.nextInt(h), 4 + r.nextInt(w), 4 + r.nextInt(h));
    }
    g.dispose();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(im, "png", out);
    return out.toByteArray();
  }

  static String caption(Random r) {
    StringBuilder b = new StringBuilder();
    int words = 1 + r.nextInt(r.nextBoolean() ? 4 : 30); // short and long captions in the same passes
    for (int i = 0; i < words; i++) {
      b.append(i == 0 ? "" : " ").append("w").append(2 + r.nextInt(990));
    }
    return b.toString();
  }

  static void assertClose(String what, float[] alone, float[] shared) {
    assertEquals(alone.length, shared.length, what);
    double scale = 0;
    double max = 0;
    for (int k = 0; k < alone.length; k++) {
      scale = Math.max(scale, Math.abs(alone[k]));
      max = Math.max(max, Math.abs(alone[k] - shared[k]));
    }
    assertTrue(max <= 1e-5 * Math.max(1, scale), what + ": differs by " + max + " (largest value " + scale + ")");
  }

  /** Runs every task on its own thread, all released at once. */
  static <T> List<T> atOnce(List<Callable<T>> tasks) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(tasks.size());
    CountDownLatch start = new CountDownLatch(1);
    try {
      List<Future<T>> futures = new ArrayList<>();
      for (Callable<T> t : tasks) {
        futures.add(pool.submit(() -> {
          start.await();
          return t.call();
        }));
      }
      start.countDown();
      List<T> out = new ArrayList<>();
      for (Future<T> f : futures) {
        out.add(f.get());
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void sharedPassesGiveEachCallerItsOwnFeatures() throws Exception {
    ModelBundle bundle = TestBundles.small("small-vit", tmp.resolve("b"), true);
    Random r = new Random(11);
    List<String> captions = new ArrayList<>();
    List<byte[]> images = new ArrayList<>();
    for (int i = 0; i < 24; i++) {
      captions.add(caption(r));
      images.add(png(r, 20 + r.nextInt(60), 20 + r.nextInt(60))); // every size preprocesses to the model's
    }
    List<float[]> aloneText = new ArrayList<>();
    List<float[]> aloneImage = new ArrayList<>();
    List<float[]> aloneFused = new ArrayList<>();
    try (CirEncoder alone = CirEncoder.open(bundle, EncoderOptions.defaults().withPredictors(1).withMaxBatch(1))) {
      for (int i = 0; i < captions.size(); i++) {
        aloneText.add(alone.encodeText(captions.get(i)));
        aloneImage.add(alone.encodeImage(images.get(i), "image " + i));
        aloneFused.add(alone.combine(new float[][] {aloneImage.get(i)}, new float[][] {aloneText.get(i)}, CombineMode.COMBINER).vector(0));
      }
    }
    try (CirEncoder shared = CirEncoder.open(bundle, EncoderOptions.defaults().withPredictors(1).withMaxBatch(8))) {
      for (int round = 0; round < 3; round++) {
        List<Callable<float[][]>> tasks = new ArrayList<>();
        for (int i = 0; i < captions.size(); i++) {
          int k = i;
          tasks.add(() -> {
            float[] t = shared.encodeText(captions.get(k));
            float[] im = shared.encodeImage(images.get(k), "image " + k);
            float[] q = shared.combine(new float[][] {im}, new float[][] {t}, CombineMode.COMBINER).vector(0);
            return new float[][] {t, im, q};
          });
        }
        List<float[][]> got = atOnce(tasks);
        for (int i = 0; i < got.size(); i++) {
          assertClose("text " + i + " (" + captions.get(i).split(" ").length + " words)", aloneText.get(i), got.get(i)[0]);
          assertClose("image " + i, aloneImage.get(i), got.get(i)[1]);
          assertClose("Combiner " + i, aloneFused.get(i), got.get(i)[2]);
        }
      }
      List<BatchStats> stats = shared.batchStats();
      assertEquals(List.of("image", "text", "combiner"), stats.stream().map(BatchStats::tower).toList());
      for (BatchStats s : stats) {
        assertEquals(72, s.requests(), s.tower());
        assertTrue(s.meanBatch() > 1.5, s.tower() + ": callers shared passes, " + s.meanBatch() + " rows a pass");
        assertTrue(s.batchSizes().length == 9 && s.batchSizes()[0] == 0, s.tower());
      }
    }
  }

  @Test
  void aBadInputFailsOnlyItsOwnCall() throws Exception {
    ModelBundle bundle = TestBundles.small("small-vit", tmp.resolve("b"), true);
    Random r = new Random(5);
    try (CirEncoder enc = CirEncoder.open(bundle, EncoderOptions.defaults().withPredictors(1).withMaxBatch(8))) {
      List<byte[]> images = new ArrayList<>();
      for (int i = 0; i < 12; i++) {
        images.add(i % 4 == 3 ? "not an image".getBytes(java.nio.charset.StandardCharsets.UTF_8) : png(r, 32, 40));
      }
      List<Callable<Object>> tasks = new ArrayList<>();
      for (int i = 0; i < images.size(); i++) {
        int k = i;
        tasks.add(() -> {
          try {
            return enc.encodeImage(images.get(k), "image " + k);
          } catch (RuntimeException e) {
            return e;
          }
        });
      }
      List<Object> got = atOnce(tasks);
      for (int i = 0; i < got.size(); i++) {
        if (i % 4 == 3) {
          assertTrue(got.get(i) instanceof dev.cir.clip.image.InvalidImageException, i + ": " + got.get(i));
        } else {
          assertTrue(got.get(i) instanceof float[] f && f.length == enc.dimension(), i + ": " + got.get(i));
        }
      }
      long[][] badTokens = {new long[enc.config().contextLength()]};
      badTokens[0][0] = 1_000_000;
      assertThrows(IllegalArgumentException.class, () -> enc.encodeTokens(badTokens));
      assertEquals(enc.dimension(), enc.encodeText("w5 w6").length, "the encoder still serves");
    }
  }
}
