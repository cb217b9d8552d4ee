package dev.cir.solr.testing;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Random;
import javax.imageio.ImageIO;

/** Small PNG images of random shapes on random backgrounds, for indexing tests. */
public final class SyntheticImages {
  private SyntheticImages() {}

  public static final String[] COLORS = {"red", "green", "blue"};

  /** A {@code size}-pixel square PNG with a few shapes drawn from {@code random}. */
  public static byte[] png(Random random, int size) {
    BufferedImage im = new BufferedImage(size, size + random.nextInt(size / 2 + 1), BufferedImage.TYPE_INT_RGB);
    Graphics2D g = im.createGraphics();
    g.setColor(new Color(random.nextInt(0xffffff)));
    g.fillRect(0, 0, im.getWidth(), im.getHeight());
    for (int s = 0; s < 1 + random.nextInt(3); s++) {
      g.setColor(new Color(random.nextInt(0xffffff)));
      int x = random.nextInt(size / 2);
      int y = random.nextInt(size / 2);
      int w = 4 + random.nextInt(size / 2);
      if (random.nextBoolean()) {
        g.fillOval(x, y, w, w);
      } else {
        g.fillRect(x, y, w, 4 + random.nextInt(size / 2));
      }
    }
    g.dispose();
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ImageIO.write(im, "png", out);
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A caption of the fixture tokenizer's words ("w2".."w997"), sometimes an unknown one. */
  public static String text(Random random) {
    StringBuilder b = new StringBuilder();
    int words = 1 + random.nextInt(6);
    for (int i = 0; i < words; i++) {
      b.append(i == 0 ? "" : " ").append(random.nextInt(20) == 0 ? "unknownword" : "w" + (2 + random.nextInt(996)));
    }
    return b.toString();
  }
}
