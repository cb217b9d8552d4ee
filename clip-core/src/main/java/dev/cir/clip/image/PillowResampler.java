package dev.cir.clip.image;

import java.util.Arrays;

/**
 * Pillow's {@code Image.resize(size, BICUBIC)} on 8-bit images, reproduced to the last bit.
 *
 * <p>What is ported, from Pillow's {@code src/libImaging}:
 *
 * <ul>
 *   <li>Resample.c: {@code precompute_coeffs} (the filter support is scaled by the reduction
 *       factor, which antialiases when shrinking), {@code bicubic_filter} with a = -0.5, {@code
 *       normalize_coeffs_8bpc} (fixed point with {@code PRECISION_BITS = 32 - 8 - 2}, rounded half
 *       away from zero), {@code clip8}, and {@code ImagingResampleInner}: a horizontal pass over
 *       only the source rows the vertical pass will read, uint8 in between, then the vertical pass;
 *       a pass whose size does not change is skipped.
 *   <li>Image.py {@code resize}: an unchanged size returns the image as it is; modes P and 1 always
 *       use NEAREST, which is Geometry.c {@code ImagingScaleAffine} (with its accumulated
 *       coordinates); RGBA and LA are premultiplied before resampling and un-premultiplied after
 *       (Convert.c {@code rgbA2rgba}/{@code lA2la} with MULDIV255, {@code rgba2rgbA}/{@code
 *       la2lA}).
 * </ul>
 *
 * <p>Strategy: each output pixel's coefficients depend only on its own coordinate, so only a {@link
 * Region} of the output is computed; coefficients, the intermediate rows and the result are sized
 * by that region, never by the full output. The source is a {@link PaddedImage}: its zero border is
 * read as zeros, which contribute nothing to the integer sums, so padding is never materialized.
 */
final class PillowResampler {
  /** Resample.c: 8 bits for the result, 2 for overflow and sign. */
  private static final int PRECISION_BITS = 32 - 8 - 2;

  private static final int HALF = 1 << (PRECISION_BITS - 1);

  /** Resample.c {@code BICUBIC}: support 2, Keys' cubic with a = -0.5. */
  private static final double BICUBIC_SUPPORT = 2.0;

  private static final double BICUBIC_A = -0.5;

  /** Upper bound on intermediate samples and coefficients, reached only by absurd aspect ratios. */
  static final long MAX_BUFFER = 1L << 28;

  private PillowResampler() {}

  /** The part of the resized image to compute, in output coordinates. */
  record Region(int left, int top, int width, int height) {
    Region {
      if (left < 0 || top < 0 || width < 1 || height < 1) {
        throw new IllegalArgumentException(
            "bad region " + width + "x" + height + " at (" + left + ", " + top + ")");
      }
    }
  }

  /** {@code image.resize((width, height), BICUBIC)}, the whole of it. */
  static DecodedImage resize(DecodedImage image, int width, int height) {
    return resizeRegion(PaddedImage.of(image), width, height, new Region(0, 0, width, height));
  }

  /**
   * The {@code region} of {@code source.resize((width, height), BICUBIC)}, computed without the
   * rest.
   *
   * @throws InvalidImageException naming the image when the resize would need more than {@link
   *     #MAX_BUFFER} intermediate values
   */
  static DecodedImage resizeRegion(PaddedImage source, int width, int height, Region region) {
    if (width < 1 || height < 1) {
      throw new IllegalArgumentException(
          "output size must be at least 1x1, got " + width + "x" + height);
    }
    if ((long) region.left() + region.width() > width
        || (long) region.top() + region.height() > height) {
      throw new IllegalArgumentException(
          "region " + region + " is outside the " + width + "x" + height + " output");
    }
    if (width == source.width() && height == source.height()) {
      // Image.resize returns a copy: no premultiplication round trip
      return crop(source, region);
    }
    if (source.image().mode().resizesNearest()) {
      return nearest(source, width, height, region);
    }
    return bicubic(source, width, height, region);
  }

