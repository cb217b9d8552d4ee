package dev.cir.clip.encoder;

import static dev.cir.clip.encoder.ConcurrentEncodingTest.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cir.clip.bundle.ModelBundle;
import dev.cir.clip.testing.TestBundles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fused passes (each transformer's layers in one TorchScript call, prepacked products) against the
 * same bundle run operation by operation through DJL: the same features to float rounding, for
 * mixed caption lengths, image sizes and every batch size, in every tower.
 */
class FusedPassesTest {
  @TempDir Path tmp;

  @Test
  void everyTowerGivesTheFeaturesOfTheOperationByOperationPasses() throws Exception {
    for (String model : List.of("small-vit", "small-rn")) {
      boolean combiner = model.equals("small-vit");
      ModelBundle bundle = TestBundles.small(model, tmp.resolve(model), combiner);
      Random r = new Random(5);
      List<String> captions = new ArrayList<>();
      List<Path> images = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        captions.add(ConcurrentEncodingTest.caption(r));
        Path f = tmp.resolve(model + "-" + i + ".png");
        Files.write(f, ConcurrentEncodingTest.png(r, 20 + r.nextInt(60), 20 + r.nextInt(60)));
        images.add(f);
      }
      EncoderOptions options = EncoderOptions.defaults().withPredictors(1).withBatchSize(7);
      float[][] opsTexts;
      float[][] opsImages;
      List<float[]> opsAlone = new ArrayList<>();
      List<float[][]> opsCombined = new ArrayList<>();
      try (CirEncoder ops = CirEncoder.open(bundle, options.withFusedPasses(false))) {
        opsTexts = ops.encodeTexts(captions);
        opsImages = ops.encodeImages(images);
        for (String c : captions) {
          opsAlone.add(ops.encodeText(c));
        }
        if (combiner) {
          for (int rows : new int[] {1, 2, 3, 8, 20}) {
            opsCombined.add(combined(ops, opsImages, opsTexts, rows));
          }
        }
      }
      try (CirEncoder fused = CirEncoder.open(ModelBundle.open(bundle.dir()), options)) {
        float[][] texts = fused.encodeTexts(captions);
        float[][] imgs = fused.encodeImages(images);
        for (int i = 0; i < captions.size(); i++) {
          String words = " (" + captions.get(i).split(" ").length + " words)";
          assertClose(model + " text " + i + words + ", batches of 7", opsTexts[i], texts[i]);
          assertClose(model + " text " + i + words + " alone", opsAlone.get(i), fused.encodeText(captions.get(i)));
          assertClose(model + " image " + i, opsImages[i], imgs[i]);
        }
        if (combiner) {
          int k = 0;
          for (int rows : new int[] {1, 2, 3, 8, 20}) {
            float[][] got = combined(fused, opsImages, opsTexts, rows);
            float[][] want = opsCombined.get(k++);
            assertEquals(rows, got.length);
            for (int i = 0; i < rows; i++) {
              assertClose(model + " Combiner, " + rows + " rows a pass, row " + i, want[i], got[i]);
            }
          }
        }
      }
    }
  }

  private static float[][] combined(CirEncoder enc, float[][] images, float[][] texts, int rows) {
    Combination c = enc.combine(java.util.Arrays.copyOf(images, rows), java.util.Arrays.copyOf(texts, rows), CombineMode.COMBINER);
    float[][] out = new float[rows][];
    for (int i = 0; i < rows; i++) {
      out[i] = c.vector(i);
    }
    return out;
  }
}
