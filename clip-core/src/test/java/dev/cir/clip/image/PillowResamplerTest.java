package dev.cir.clip.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cir.clip.image.PillowResampler.Region;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PillowResamplerTest {
  private static final Random RANDOM = new Random(20240611);

  @Test
  void bicubicFilterIsKeysCubicWithAMinusHalf() {
    assertEquals(1.0, PillowResampler.bicubicFilter(0.0));
    assertEquals(0.0, PillowResampler.bicubicFilter(1.0), 0.0);
    assertEquals(0.0, PillowResampler.bicubicFilter(-2.0), 0.0);
    // (1.5 x - 2.5) x^2 + 1 at 0.25 and -0.5 (x^3 - 5 x^2 + 8 x - 4) at 1.25
    assertEquals(0.8671875, PillowResampler.bicubicFilter(0.25));
    assertEquals(-0.0703125, PillowResampler.bicubicFilter(-1.25));
  }

  @Test
  void sameSizeIsACopyEvenWithAlpha() {
    // no premultiplication round trip, which would turn 100 at alpha 128 into 99
    DecodedImage image = uniform(PixelMode.RGBA, 5, 3, 100, 50, 200, 128);
    DecodedImage same = PillowResampler.resize(image, 5, 3);
    assertArrayEquals(image.samplesView(), same.samplesView());
  }

  @Test
  void constantImagesStayConstant() {
    for (PixelMode mode : new PixelMode[] {PixelMode.L, PixelMode.RGB, PixelMode.LA}) {
      for (int trial = 0; trial < 20; trial++) {
        int[] color = new int[mode.bands()];
        for (int b = 0; b < color.length; b++) {
          color[b] = RANDOM.nextInt(256);
        }
        if (mode.hasAlpha()) {
          color[color.length - 1] = 255;
        }
        int w = 1 + RANDOM.nextInt(60);
        int h = 1 + RANDOM.nextInt(60);
        int ow = 1 + RANDOM.nextInt(60);
        int oh = 1 + RANDOM.nextInt(60);
        DecodedImage out = PillowResampler.resize(uniform(mode, w, h, color), ow, oh);
        assertArrayEquals(
            uniform(mode, ow, oh, color).samplesView(),
            out.samplesView(),
            mode + " " + w + "x" + h + " -> " + ow + "x" + oh);
      }
    }
  }

  @Test
  void translucentColorsComeBackAsPillowUnpremultipliesThem() {
    // MULDIV255(100, 128) = 50, then 255 * 50 / 128 = 99 (Convert.c rgbA2rgba, rgba2rgbA)
    DecodedImage out =
        PillowResampler.resize(uniform(PixelMode.RGBA, 4, 4, 100, 0, 255, 128), 2, 3);
    assertArrayEquals(
        uniform(PixelMode.RGBA, 2, 3, 99, 0, 255, 128).samplesView(), out.samplesView());
    // alpha 0 keeps the premultiplied color, which is black
    out = PillowResampler.resize(uniform(PixelMode.LA, 4, 4, 200, 0), 3, 3);
    assertArrayEquals(uniform(PixelMode.LA, 3, 3, 0, 0).samplesView(), out.samplesView());
  }

  @Test
  void halvingARampByHand() {
    // 4 -> 2: scale 2, support 4; output 0 has center 1 and reads inputs 0..3 at distances
    // (j + 0.5 - 1) / 2 = -0.25, 0.25, 0.75, 1.25: weights 0.8671875, 0.8671875, 0.2265625,
    // -0.0703125, sum 1.890625, so (10 * .8671875 + 50 * .8671875 + 90 * .2265625
    // - 130 * .0703125) / 1.890625 = 33.47 -> 33; output 1 mirrors it: 201.40625 / 1.890625 =
    // 106.53 -> 107
    DecodedImage row = gray(4, 1, 10, 50, 90, 130);
    assertArrayEquals(bytes(33, 107), PillowResampler.resize(row, 2, 1).samplesView());
    DecodedImage column = gray(1, 4, 10, 50, 90, 130);
    assertArrayEquals(bytes(33, 107), PillowResampler.resize(column, 1, 2).samplesView());
  }

  @Test
  void doublingByHand() {
    // 2 -> 4: scale 0.5, support 2; centers 0.25, 0.75, 1.25, 1.75 see the two inputs at
    // 0.25 / 1.25, -0.25 / 0.75, -0.75 / 0.25, -1.25 / -0.25, normalized:
    // (100 * 0.8671875 - 200 * 0.0703125) / 0.796875 = 91.18 -> 91,
    // (100 * 0.8671875 + 200 * 0.2265625) / 1.09375 = 120.71 -> 121, then 179.29 -> 179 and
    // 208.82 -> 209
    assertArrayEquals(
        bytes(91, 121, 179, 209), PillowResampler.resize(gray(2, 1, 100, 200), 4, 1).samplesView());
    // overshoot below 0 is clipped (clip8): 255 * -0.0882 < 0
    assertEquals(0, PillowResampler.resize(gray(2, 1, 0, 255), 4, 1).sample(0, 0, 0));
  }

  @Test
  void paletteImagesUseNearestAndKeepThePalette() {
    byte[] palette = bytes(10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 130, 140, 150);
    DecodedImage image = DecodedImage.withPalette(5, 1, bytes(0, 1, 2, 3, 4), palette, "palette");
    // ImagingScaleAffine: step 2.5 from 1.25, so inputs 1 and 3
    DecodedImage half = PillowResampler.resize(image, 2, 1);
    assertEquals(PixelMode.P, half.mode());
    assertArrayEquals(bytes(1, 3), half.samplesView());
    assertEquals(0x646E78, half.paletteColor(3)); // entry 3 is (100, 110, 120)
    // step 0.5 from 0.25: each input twice
    DecodedImage doubled =
        PillowResampler.resize(DecodedImage.withPalette(2, 1, bytes(4, 2), palette, "p"), 4, 1);
    assertArrayEquals(bytes(4, 4, 2, 2), doubled.samplesView());
  }

  @Test
  void bilevelImagesUseNearest() {
    DecodedImage image = DecodedImage.of(PixelMode.BILEVEL, 2, 2, bytes(0, 255, 255, 0), "bits");
    DecodedImage out = PillowResampler.resize(image, 4, 4);
    assertArrayEquals(
        bytes(0, 0, 255, 255, 0, 0, 255, 255, 255, 255, 0, 0, 255, 255, 0, 0), out.samplesView());
  }

  @Test
  void opaqueRgbaResizesLikeRgb() {
    for (int trial = 0; trial < 20; trial++) {
      DecodedImage rgb = random(PixelMode.RGB, 1 + RANDOM.nextInt(40), 1 + RANDOM.nextInt(40));
      byte[] rgba = new byte[rgb.width() * rgb.height() * 4];
      for (int p = 0; p < rgb.width() * rgb.height(); p++) {
        System.arraycopy(rgb.samplesView(), 3 * p, rgba, 4 * p, 3);
        rgba[4 * p + 3] = (byte) 255;
      }
      int ow = 1 + RANDOM.nextInt(40);
      int oh = 1 + RANDOM.nextInt(40);
      DecodedImage a = PillowResampler.resize(rgb, ow, oh);
      DecodedImage b =
          PillowResampler.resize(
              DecodedImage.of(PixelMode.RGBA, rgb.width(), rgb.height(), rgba, "x"), ow, oh);
      for (int p = 0; p < ow * oh; p++) {
        assertEquals(a.rgbAt(p), b.rgbAt(p));
        assertEquals(255, b.samplesView()[4 * p + 3] & 0xFF);
      }
    }
  }

  @Test
  void matchesADoublePrecisionReferenceWithinOneStep() {
    int worst = 0;
    for (int trial = 0; trial < 300; trial++) {
      PixelMode mode = RANDOM.nextBoolean() ? PixelMode.L : PixelMode.RGB;
      int w = 1 + RANDOM.nextInt(trial < 150 ? 12 : 90);
      int h = 1 + RANDOM.nextInt(trial < 150 ? 12 : 90);
      int ow = 1 + RANDOM.nextInt(trial < 150 ? 12 : 90);
      int oh = 1 + RANDOM.nextInt(trial < 150 ? 12 : 90);
      DecodedImage image = random(mode, w, h);
      DecodedImage actual = PillowResampler.resize(image, ow, oh);
      int[] expected = ReferenceBicubic.resize(image, ow, oh);
      for (int i = 0; i < expected.length; i++) {
        int d = Math.abs(expected[i] - (actual.samplesView()[i] & 0xFF));
        worst = Math.max(worst, d);
        assertTrue(
            d <= 1,
            mode
                + " "
                + w
                + "x"
                + h
                + " -> "
                + ow
                + "x"
                + oh
                + " sample "
                + i
                + ": "
                + (actual.samplesView()[i] & 0xFF)
                + " vs "
                + expected[i]);
      }
    }
    assertTrue(worst <= 1);
  }

  @Test
  void aRegionEqualsTheSameCropOfTheWholeResize() {
    for (int trial = 0; trial < 200; trial++) {
      PixelMode mode = PixelMode.values()[RANDOM.nextInt(PixelMode.values().length)];
      int w = 1 + RANDOM.nextInt(30);
      int h = 1 + RANDOM.nextInt(30);
      int ow = 1 + RANDOM.nextInt(50);
      int oh = 1 + RANDOM.nextInt(50);
      DecodedImage image = random(mode, w, h);
      DecodedImage whole = PillowResampler.resize(image, ow, oh);
      Region region = randomRegion(ow, oh);
      DecodedImage part = PillowResampler.resizeRegion(PaddedImage.of(image), ow, oh, region);
      assertArrayEquals(
          crop(whole, region),
          part.samplesView(),
          mode + " " + w + "x" + h + " -> " + ow + "x" + oh + " " + region);
    }
  }

  @Test
  void aPaddedImageResizesLikeItsPaddedCopy() {
    for (int trial = 0; trial < 200; trial++) {
      PixelMode mode = PixelMode.values()[RANDOM.nextInt(PixelMode.values().length)];
      DecodedImage image = random(mode, 1 + RANDOM.nextInt(25), 1 + RANDOM.nextInt(25));
      int padX = RANDOM.nextInt(12);
      int padY = RANDOM.nextInt(12);
      PaddedImage padded = PaddedImage.pad(image, padX, padY);
      DecodedImage materialized = materialize(padded);
      int ow = 1 + RANDOM.nextInt(40);
      int oh = 1 + RANDOM.nextInt(40);
      Region region = randomRegion(ow, oh);
      DecodedImage expected =
          PillowResampler.resizeRegion(PaddedImage.of(materialized), ow, oh, region);
      DecodedImage actual = PillowResampler.resizeRegion(padded, ow, oh, region);
      assertArrayEquals(
          expected.samplesView(), actual.samplesView(), mode + " pad " + padX + "," + padY);
    }
  }

  static DecodedImage materialize(PaddedImage padded) {
    DecodedImage image = padded.image();
    int bands = image.mode().bands();
    byte[] out = new byte[padded.width() * padded.height() * bands];
    for (int y = 0; y < image.height(); y++) {
      System.arraycopy(
          image.samplesView(),
          y * image.width() * bands,
          out,
          ((y + padded.top()) * padded.width() + padded.left()) * bands,
          image.width() * bands);
    }
    return DecodedImage.wrap(
        image.mode(), padded.width(), padded.height(), out, image.paletteView(), image.source());
  }

  private static Region randomRegion(int ow, int oh) {
    int rw = 1 + RANDOM.nextInt(ow);
    int rh = 1 + RANDOM.nextInt(oh);
    return new Region(RANDOM.nextInt(ow - rw + 1), RANDOM.nextInt(oh - rh + 1), rw, rh);
  }

  private static byte[] crop(DecodedImage image, Region r) {
    int bands = image.mode().bands();
    byte[] out = new byte[r.width() * r.height() * bands];
    for (int y = 0; y < r.height(); y++) {
      System.arraycopy(
          image.samplesView(),
          ((r.top() + y) * image.width() + r.left()) * bands,
          out,
          y * r.width() * bands,
          r.width() * bands);
    }
    return out;
  }

  static DecodedImage random(PixelMode mode, int w, int h) {
    byte[] samples = new byte[w * h * mode.bands()];
    RANDOM.nextBytes(samples);
    if (mode == PixelMode.BILEVEL) {
      for (int i = 0; i < samples.length; i++) {
        samples[i] = (byte) (samples[i] < 0 ? 255 : 0);
      }
    }
    if (mode == PixelMode.P) {
      byte[] palette = new byte[768];
      RANDOM.nextBytes(palette);
      return DecodedImage.withPalette(w, h, samples, palette, "random");
    }
    return DecodedImage.of(mode, w, h, samples, "random");
  }

  static DecodedImage uniform(PixelMode mode, int w, int h, int... color) {
    byte[] samples = new byte[w * h * mode.bands()];
    for (int i = 0; i < samples.length; i++) {
      samples[i] = (byte) color[i % mode.bands()];
    }
    return DecodedImage.of(mode, w, h, samples, "uniform");
  }

  private static DecodedImage gray(int w, int h, int... values) {
    return DecodedImage.of(PixelMode.L, w, h, bytes(values), "gray");
  }

  static byte[] bytes(int... values) {
    byte[] b = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      b[i] = (byte) values[i];
    }
    return b;
  }

  /**
   * A direct reading of the filter definition in double precision: every input weighted by the
   * bicubic kernel stretched by the reduction factor, normalized, a horizontal pass rounded to
   * uint8 and clamped, then a vertical pass likewise. Only the fixed-point coefficients differ from
   * Pillow.
   */
  static final class ReferenceBicubic {
    static int[] resize(DecodedImage image, int ow, int oh) {
      int bands = image.mode().bands();
      int w = image.width();
      int h = image.height();
      int[] in = new int[w * h * bands];
      for (int i = 0; i < in.length; i++) {
        in[i] = image.samplesView()[i] & 0xFF;
      }
      int[] rows = in;
      if (ow != w) {
        double[][] k = weights(w, ow);
        rows = new int[ow * h * bands];
        for (int y = 0; y < h; y++) {
          for (int x = 0; x < ow; x++) {
            for (int b = 0; b < bands; b++) {
              double s = 0;
              for (int j = 0; j < w; j++) {
                s += k[x][j] * in[(y * w + j) * bands + b];
              }
              rows[(y * ow + x) * bands + b] = round(s);
            }
          }
        }
      }
      if (oh == h) {
        return rows;
      }
      double[][] k = weights(h, oh);
      int[] out = new int[ow * oh * bands];
      for (int y = 0; y < oh; y++) {
        for (int x = 0; x < ow; x++) {
          for (int b = 0; b < bands; b++) {
            double s = 0;
            for (int j = 0; j < h; j++) {
              s += k[y][j] * rows[(j * ow + x) * bands + b];
            }
            out[(y * ow + x) * bands + b] = round(s);
          }
        }
      }
      return out;
    }

    private static double[][] weights(int in, int out) {
      double scale = (double) in / out;
      double stretch = Math.max(scale, 1.0);
      double[][] k = new double[out][in];
      for (int i = 0; i < out; i++) {
        double center = (i + 0.5) * scale;
        double sum = 0;
        for (int j = 0; j < in; j++) {
          k[i][j] = cubic(Math.abs(j + 0.5 - center) / stretch);
          sum += k[i][j];
        }
        for (int j = 0; j < in; j++) {
          k[i][j] /= sum;
        }
      }
      return k;
    }

    /** Keys' cubic convolution kernel with a = -0.5. */
    private static double cubic(double x) {
      double a = -0.5;
      if (x < 1) {
        return (a + 2) * x * x * x - (a + 3) * x * x + 1;
      }
      if (x < 2) {
        return a * x * x * x - 5 * a * x * x + 8 * a * x - 4 * a;
      }
      return 0;
    }

    private static int round(double v) {
      return (int) Math.max(0, Math.min(255, Math.floor(v + 0.5)));
    }
  }
}
