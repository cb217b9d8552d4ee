package dev.cir.train.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.cir.clip.encoder.Engines;
import dev.cir.clip.image.ImageDecoder;
import dev.cir.clip.image.ImagePreprocessor;
import dev.cir.clip.image.ImageTransform;
import dev.cir.eval.data.GalleryImage;
import dev.cir.eval.data.JsonlReader;
import dev.cir.eval.progress.ProgressReporter;
import dev.cir.eval.synth.SyntheticDataset;
import dev.cir.train.clip.ClipStart;
import dev.cir.train.clip.ClipTraining;
import dev.cir.train.clip.Encoders;
import dev.cir.train.loop.TrainingSettings;
import dev.cir.eval.validate.DatasetValidation;
import dev.cir.train.log.StepLog;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The three places training images are kept give the same model inputs bit for bit, and the same
 * training run step for step; the disk cache is reused only when it is whole and this run's; a
 * streamed source holds only the images of the batches announced.
 */
class TrainingImagesTest {
  @TempDir static Path tmp;
  static Path root;
  static List<GalleryImage> images;
  static ImagePreprocessor pre;

  @BeforeAll
  static void dataset() throws Exception {
    root = tmp.resolve("synth");
    SyntheticDataset.generate(SyntheticDataset.Options.defaults().withSize(60).withSeed(4).withImageSize(48)).writeTo(root);
    images = new JsonlReader(root).read("train").gallery().images();
    pre = new ImagePreprocessor(new ImageDecoder(), ImageTransform.forName("targetpad", 32, 1.25));
  }

  static float[] batch(TrainingImages t, int[] positions) {
    try (NDManager m = Engines.pytorch().newBaseManager()) {
      return t.batch(m, positions).toFloatArray();
    }
  }

  @Test
  void everyKindGivesThePreprocessorsInputBitForBit() throws Exception {
    StringWriter log = new StringWriter();
    PrintWriter pw = new PrintWriter(log, true);
    try (TrainingImages memory = MemoryImages.load(images, pre, 32, 2, ProgressReporter.none());
        TrainingImages disk = DiskImages.open(tmp.resolve("a/images.u8"), images, pre, 32, 2, ProgressReporter.none(), pw);
        StreamedImages streamed = new StreamedImages(images, pre, 32, 2, 2)) {
      Random r = new Random(9);
      int per = 3 * 32 * 32;
      for (int round = 0; round < 5; round++) {
        int[] positions = new int[1 + r.nextInt(12)];
        for (int i = 0; i < positions.length; i++) {
          positions[i] = r.nextInt(images.size());
        }
        float[] expected = new float[positions.length * per];
        for (int i = 0; i < positions.length; i++) {
          System.arraycopy(pre.preprocess(images.get(positions[i]).path()), 0, expected, i * per, per);
        }
        if (round % 2 == 0) {
          streamed.upcoming(positions);
        }
        for (TrainingImages t : List.of(memory, disk, streamed)) {
          float[] got = batch(t, positions);
          for (int k = 0; k < got.length; k++) {
            assertEquals(Float.floatToRawIntBits(expected[k]), Float.floatToRawIntBits(got[k]), t.describe() + " value " + k);
          }
        }
      }
      assertEquals(memory.bytes(), disk.bytes());
      assertEquals((long) images.size() * per, memory.bytes());
    }
  }

