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

  /** A PNG of random noise: about 3 bytes per pixel, whatever the compression. */
  public static byte[] noisePng(Random random, int width, int height) {
    BufferedImage im = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    int[] row = new int[width];
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        row[x] = random.nextInt(0x1000000);
      }
      im.setRGB(0, y, width, 1, row, 0, width);
    }
    return write(im, "png");
  }

  /** A JPEG of {@code size} x {@code size} pixels with a few shapes. */
  public static byte[] jpeg(Random random, int size) {
    try {
      BufferedImage im = ImageIO.read(new java.io.ByteArrayInputStream(png(random, size)));
      BufferedImage rgb = new BufferedImage(im.getWidth(), im.getHeight(), BufferedImage.TYPE_INT_RGB);
      rgb.createGraphics().drawImage(im, 0, 0, null);
      return write(rgb, "jpeg");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Only a PNG signature and an IHDR chunk (correct CRC) claiming {@code width} x {@code height}. */
  public static byte[] pngHeaderClaiming(int width, int height) {
    java.nio.ByteBuffer ihdr = java.nio.ByteBuffer.allocate(13).putInt(width).putInt(height);
    ihdr.put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
    java.util.zip.CRC32 crc = new java.util.zip.CRC32();
    crc.update("IHDR".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    crc.update(ihdr.array());
    return java.nio.ByteBuffer.allocate(8 + 4 + 4 + 13 + 4)
        .put(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'})
        .putInt(13)
        .put("IHDR".getBytes(java.nio.charset.StandardCharsets.US_ASCII))
        .put(ihdr.array())
        .putInt((int) crc.getValue())
        .array();
  }

  /**
   * A GIF of {@code frames} identical frames: ImageIO's one-frame GIF with its image (descriptor and
   * data) repeated before the trailer.
   */
  public static byte[] animatedGif(Random random, int size, int frames) {
    byte[] still;
    try {
      BufferedImage im = ImageIO.read(new java.io.ByteArrayInputStream(png(random, size)));
      BufferedImage indexed = new BufferedImage(im.getWidth(), im.getHeight(), BufferedImage.TYPE_BYTE_INDEXED);
      indexed.createGraphics().drawImage(im, 0, 0, null);
      still = write(indexed, "gif");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    int pos = 13;
    if ((still[10] & 0x80) != 0) {
      pos += 3 << ((still[10] & 7) + 1);
    }
    while ((still[pos] & 0xFF) == 0x21) { // extensions before the image
      pos += 2;
      while (still[pos] != 0) {
        pos += (still[pos] & 0xFF) + 1;
      }
      pos++;
    }
    if ((still[pos] & 0xFF) != 0x2C || (still[still.length - 1] & 0xFF) != 0x3B) {
      throw new IllegalStateException("unexpected GIF layout from ImageIO");
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(still, 0, still.length - 1);
    for (int f = 1; f < frames; f++) {
      out.write(still, pos, still.length - 1 - pos);
    }
    out.write(0x3B);
    return out.toByteArray();
  }

  private static byte[] write(BufferedImage im, String format) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      if (!ImageIO.write(im, format, out)) {
        throw new IllegalStateException("no ImageIO writer for " + format);
      }
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