  private static DecodedImage crop(PaddedImage source, Region region) {
    DecodedImage image = source.image();
    int bands = image.mode().bands();
    byte[] in = image.samplesView();
    byte[] out = new byte[region.width() * region.height() * bands];
    for (int y = 0; y < region.height(); y++) {
      int sy = region.top() + y - source.top();
      if (sy < 0 || sy >= image.height()) {
        continue;
      }
      int x0 = Math.max(region.left(), source.left());
      int x1 = Math.min(region.left() + region.width(), source.left() + image.width());
      if (x0 < x1) {
        System.arraycopy(
            in,
            (sy * image.width() + x0 - source.left()) * bands,
            out,
            (y * region.width() + x0 - region.left()) * bands,
            (x1 - x0) * bands);
      }
    }
    return DecodedImage.wrap(
        image.mode(), region.width(), region.height(), out, image.paletteView(), image.source());
  }

  /** Geometry.c ImagingScaleAffine, as _imaging.c _resize sets it up for NEAREST. */
  private static DecodedImage nearest(PaddedImage source, int width, int height, Region region) {
    // the resize box is float[4] in _resize: (double)(box[2] - box[0]) / xsize
    int[] columns =
        nearestSources(
            (double) (float) source.width() / width, region.left(), region.width(), source.width());
    int[] rows =
        nearestSources(
            (double) (float) source.height() / height,
            region.top(),
            region.height(),
            source.height());
    DecodedImage image = source.image();
    int bands = image.mode().bands();
    byte[] in = image.samplesView();
    byte[] out = new byte[region.width() * region.height() * bands];
    for (int y = 0; y < region.height(); y++) {
      for (int x = 0; x < region.width(); x++) {
        int sx = columns[x];
        int sy = rows[y];
        // fill=1 in _resize: pixels mapping outside the canvas stay zero
        if (sx < 0 || sy < 0 || !source.covers(sx, sy)) {
          continue;
        }
        int from = ((sy - source.top()) * image.width() + sx - source.left()) * bands;
        System.arraycopy(in, from, out, (y * region.width() + x) * bands, bands);
      }
    }
    return DecodedImage.wrap(
        image.mode(), region.width(), region.height(), out, image.paletteView(), image.source());
  }

  /** Source coordinate of outputs first..first+count-1, or -1 when outside [0, size). */
  private static int[] nearestSources(double step, int first, int count, int size) {
    int[] result = new int[count];
    // ImagingScaleAffine accumulates xo += a[0] from a[2] + a[0] * 0.5; repeat the same additions
    double position = 0.0 + step * 0.5;
    for (int i = 0; i < first + count; i++) {
      if (i >= first) {
        int coord = position < 0.0 ? -1 : (int) position;
        result[i - first] = coord < size ? coord : -1;
      }
      position += step;
    }
    return result;
  }

  private static DecodedImage bicubic(PaddedImage source, int width, int height, Region region) {
    DecodedImage image = source.image();
    int bands = image.mode().bands();
    boolean horizontal = width != source.width();
    boolean vertical = height != source.height();

    Coefficients rows =
        vertical
            ? Coefficients.bicubic(source.height(), height, region.top(), region.height(), image)
            : null;
    // ImagingResampleInner: the horizontal pass covers only the rows the vertical pass reads
    int first = vertical ? rows.min[0] : region.top();
    int last =
        vertical
            ? rows.min[region.height() - 1] + rows.len[region.height() - 1]
            : region.top() + region.height();
    long tempSize = (long) (last - first) * region.width() * bands;
    if (tempSize > MAX_BUFFER) {
      throw tooElongated(source, width, height);
    }
    Coefficients columns =
        horizontal
            ? Coefficients.bicubic(source.width(), width, region.left(), region.width(), image)
            : null;

    byte[] temp = horizontalPass(source, columns, first, last, region);
    byte[] out = vertical ? verticalPass(temp, rows, first, region.width() * bands) : temp;
    if (image.mode().hasAlpha()) {
      unpremultiply(out, bands);
    }
    return DecodedImage.wrap(
        image.mode(), region.width(), region.height(), out, null, image.source());
  }