  @Test
  void theDiskCacheIsReusedOnlyWhenWholeAndForTheseImages() throws Exception {
    Path file = tmp.resolve("b/images.u8");
    StringWriter log = new StringWriter();
    PrintWriter pw = new PrintWriter(log, true);
    DiskImages.open(file, images, pre, 32, 2, ProgressReporter.none(), pw).close();
    long written = Files.getLastModifiedTime(file).toMillis();
    DiskImages.open(file, images, pre, 32, 2, ProgressReporter.none(), pw).close();
    assertTrue(log.toString().contains("reusing the image cache"), log.toString());
    // a damaged byte: found by the checksum, written again
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.READ)) {
      ByteBuffer one = ByteBuffer.allocate(1);
      ch.read(one, DiskImages.HEADER + 1000);
      one.flip();
      byte b = one.get();
      ch.write(ByteBuffer.wrap(new byte[] {(byte) (b ^ 0x40)}), DiskImages.HEADER + 1000);
    }
    log.getBuffer().setLength(0);
    try (DiskImages again = DiskImages.open(file, images, pre, 32, 2, ProgressReporter.none(), pw)) {
      assertTrue(log.toString().contains("its checksum does not match its contents"), log.toString());
      assertArrayEquals(pre.preprocess(images.get(0).path()), batch(again, new int[] {0}));
    }
    // other images, another preprocessing, a cut file
    log.getBuffer().setLength(0);
    DiskImages.open(file, images.subList(1, images.size()), pre, 32, 2, ProgressReporter.none(), pw).close();
    assertTrue(log.toString().contains("written for other images"), log.toString());
    log.getBuffer().setLength(0);
    ImagePreprocessor clip = new ImagePreprocessor(new ImageDecoder(), ImageTransform.forName("clip", 32, 1.25));
    DiskImages.open(file, images.subList(1, images.size()), clip, 32, 2, ProgressReporter.none(), pw).close();
    assertTrue(log.toString().contains("written for other images or another preprocessing"), log.toString());
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.truncate(ch.size() - 10);
    }
    log.getBuffer().setLength(0);
    DiskImages.open(file, images.subList(1, images.size()), clip, 32, 2, ProgressReporter.none(), pw).close();
    assertTrue(log.toString().contains("incomplete"), log.toString());
    assertTrue(written > 0 && !Files.exists(file.resolveSibling("images.u8.partial")));
  }

  @Test
  void aStreamedSourceHoldsOnlyTheAnnouncedBatches() {
    try (StreamedImages s = new StreamedImages(images, pre, 32, 2, 3)) {
      int batch = 8;
      int[] order = EpochOrder.permutation(1, 0, images.size());
      int batches = order.length / batch;
      for (int k = 0; k < 3; k++) {
        s.upcoming(java.util.Arrays.copyOfRange(order, k * batch, (k + 1) * batch));
      }
      for (int b = 0; b < batches; b++) {
        if (b + 3 < batches) {
          s.upcoming(java.util.Arrays.copyOfRange(order, (b + 3) * batch, (b + 4) * batch));
        }
        batch(s, java.util.Arrays.copyOfRange(order, b * batch, (b + 1) * batch));
      }
      assertTrue(s.mostInFlight() <= 4 * batch, "in flight at most " + s.mostInFlight());
      assertEquals(batches * batch, s.decoded(), "each image of the epoch decoded once, none twice, none wasted");
    }
  }

  @Test
  void autoTakesMemoryThenDiskThenNothing() {
    assertEquals(ImageCache.MEMORY, ImageCache.choose(1L << 30, 4L << 30, 0));
    assertEquals(ImageCache.DISK, ImageCache.choose((1L << 30) + 1, 4L << 30, 3L << 30));
    assertEquals(ImageCache.NONE, ImageCache.choose(10L << 30, 4L << 30, 10L << 30));
    assertEquals(ImageCache.NONE, ImageCache.parse(" None "));
  }

  @Test
  void aRunIsTheSameStepForStepWhereverItsImagesAreKept() throws Exception {
    TrainingData data = new TrainingData(DatasetValidation.Kind.JSONL, root, List.of());
    double[] reference = null;
    for (ImageCache cache : List.of(ImageCache.MEMORY, ImageCache.DISK, ImageCache.NONE)) {
      Path out = tmp.resolve("run-" + cache.id());
      ClipStart start = ClipStart.random("tiny", null, data, out.resolve("checkpoints/tokenizer.json"));
      ClipTraining.Options o =
          new ClipTraining.Options(
                  data, ClipTraining.Objective.COMPOSED, Encoders.BOTH, start, out, new TrainingSettings(1, 8, 1e-3, 2, true, 1.0, 11, 0, 1, 2, false),
                  0.01, false, 0.999, 1e-7, "cpu", 2, Map.of("command", "test"), 2)
              .withImages(cache, 2);
      ClipTraining.run(o, ProgressReporter.none(), new PrintWriter(new StringWriter(), true));
      double[] losses = StepLog.losses(out.resolve("steps.csv"));
      assertTrue(losses.length >= 5, cache + ": " + losses.length + " steps");
      if (reference == null) {
        reference = losses;
      } else {
        assertArrayEquals(reference, losses, 0.0, cache.id() + " gives other losses");
      }
      assertTrue(!Files.exists(out.resolve("checkpoints").resolve(ClipTraining.IMAGE_CACHE_FILE)), "a finished run removes its disk cache");
    }
  }
}
