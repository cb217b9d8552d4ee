package dev.cir.clip.image;

import static dev.cir.clip.image.PillowResamplerTest.bytes;
import static dev.cir.clip.image.PillowResamplerTest.materialize;
import static dev.cir.clip.image.PillowResamplerTest.random;
import static dev.cir.clip.image.PillowResamplerTest.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ImageTransformTest {
  private static final Random RANDOM = new Random(7);

  /** torchvision's ToTensor + Normalize of 0 and 255 with CLIP's mean and std, in float32. */
  private static final float[] BLACK = {-1.7922626f, -1.7520971f, -1.4802198f};

  private static final float[] WHITE = {1.9303361f, 2.0748837f, 2.1458969f};

  @Test
  void factoryByName() {
    ImageTransform clip = ImageTransform.forName("clip", 224);
    assertEquals(new ClipTransform(224), clip);
    assertEquals("clip", clip.name());
    assertEquals(224, clip.resolution());
    assertEquals(new SquarePadTransform(288), ImageTransform.forName("squarepad", 288));
    ImageTransform target = ImageTransform.forName("targetpad", 336);
    assertEquals(new TargetPadTransform(336, 1.25), target);
    assertEquals("targetpad", target.name());
    assertEquals(new TargetPadTransform(336, 1.5), ImageTransform.forName("targetpad", 336, 1.5));
    assertNotEquals(target, ImageTransform.forName("targetpad", 336, 1.5));
    assertNotEquals(clip, ImageTransform.forName("clip", 336));
    assertEquals(clip.hashCode(), new ClipTransform(224).hashCode());
    assertEquals("targetpad(336, 1.25)", target.toString());
  }

  @Test
  void unknownNamesAreRefusedWithTheValidOnes() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ImageTransform.forName("resize", 224));
    assertEquals(
        "unknown preprocessing 'resize'; expected one of clip, squarepad, targetpad",
        e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> ImageTransform.forName(null, 224));
    assertThrows(IllegalArgumentException.class, () -> ImageTransform.forName("clip", 0));
    assertThrows(IllegalArgumentException.class, () -> new TargetPadTransform(224, 0.5));
    assertThrows(IllegalArgumentException.class, () -> new TargetPadTransform(224, Double.NaN));
    assertThrows(
        IllegalArgumentException.class,
        () -> new TargetPadTransform(224, Double.POSITIVE_INFINITY));
  }

  @Test
  void blackAndWhiteNormalizeToTorchvisionsValues() {
    assertUniform(new ClipTransform(4).apply(uniform(PixelMode.RGB, 9, 5, 0, 0, 0)), BLACK);
    assertUniform(new ClipTransform(4).apply(uniform(PixelMode.L, 5, 9, 255)), WHITE);
  }

  @Test
  void aUniformPngOfAnyModeGivesItsUniformColor() {
    ImageDecoder decoder = new ImageDecoder();
    byte[][] oneBit = new byte[12][];
    java.util.Arrays.fill(oneBit, bytes(0xFF, 0xF0));
    byte[][] indices = new byte[12][];
    java.util.Arrays.fill(indices, new byte[12]);
    byte[][] gray16 = new byte[12][];
    java.util.Arrays.fill(gray16, repeat(12, 0xC8, 0x33));
    List<DecodedImage> images =
        List.of(
            decoder.decode(TestImages.png(12, 12, 1, 0, oneBit, null, null), "1.png"),
            decoder.decode(TestImages.uniformPng(12, 12, 0, 77), "l.png"),
            decoder.decode(TestImages.uniformPng(12, 12, 4, 77, 255), "la.png"),
            decoder.decode(
                TestImages.png(12, 12, 8, 3, indices, bytes(0, 255, 0, 1, 2, 3), null), "p.png"),
            decoder.decode(TestImages.uniformPng(12, 12, 2, 12, 34, 56), "rgb.png"),
            decoder.decode(TestImages.uniformPng(12, 12, 6, 12, 34, 56, 255), "rgba.png"),
            decoder.decode(
                TestImages.png(12, 12, 16, 2, sixteenBitRows(12, 12), null, null), "rgb16.png"),
            decoder.decode(TestImages.png(12, 12, 16, 0, gray16, null, null), "l16.png"));
    int[][] colors = {
      {255, 255, 255},
      {77, 77, 77},
      {77, 77, 77},
      {0, 255, 0},
      {12, 34, 56},
      {12, 34, 56},
      {0x12, 0x56, 0x9A},
      {0xC8, 0xC8, 0xC8}
    };
    PixelMode[] modes = {
      PixelMode.BILEVEL, PixelMode.L, PixelMode.LA, PixelMode.P,
      PixelMode.RGB, PixelMode.RGBA, PixelMode.RGB, PixelMode.L
    };
    for (int i = 0; i < images.size(); i++) {
      assertEquals(modes[i], images.get(i).mode(), images.get(i).toString());
      for (String name : ImageTransform.NAMES) {
        float[] pixels = ImageTransform.forName(name, 5).apply(images.get(i));
        assertUniform(pixels, normalized(colors[i]), name + " " + images.get(i));
      }
    }
    // not square: clip only, as padding adds black
    assertUniform(
        new ClipTransform(5).apply(uniform(PixelMode.LA, 3, 17, 200, 255)),
        normalized(200, 200, 200));
  }

  @Test
  void aOneByOneImageIsUniform() {
    DecodedImage dot =
        new ImageDecoder().decode(TestImages.uniformPng(1, 1, 2, 200, 100, 50), "dot.png");
    for (String name : ImageTransform.NAMES) {
      assertUniform(ImageTransform.forName(name, 7).apply(dot), normalized(200, 100, 50), name);
    }
  }

  @Test
  void translucentColorsGoThroughPillowsPremultipliedResize() {
    // MULDIV255 then 255 * c / alpha: (100, 50, 200) at alpha 128 comes back as (99, 49, 199)
    float[] pixels = new ClipTransform(4).apply(uniform(PixelMode.RGBA, 10, 10, 100, 50, 200, 128));
    assertUniform(pixels, normalized(99, 49, 199));
    // no resize, no round trip
    pixels = new ClipTransform(10).apply(uniform(PixelMode.RGBA, 10, 10, 100, 50, 200, 128));
    assertUniform(pixels, normalized(100, 50, 200));
  }

  @Test
  void opaqueRgbaEqualsRgbUnderClip() {
    for (int trial = 0; trial < 10; trial++) {
      DecodedImage rgb = random(PixelMode.RGB, 5 + RANDOM.nextInt(60), 5 + RANDOM.nextInt(60));
      assertArrayEquals(new ClipTransform(16).apply(rgb), new ClipTransform(16).apply(opaque(rgb)));
    }
  }

  @Test
  void anOpaqueRgbaPngEqualsItsRgbPng() {
    byte[][] rgbRows = new byte[9][];
    byte[][] rgbaRows = new byte[9][];
    for (int y = 0; y < 9; y++) {
      rgbRows[y] = new byte[3 * 9];
      RANDOM.nextBytes(rgbRows[y]);
      rgbaRows[y] = new byte[4 * 9];
      for (int x = 0; x < 9; x++) {
        System.arraycopy(rgbRows[y], 3 * x, rgbaRows[y], 4 * x, 3);
        rgbaRows[y][4 * x + 3] = (byte) 255;
      }
    }
    ImageDecoder decoder = new ImageDecoder();
    DecodedImage rgb = decoder.decode(TestImages.png(9, 9, 8, 2, rgbRows, null, null), "rgb.png");
    DecodedImage rgba =
        decoder.decode(TestImages.png(9, 9, 8, 6, rgbaRows, null, null), "rgba.png");
    for (String name : ImageTransform.NAMES) {
      ImageTransform transform = ImageTransform.forName(name, 4);
      assertArrayEquals(transform.apply(rgb), transform.apply(rgba), name);
    }
  }

  @Test
  void paddingRgbaIsTransparentSoItsEdgeIsNotDarkened() {
    // the border is (0, 0, 0, 0); premultiplied resizing gives pure red wherever alpha > 0
    float[] rgba = new SquarePadTransform(8).apply(uniform(PixelMode.RGBA, 30, 10, 255, 0, 0, 255));
    float[] rgb = new SquarePadTransform(8).apply(uniform(PixelMode.RGB, 30, 10, 255, 0, 0));
    boolean blended = false;
    for (int p = 0; p < 64; p++) {
      assertTrue(rgba[p] == WHITE[0] || rgba[p] == BLACK[0], "red at " + p + " is " + rgba[p]);
      blended |= rgb[p] != WHITE[0] && rgb[p] != BLACK[0];
    }
    assertTrue(blended, "the RGB version blends red with the black border");
  }

  @Test
  void paletteImagesArePaddedWithIndexZero() {
    byte[] palette = bytes(0, 255, 0, 255, 0, 0);
    byte[] indices = new byte[200];
    java.util.Arrays.fill(indices, (byte) 1);
    DecodedImage image = DecodedImage.withPalette(20, 10, indices, palette, "p");
    float[] pixels = new SquarePadTransform(10).apply(image);
    // NEAREST from a 20x20 canvas: output rows 0-4 read canvas rows 1, 3, .., 9, the border
    float[] green = normalized(0, 255, 0);
    float[] red = normalized(255, 0, 0);
    for (int c = 0; c < 3; c++) {
      assertEquals(green[c], pixels[c * 100], "top left");
      assertEquals(red[c], pixels[c * 100 + 5 * 10], "row 5");
    }
  }

  @Test
  void squarePadIsClipOfTheExplicitlyPaddedImage() {
    // hand-checked: 31x10 -> int(21 / 2) = 10 rows above and below: 31x30
    checkPads(new SquarePadTransform(12), random(PixelMode.RGB, 31, 10), 0, 10);
    checkPads(new SquarePadTransform(12), random(PixelMode.L, 7, 20), 6, 0);
    checkPads(new SquarePadTransform(12), random(PixelMode.RGBA, 16, 16), 0, 0);
    for (int trial = 0; trial < 30; trial++) {
      PixelMode mode = PixelMode.values()[RANDOM.nextInt(PixelMode.values().length)];
      DecodedImage image = random(mode, 1 + RANDOM.nextInt(50), 1 + RANDOM.nextInt(50));
      int maxWh = Math.max(image.width(), image.height());
      checkPads(
          new SquarePadTransform(1 + RANDOM.nextInt(20)),
          image,
          (maxWh - image.width()) / 2,
          (maxWh - image.height()) / 2);
    }
  }

  @Test
  void targetPadPadsOnlyWhatIsMoreElongatedThanTheRatio() {
    // 30x10: ratio 3; 30 / 1.25 = 24; int((24 - 10) / 2) = 7 rows, int((24 - 30) / 2) = -3 -> 0
    checkPads(new TargetPadTransform(12, 1.25), random(PixelMode.RGB, 30, 10), 0, 7);
    // 10x13: ratio 1.3; 13 / 1.25 = 10.4; int(0.2) = 0 columns: nothing to pad
    checkPads(new TargetPadTransform(12, 1.25), random(PixelMode.RGB, 10, 13), 0, 0);
    // 110x100: ratio 1.1, below 1.25: left alone, like img_near.png
    DecodedImage near = random(PixelMode.RGB, 110, 100);
    assertArrayEquals(
        new ClipTransform(32).apply(near), new TargetPadTransform(32, 1.25).apply(near));
    // 10x40 at ratio 2: 40 / 2 = 20; int((20 - 10) / 2) = 5 columns
    checkPads(new TargetPadTransform(12, 2.0), random(PixelMode.LA, 10, 40), 5, 0);
    // exactly at the ratio pads too (actual_ratio < target_ratio is false)
    checkPads(new TargetPadTransform(12, 1.25), random(PixelMode.RGB, 40, 50), 0, 0);
    checkPads(new TargetPadTransform(12, 2.0), random(PixelMode.RGB, 20, 40), 0, 0);
  }

  @Test
  void anElongatedImageOnlyComputesTheWindow() {
    DecodedImage line = random(PixelMode.RGB, 1, 1000);
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long before = threads.getCurrentThreadAllocatedBytes();
    float[] pixels = new ClipTransform(224).apply(line);
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;
    assertEquals(3 * 224 * 224, pixels.length);
    // the whole resize would be 224 x 224000 x 3 = 150 MB
    assertTrue(allocated < 8 << 20, "allocated " + allocated + " bytes");
    // and the window equals the middle of the whole resize, checked where that is affordable
    DecodedImage small = random(PixelMode.RGB, 1, 100);
    DecodedImage whole = PillowResampler.resize(small, 16, 1600);
    float[] expected = ClipTransform.normalize(ClipTransform.planes(cropMiddle(whole, 16)));
    assertArrayEquals(expected, new ClipTransform(16).apply(small));
  }

  @Test
  void absurdAspectRatiosAreRefusedNotAllocated() {
    DecodedImage thread =
        DecodedImage.of(PixelMode.L, 1, 2_000_000, new byte[2_000_000], "thread.png");
    InvalidImageException e =
        assertThrows(InvalidImageException.class, () -> new SquarePadTransform(224).apply(thread));
    assertTrue(e.getMessage().startsWith("thread.png: "), e.getMessage());
    assertTrue(e.getMessage().contains("too elongated"), e.getMessage());
    DecodedImage longer =
        DecodedImage.of(PixelMode.L, 10_000_000, 1, new byte[10_000_000], "long.png");
    e = assertThrows(InvalidImageException.class, () -> new ClipTransform(224).apply(longer));
    assertTrue(e.getMessage().startsWith("long.png: 10000000x1 is too elongated"), e.getMessage());
    assertFalse(e.getMessage().isEmpty());
  }

  private static void checkPads(ImageTransform transform, DecodedImage image, int hp, int vp) {
    DecodedImage padded = materialize(PaddedImage.pad(image, hp, vp));
    assertArrayEquals(
        new ClipTransform(transform.resolution()).apply(padded),
        transform.apply(image),
        transform + " of " + image + " should pad " + hp + ", " + vp);
  }

  private static DecodedImage cropMiddle(DecodedImage image, int r) {
    int top = (int) Math.rint((image.height() - r) / 2.0);
    int left = (int) Math.rint((image.width() - r) / 2.0);
    int bands = image.mode().bands();
    byte[] out = new byte[r * r * bands];
    for (int y = 0; y < r; y++) {
      System.arraycopy(
          image.samplesView(),
          ((top + y) * image.width() + left) * bands,
          out,
          y * r * bands,
          r * bands);
    }
    return DecodedImage.of(image.mode(), r, r, out, image.source());
  }

  private static DecodedImage opaque(DecodedImage rgb) {
    int n = rgb.width() * rgb.height();
    byte[] rgba = new byte[4 * n];
    for (int p = 0; p < n; p++) {
      System.arraycopy(rgb.samplesView(), 3 * p, rgba, 4 * p, 3);
      rgba[4 * p + 3] = (byte) 255;
    }
    return DecodedImage.of(PixelMode.RGBA, rgb.width(), rgb.height(), rgba, rgb.source());
  }

  private static byte[] repeat(int times, int... pattern) {
    byte[] out = new byte[times * pattern.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = (byte) pattern[i % pattern.length];
    }
    return out;
  }

  /** Rows of 16-bit RGB (0x12xx, 0x56xx, 0x9Axx) with varying low bytes. */
  private static byte[][] sixteenBitRows(int w, int h) {
    byte[][] rows = new byte[h][6 * w];
    for (byte[] row : rows) {
      for (int x = 0; x < w; x++) {
        row[6 * x] = 0x12;
        row[6 * x + 1] = (byte) RANDOM.nextInt();
        row[6 * x + 2] = 0x56;
        row[6 * x + 3] = (byte) RANDOM.nextInt();
        row[6 * x + 4] = (byte) 0x9A;
        row[6 * x + 5] = (byte) RANDOM.nextInt();
      }
    }
    return rows;
  }

  static float[] normalized(int... rgb) {
    float[] out = new float[3];
    for (int c = 0; c < 3; c++) {
      out[c] = (rgb[c] / 255f - ClipTransform.MEAN[c]) / ClipTransform.STD[c];
    }
    return out;
  }

  private static void assertUniform(float[] pixels, float[] color) {
    assertUniform(pixels, color, "");
  }

  private static void assertUniform(float[] pixels, float[] color, String what) {
    int n = pixels.length / 3;
    for (int c = 0; c < 3; c++) {
      for (int p = 0; p < n; p++) {
        assertEquals(color[c], pixels[c * n + p], what + " channel " + c + " pixel " + p);
      }
    }
  }

  @Test
  void theEightBitPlanesNormalizedAreTheModelInputBitForBit() {
    java.util.Random r = new java.util.Random(17);
    for (String name : ImageTransform.NAMES) {
      ImageTransform t = ImageTransform.forName(name, 7 + r.nextInt(20));
      for (int i = 0; i < 40; i++) {
        PixelMode mode = PixelMode.values()[r.nextInt(PixelMode.values().length)];
        int w = 1 + r.nextInt(60);
        int h = 1 + r.nextInt(60);
        byte[] samples = new byte[w * h * mode.bands()];
        r.nextBytes(samples);
        byte[] palette = null;
        if (mode == PixelMode.P) {
          palette = new byte[3 * DecodedImage.PALETTE_ENTRIES];
          r.nextBytes(palette);
        }
        DecodedImage image = DecodedImage.wrap(mode, w, h, samples, palette, "random");
        float[] input = t.apply(image);
        byte[] planes = t.applyRgb(image);
        assertEquals(input.length, planes.length);
        float[] normalized = ClipTransform.normalize(planes);
        for (int k = 0; k < input.length; k++) {
          assertEquals(Float.floatToRawIntBits(input[k]), Float.floatToRawIntBits(normalized[k]), name + " " + mode + " sample " + k);
        }
        // and into a batch at an offset
        float[] batch = new float[planes.length + 5];
        ClipTransform.normalize(planes, 0, batch, 5, planes.length);
        assertEquals(Float.floatToRawIntBits(input[planes.length - 1]), Float.floatToRawIntBits(batch[batch.length - 1]));
      }
    }
  }
}