  /**
   * Rows first..last-1 of the canvas, resampled (or, with no coefficients, copied) to the region's
   * columns.
   */
  private static byte[] horizontalPass(
      PaddedImage source, Coefficients columns, int first, int last, Region region) {
    DecodedImage image = source.image();
    int bands = image.mode().bands();
    boolean alpha = image.mode().hasAlpha();
    int outStride = region.width() * bands;
    byte[] temp = new byte[(last - first) * outStride];
    byte[] row = new byte[image.width() * bands];
    int imageLeft = source.left();
    int imageRight = source.left() + image.width();
    for (int y = first; y < last; y++) {
      int sy = y - source.top();
      if (sy < 0 || sy >= image.height()) {
        continue; // a border row: zeros
      }
      loadRow(image, sy, row, alpha);
      int outBase = (y - first) * outStride;
      for (int c = 0; c < region.width(); c++) {
        int o = outBase + c * bands;
        if (columns == null) {
          int sx = region.left() + c;
          if (sx >= imageLeft && sx < imageRight) {
            System.arraycopy(row, (sx - imageLeft) * bands, temp, o, bands);
          }
          continue;
        }
        int xmin = columns.min[c];
        int lo = Math.max(xmin, imageLeft);
        int hi = Math.min(xmin + columns.len[c], imageRight);
        int k = c * columns.ksize - xmin;
        for (int b = 0; b < bands; b++) {
          int ss = HALF;
          for (int x = lo; x < hi; x++) {
            ss += (row[(x - imageLeft) * bands + b] & 0xFF) * columns.k[k + x];
          }
          temp[o + b] = clip8(ss);
        }
      }
    }
    return temp;
  }

  /** Resample.c ImagingResampleVertical_8bpc over the rows the horizontal pass produced. */
  private static byte[] verticalPass(byte[] temp, Coefficients rows, int first, int stride) {
    int count = rows.min.length;
    byte[] out = new byte[count * stride];
    int[] acc = new int[stride];
    for (int j = 0; j < count; j++) {
      Arrays.fill(acc, HALF);
      int ymin = rows.min[j] - first;
      for (int y = 0; y < rows.len[j]; y++) {
        int k = rows.k[j * rows.ksize + y];
        int base = (ymin + y) * stride;
        for (int i = 0; i < stride; i++) {
          acc[i] += (temp[base + i] & 0xFF) * k;
        }
      }
      int o = j * stride;
      for (int i = 0; i < stride; i++) {
        out[o + i] = clip8(acc[i]);
      }
    }
    return out;
  }

  /** Copies source row {@code y}, premultiplying alpha images as Convert.c rgbA2rgba / lA2la do. */
  private static void loadRow(DecodedImage image, int y, byte[] row, boolean alpha) {
    System.arraycopy(image.samplesView(), y * row.length, row, 0, row.length);
    if (!alpha) {
      return;
    }
    int bands = image.mode().bands();
    for (int p = 0; p < row.length; p += bands) {
      int a = row[p + bands - 1] & 0xFF;
      for (int b = 0; b < bands - 1; b++) {
        row[p + b] = (byte) mulDiv255(row[p + b] & 0xFF, a);
      }
    }
  }

  /** Convert.c rgba2rgbA / la2lA: CLIP8(255 * c / alpha) for 0 < alpha < 255. */
  private static void unpremultiply(byte[] samples, int bands) {
    for (int p = 0; p < samples.length; p += bands) {
      int a = samples[p + bands - 1] & 0xFF;
      if (a == 0 || a == 255) {
        continue;
      }
      for (int b = 0; b < bands - 1; b++) {
        samples[p + b] = (byte) Math.min(255, (255 * (samples[p + b] & 0xFF)) / a);
      }
    }
  }

