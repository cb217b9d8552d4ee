package dev.cir.eval.synth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.awt.geom.Point2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.Arrays;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class SceneRendererTest {
  @Test
  void everyObjectIsDrawnInItsColorAtItsPlaceAndEmptyCellsStayBackground() {
    SceneSampler sampler = new SceneSampler(new SplittableRandom(3));
    for (int size : new int[] {48, 64, 96, 128}) {
      SceneRenderer r = new SceneRenderer(size);
      for (int i = 0; i < 200; i++) {
        Scene s = sampler.scene();
        long seed = sampler.random().nextLong();
        BufferedImage img = r.render(s, seed);
        Point2D.Double[] centers = r.centers(s, seed);
        for (int k = 0; k < s.size(); k++) {
          int rgb = img.getRGB((int) centers[k].x, (int) centers[k].y) & 0xffffff;
          assertEquals(s.objects().get(k).color().rgb(), rgb, s + " object " + k);
        }
        for (Slot slot : Slot.values()) {
          if (s.isFree(slot)) {
            double cell = size / 3.0;
            int x = (int) ((slot.column() + 0.5) * cell);
            int y = (int) ((slot.row() + 0.5) * cell);
            assertEquals(SceneRenderer.BACKGROUND.getRGB(), img.getRGB(x, y), s + " at " + slot);
          }
        }
      }
    }
  }

  @Test
  void pngDecodesToTheRenderedPixels() throws Exception {
    SceneSampler sampler = new SceneSampler(new SplittableRandom(4));
    SceneRenderer r = new SceneRenderer(64);
    for (int i = 0; i < 50; i++) {
      Scene s = sampler.scene();
      BufferedImage drawn = r.render(s, i);
      BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(r.png(s, i)));
      assertEquals(64, decoded.getWidth());
      assertEquals(64, decoded.getHeight());
      assertArrayEquals(
          drawn.getRGB(0, 0, 64, 64, null, 0, 64), decoded.getRGB(0, 0, 64, 64, null, 0, 64));
    }
  }

  @Test
  void sameSceneAndSeedGiveTheSameBytes() {
    Scene s = new SceneSampler(new SplittableRandom(1)).scene();
    SceneRenderer r = new SceneRenderer(64);
    assertArrayEquals(r.png(s, 42), r.png(s, 42));
    assertFalse(Arrays.equals(r.png(s, 42), r.png(s, 43)));
    assertThrows(IllegalArgumentException.class, () -> new SceneRenderer(40));
  }
}