  /** ImPlatform.h MULDIV255: a * b / 255, rounded. */
  static int mulDiv255(int a, int b) {
    int tmp = a * b + 128;
    return ((tmp >> 8) + tmp) >> 8;
  }

  /** Resample.c clip8: the fixed-point sum shifted down and clamped to 0..255. */
  private static byte clip8(int ss) {
    int v = ss >> PRECISION_BITS;
    return (byte) (v < 0 ? 0 : Math.min(v, 255));
  }

  /** Resample.c bicubic_filter. */
  static double bicubicFilter(double x) {
    if (x < 0.0) {
      x = -x;
    }
    if (x < 1.0) {
      return ((BICUBIC_A + 2.0) * x - (BICUBIC_A + 3.0)) * x * x + 1;
    }
    if (x < 2.0) {
      return (((x - 5) * x + 8) * x - 4) * BICUBIC_A;
    }
    return 0.0;
  }

  private static InvalidImageException tooElongated(PaddedImage source, int width, int height) {
    return new InvalidImageException(
        source.image().source(),
        source.width()
            + "x"
            + source.height()
            + " is too elongated to resize to "
            + width
            + "x"
            + height
            + " (the resize would need more than "
            + MAX_BUFFER
            + " intermediate values)");
  }

  /**
   * The fixed-point filter of output pixels first..first+count-1: output i reads inputs min[i] to
   * min[i] + len[i] - 1 with weights k[i * ksize + j].
   */
  static final class Coefficients {
    final int ksize;
    final int[] min;
    final int[] len;
    final int[] k;

    private Coefficients(int ksize, int count) {
      this.ksize = ksize;
      this.min = new int[count];
      this.len = new int[count];
      this.k = new int[count * ksize];
    }

    /** Resample.c precompute_coeffs then normalize_coeffs_8bpc, for the bicubic filter. */
    static Coefficients bicubic(int inSize, int outSize, int first, int count, DecodedImage image) {
      // the box edges are floats in ImagingResample: (double)(in1 - in0) / outSize
      double scale = (double) (float) inSize / outSize;
      double filterscale = Math.max(scale, 1.0);
      double support = BICUBIC_SUPPORT * filterscale;
      int ksize = (int) Math.ceil(support) * 2 + 1;
      if ((long) count * ksize > MAX_BUFFER) {
        throw new InvalidImageException(
            image.source(),
            image.width()
                + "x"
                + image.height()
                + " is too elongated to resize a side of "
                + inSize
                + " to "
                + outSize
                + " (the filter would need more than "
                + MAX_BUFFER
                + " coefficients)");
      }
      Coefficients c = new Coefficients(ksize, count);
      double[] weights = new double[ksize];
      double ss = 1.0 / filterscale;
      for (int i = 0; i < count; i++) {
        int xx = first + i;
        double center = (xx + 0.5) * scale;
        double ww = 0.0;
        int xmin = (int) (center - support + 0.5);
        if (xmin < 0) {
          xmin = 0;
        }
        int xmax = (int) (center + support + 0.5);
        if (xmax > inSize) {
          xmax = inSize;
        }
        xmax -= xmin;
        for (int x = 0; x < xmax; x++) {
          double w = bicubicFilter((x + xmin - center + 0.5) * ss);
          weights[x] = w;
          ww += w;
        }
        for (int x = 0; x < xmax; x++) {
          double w = ww != 0.0 ? weights[x] / ww : weights[x];
          // normalize_coeffs_8bpc: round half away from zero
          c.k[i * ksize + x] =
              w < 0
                  ? (int) (-0.5 + w * (1 << PRECISION_BITS))
                  : (int) (0.5 + w * (1 << PRECISION_BITS));
        }
        c.min[i] = xmin;
        c.len[i] = xmax;
      }
      return c;
    }
  }
}
