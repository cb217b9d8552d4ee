package dev.cir.clip.image;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Decodes PNG, JPEG, GIF, BMP and TIFF files into {@link DecodedImage}s holding what PIL's {@code
 * Image.open} would hold: the same mode (1, L, LA, P, RGB, RGBA) and the same 8-bit samples.
 *
 * <p>Strategy: the file is read into memory once and recognized by its leading bytes. Container
 * checks run before any pixel is decoded: the image size is compared with {@link #maxPixels()} (PNG
 * and GIF from their headers, every format through {@code ImageReader.getWidth(0)} / {@code
 * getHeight(0)}), and PNG, GIF and BMP files are walked to make sure they are complete, because
 * ImageIO may return a partly decoded image from a cut file where PIL raises an error. ImageIO then
 * decodes the first image; its samples are mapped onto PIL's mode for that file:
 *
 * <ul>
 *   <li>PNG by the IHDR color type: gray is L (1-bit gray is mode 1), palette is P with the PLTE
 *       entries (black past its end, as in Pillow), RGB, LA, RGBA; a tRNS chunk does not add alpha.
 *       16-bit samples keep their high byte, which is what PIL does for 16-bit RGB(A) and LA; for
 *       16-bit gray PIL itself opens mode I;16 and clips it to 255 when converting to RGB, which is
 *       not kept here.
 *   <li>GIF: the first frame on the logical screen, as {@link GifFrame} describes.
 *   <li>BMP and others: palette images are P, or 1 / L when the palette is the black-white pair or
 *       the gray ramp (BmpImagePlugin); others are L, LA, RGB or RGBA by their color model.
 * </ul>
 *
 * <p>EXIF orientation is not applied, as PIL does not apply it on open. Instances are immutable and
 * safe to share between threads.
 */
public final class ImageDecoder {
  /** PIL's {@code Image.MAX_IMAGE_PIXELS}: {@code int(1024 * 1024 * 1024 // 4 // 3)}. */
  public static final long DEFAULT_MAX_PIXELS = 89_478_485L;

  /** Room for an uncompressed 32-bit BMP at the default pixel limit (358 MB). */
  public static final long DEFAULT_MAX_FILE_BYTES = 512L << 20;

  /**
   * Frames an animated GIF may hold. Only the first is decoded (as PIL shows it after {@code
   * Image.open}); a long animation is refused rather than walked, as no photo of a product is one.
   */
  public static final int DEFAULT_MAX_FRAMES = 256;

  private static final long MAX_SAMPLES = Integer.MAX_VALUE - 8;

  private final long maxPixels;
  private final long maxFileBytes;
  private final int maxFrames;

  /** A decoder with PIL's pixel limit, {@link #DEFAULT_MAX_FILE_BYTES} and {@link #DEFAULT_MAX_FRAMES}. */
  public ImageDecoder() {
    this(DEFAULT_MAX_PIXELS, DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_FRAMES);
  }

  private ImageDecoder(long maxPixels, long maxFileBytes, int maxFrames) {
    this.maxPixels = maxPixels;
    this.maxFileBytes = maxFileBytes;
    this.maxFrames = maxFrames;
  }

  /**
   * This decoder with another limit on width times height.
   *
   * @throws IllegalArgumentException if {@code maxPixels} is less than 1
   */
  public ImageDecoder withMaxPixels(long maxPixels) {
    if (maxPixels < 1) {
      throw new IllegalArgumentException("maxPixels must be at least 1, got " + maxPixels);
    }
    return new ImageDecoder(maxPixels, maxFileBytes, maxFrames);
  }

  /**
   * This decoder with another limit on the frames of an animated image.
   *
   * @throws IllegalArgumentException if {@code maxFrames} is less than 1
   */
  public ImageDecoder withMaxFrames(int maxFrames) {
    if (maxFrames < 1) {
      throw new IllegalArgumentException("maxFrames must be at least 1, got " + maxFrames);
    }
    return new ImageDecoder(maxPixels, maxFileBytes, maxFrames);
  }

  /**
   * This decoder with another limit on the size of a file.
   *
   * @throws IllegalArgumentException if {@code maxFileBytes} is less than 1 or more than a Java
   *     array holds
   */
  public ImageDecoder withMaxFileBytes(long maxFileBytes) {
    if (maxFileBytes < 1 || maxFileBytes > MAX_SAMPLES) {
      throw new IllegalArgumentException(
          "maxFileBytes must be between 1 and " + MAX_SAMPLES + ", got " + maxFileBytes);
    }
    return new ImageDecoder(maxPixels, maxFileBytes, maxFrames);
  }

  public long maxPixels() {
    return maxPixels;
  }

  public long maxFileBytes() {
    return maxFileBytes;
  }

  public int maxFrames() {
    return maxFrames;
  }

  /**
   * Decodes the first image of {@code file}.
   *
   * @throws InvalidImageException naming the file when it is missing, unreadable, empty, not a
   *     supported image, truncated, corrupt or over the limits
   */
  public DecodedImage decode(Path file) {
    Objects.requireNonNull(file, "file");
    String source = file.toAbsolutePath().normalize().toString();
    byte[] data;
    try {
      if (Files.isDirectory(file)) {
        throw new InvalidImageException(source, "is a directory, not an image file");
      }
      long size = Files.size(file);
      if (size > maxFileBytes) {
        throw new InvalidImageException(
            source,
            "file of " + size + " bytes is larger than the limit of " + maxFileBytes + " bytes");
      }
      data = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new InvalidImageException(source, "file not found", e);
    } catch (AccessDeniedException e) {
      throw new InvalidImageException(source, "permission denied", e);
    } catch (IOException e) {
      throw new InvalidImageException(source, "cannot read: " + e, e);
    }
    return decode(data, source);
  }

  /**
   * Decodes the first image in {@code data}.
   *
   * @param source the name of the file or upload {@code data} came from, used in every message
   * @throws InvalidImageException naming {@code source} when the data is empty, not a supported
   *     image, truncated, corrupt or over the limits
   */
  public DecodedImage decode(byte[] data, String source) {
    Objects.requireNonNull(data, "data");
    Objects.requireNonNull(source, "source");
    if (data.length == 0) {
      throw new InvalidImageException(source, "empty file (0 bytes), not an image");
    }
    if (data.length > maxFileBytes) {
      throw new InvalidImageException(
          source, data.length + " bytes is larger than the limit of " + maxFileBytes + " bytes");
    }
    ImageFormat format = ImageFormat.detect(data);
    if (format == null) {
      throw new InvalidImageException(
          source,
          "not a supported image (PNG, JPEG, GIF, BMP, TIFF"
              + (ImageFormat.WEBP.readable() ? ", WebP" : "")
              + "): the data starts with "
              + ImageFormat.describeStart(data));
    }
    PngChunks png = null;
    GifFrame gif = null;
    switch (format) {
      case PNG -> png = PngChunks.read(data, source, maxPixels);
      case GIF -> gif = GifFrame.read(data, source, maxPixels, maxFrames);
      case BMP -> checkBmpLayout(data, source, maxPixels);
      default -> {
        // JPEG truncation shows as a decoder warning; TIFF's reader throws
      }
    }
    BufferedImage image = readFirstImage(data, format, source);
    if (png != null) {
      return fromPng(image, png, source);
    }
    if (gif != null) {
      return fromGif(image, gif, source);
    }
    return fromColorModel(image, format, source);
  }

  /** Refuses width x height over {@code maxPixels}, as PIL's _decompression_bomb_check does. */
  static void checkPixels(String source, long width, long height, long maxPixels) {
    long pixels = width * height;
    if (pixels > maxPixels) {
      throw new InvalidImageException(
          source,
          String.format(
              Locale.ROOT,
              "image of %dx%d = %d pixels exceeds the limit of %d pixels (a guard against"
                  + " decompression bombs, like PIL's MAX_IMAGE_PIXELS); raise the decoder's"
                  + " maxPixels if the image is trusted",
              width,
              height,
              pixels,
              maxPixels));
    }
  }

  private BufferedImage readFirstImage(byte[] data, ImageFormat format, String source) {
    Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(format.readerName());
    if (!readers.hasNext()) {
      throw new InvalidImageException(
          source,
          "no ImageIO reader for "
              + format
              + " on this JVM; send the image as JPEG or PNG"
              + (format == ImageFormat.WEBP
                  ? " (or add a WebP reader for ImageIO, such as TwelveMonkeys' imageio-webp, to the class path)"
                  : ""));
    }
    ImageReader reader = readers.next();
    List<String> warnings = new ArrayList<>();
    try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(data))) {
      reader.setInput(in, true, true);
      reader.addIIOReadWarningListener((r, warning) -> warnings.add(warning));
      int width = reader.getWidth(0);
      int height = reader.getHeight(0);
      if (width < 1 || height < 1) {
        throw new InvalidImageException(
            source, "corrupt " + format + ": size " + width + "x" + height);
      }
      checkPixels(source, width, height, maxPixels);
      BufferedImage image = reader.read(0);
      for (String warning : warnings) {
        // libjpeg's warnings for a cut file; its other warnings (corrupt data) PIL tolerates too
        String w = warning.toLowerCase(Locale.ROOT);
        if (w.contains("missing eoi")
            || w.contains("premature end of jpeg file")
            || w.startsWith("truncated")) {
          throw new InvalidImageException(source, "truncated " + format + ": " + warning);
        }
      }
      return image;
    } catch (InvalidImageException e) {
      throw e;
    } catch (IOException e) {
      String why = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
      throw new InvalidImageException(source, "cannot decode " + format + ": " + why, e);
    } catch (RuntimeException e) {
      // ImageIO readers throw unchecked exceptions on some malformed streams
      throw new InvalidImageException(source, "corrupt " + format + ": " + e, e);
    } finally {
      reader.dispose();
    }
  }

  private static DecodedImage fromPng(BufferedImage image, PngChunks png, String source) {
    int w = png.width;
    int h = png.height;
    checkDecodedSize(image, w, h, source);
    checkHoldable(w, h, 4, source);
    return switch (png.colorType) {
      case 0 ->
          DecodedImage.wrap(
              png.bitDepth == 1 ? PixelMode.BILEVEL : PixelMode.L,
              w,
              h,
              components(image, 1, source),
              null,
              source);
      case 2 -> DecodedImage.wrap(PixelMode.RGB, w, h, components(image, 3, source), null, source);
      case 3 ->
          DecodedImage.wrap(
              PixelMode.P, w, h, indices(image), DecodedImage.fullPalette(png.palette), source);
      case 4 -> DecodedImage.wrap(PixelMode.LA, w, h, components(image, 2, source), null, source);
      case 6 -> DecodedImage.wrap(PixelMode.RGBA, w, h, components(image, 4, source), null, source);
      default ->
          throw new InvalidImageException(source, "corrupt PNG: color type " + png.colorType);
    };
  }

  private static DecodedImage fromGif(BufferedImage image, GifFrame gif, String source) {
    checkDecodedSize(image, gif.width, gif.height, source);
    checkHoldable(gif.canvasWidth, gif.canvasHeight, 1, source);
    byte[] frame = indices(image);
    byte[] canvas = new byte[gif.canvasWidth * gif.canvasHeight];
    if (gif.transparency >= 0) {
      Arrays.fill(canvas, (byte) gif.transparency);
    }
    for (int y = 0; y < gif.height; y++) {
      System.arraycopy(
          frame, y * gif.width, canvas, (gif.top + y) * gif.canvasWidth + gif.left, gif.width);
    }
    if (gif.palette == null) {
      return DecodedImage.wrap(
          PixelMode.L, gif.canvasWidth, gif.canvasHeight, canvas, null, source);
    }
    return DecodedImage.wrap(
        PixelMode.P,
        gif.canvasWidth,
        gif.canvasHeight,
        canvas,
        DecodedImage.fullPalette(gif.paletteRgb()),
        source);
  }

  private static DecodedImage fromColorModel(
      BufferedImage image, ImageFormat format, String source) {
    int w = image.getWidth();
    int h = image.getHeight();
    checkHoldable(w, h, 4, source);
    ColorModel cm = image.getColorModel();
    if (cm instanceof IndexColorModel icm) {
      int entries = Math.min(icm.getMapSize(), DecodedImage.PALETTE_ENTRIES);
      byte[] palette = new byte[3 * DecodedImage.PALETTE_ENTRIES];
      boolean bilevel = entries == 2;
      boolean ramp = true;
      for (int i = 0; i < entries; i++) {
        int r = icm.getRed(i);
        int g = icm.getGreen(i);
        int b = icm.getBlue(i);
        palette[3 * i] = (byte) r;
        palette[3 * i + 1] = (byte) g;
        palette[3 * i + 2] = (byte) b;
        int gray = bilevel ? 255 * i : i;
        ramp &= r == gray && g == gray && b == gray;
      }
      if (format == ImageFormat.BMP && ramp) {
        // BmpImagePlugin: a black-white or gray-ramp palette is dropped for mode 1 or L
        return DecodedImage.wrap(
            bilevel ? PixelMode.BILEVEL : PixelMode.L,
            w,
            h,
            components(image, 1, source),
            null,
            source);
      }
      return DecodedImage.wrap(PixelMode.P, w, h, indices(image), palette, source);
    }
    int colors = cm.getNumColorComponents();
    int space = cm.getColorSpace().getType();
    PixelMode mode;
    if (colors == 1 && space == ColorSpace.TYPE_GRAY) {
      mode = cm.hasAlpha() ? PixelMode.LA : PixelMode.L;
    } else if (colors == 3 && space == ColorSpace.TYPE_RGB) {
      mode = cm.hasAlpha() ? PixelMode.RGBA : PixelMode.RGB;
    } else {
      throw new InvalidImageException(
          source,
          "unsupported "
              + format
              + " color model ("
              + colors
              + " color components, "
              + colorSpaceName(space)
              + "); convert the image to RGB or grayscale");
    }
    return DecodedImage.wrap(mode, w, h, components(image, mode.bands(), source), null, source);
  }

  /** Past the pixel limit a caller may raise, Java arrays still end at 2^31 - 1 samples. */
  private static void checkHoldable(int width, int height, int bands, String source) {
    if ((long) width * height * bands > MAX_SAMPLES) {
      throw new InvalidImageException(
          source, width + "x" + height + " is too large to hold in memory as one image");
    }
  }

  private static void checkDecodedSize(BufferedImage image, int width, int height, String source) {
    if (image.getWidth() != width || image.getHeight() != height) {
      throw new InvalidImageException(
          source,
          "corrupt image: the header says "
              + width
              + "x"
              + height
              + " but "
              + image.getWidth()
              + "x"
              + image.getHeight()
              + " pixels were decoded");
    }
  }

  /** Raster band 0 as palette indices, whatever the bits per index. */
  private static byte[] indices(BufferedImage image) {
    int w = image.getWidth();
    int h = image.getHeight();
    Raster raster = image.getRaster();
    byte[] out = new byte[w * h];
    int[] row = new int[w];
    for (int y = 0; y < h; y++) {
      raster.getSamples(0, y, w, 1, 0, row);
      for (int x = 0; x < w; x++) {
        out[y * w + x] = (byte) row[x];
      }
    }
    return out;
  }

  /**
   * The first {@code bands} components of every pixel as 8-bit samples: colors then alpha, in the
   * color model's order (R, G, B, A or gray, alpha). Samples wider than 8 bits keep their high
   * bits; narrower ones are scaled by 255 / (2^bits - 1), as PIL unpacks them.
   */
  private static byte[] components(BufferedImage image, int bands, String source) {
    if (image.getColorModel().isAlphaPremultiplied()) {
      image.coerceData(false);
    }
    int w = image.getWidth();
    int h = image.getHeight();
    Raster raster = image.getRaster();
    ColorModel cm = image.getColorModel();
    byte[] out = new byte[w * h * bands];
    if (cm instanceof IndexColorModel icm) {
      // low-bit-depth gray PNGs arrive as a gray palette: look the levels up
      int[] row = new int[w];
      for (int y = 0; y < h; y++) {
        raster.getSamples(0, y, w, 1, 0, row);
        for (int x = 0; x < w; x++) {
          int p = (y * w + x) * bands;
          int rgb = icm.getRGB(row[x]);
          if (bands < 3) {
            out[p] = (byte) (rgb >> 16);
          } else {
            out[p] = (byte) (rgb >> 16);
            out[p + 1] = (byte) (rgb >> 8);
            out[p + 2] = (byte) rgb;
          }
          if (bands == 2 || bands == 4) {
            out[p + bands - 1] = (byte) (rgb >>> 24);
          }
        }
      }
      return out;
    }
    int transfer = raster.getTransferType();
    if (transfer != DataBuffer.TYPE_BYTE
        && transfer != DataBuffer.TYPE_USHORT
        && transfer != DataBuffer.TYPE_INT) {
      throw new InvalidImageException(
          source,
          "unsupported sample type (DataBuffer type "
              + transfer
              + "); only integer samples are read");
    }
    int rasterBands = raster.getNumBands();
    int[] sizes = raster.getSampleModel().getSampleSize();
    int[] row = new int[w * rasterBands];
    for (int y = 0; y < h; y++) {
      raster.getPixels(0, y, w, 1, row);
      for (int x = 0; x < w; x++) {
        for (int b = 0; b < bands; b++) {
          int v = row[x * rasterBands + b];
          int bits = sizes[b];
          if (bits > 8) {
            v >>>= bits - 8;
          } else if (bits < 8) {
            v = v * 255 / ((1 << bits) - 1);
          }
          out[(y * w + x) * bands + b] = (byte) v;
        }
      }
    }
    return out;
  }

  /** Checks the header's size first, then that the file holds every pixel row, as PIL does. */
  private static void checkBmpLayout(byte[] data, String source, long maxPixels) {
    long offset = le32(data, 10);
    long header = data.length >= 18 ? le32(data, 14) : 0;
    long width;
    long height;
    int bits;
    long compression;
    if (header == 12 && data.length >= 26) {
      width = le16(data, 18);
      height = le16(data, 20);
      bits = le16(data, 24);
      compression = 0;
    } else if (header >= 40 && data.length >= 34) {
      width = (int) le32(data, 18);
      height = Math.abs((long) (int) le32(data, 22));
      bits = le16(data, 28);
      compression = le32(data, 30);
    } else {
      throw new InvalidImageException(
          source, "truncated or corrupt BMP: unknown header of " + header + " bytes");
    }
    checkPixels(source, width, height, maxPixels);
    // uncompressed rows (BI_RGB, BI_BITFIELDS, BI_ALPHABITFIELDS) are padded to 4 bytes
    if ((compression == 0 || compression == 3 || compression == 6) && width > 0 && bits > 0) {
      long stride = (bits * width + 31) / 32 * 4;
      long needed = offset + stride * height;
      if (needed > data.length) {
        throw new InvalidImageException(
            source,
            "truncated BMP: the pixel rows need "
                + needed
                + " bytes but the file has "
                + data.length);
      }
    }
  }

  private static long le32(byte[] d, int p) {
    return (d[p] & 0xFFL)
        | (d[p + 1] & 0xFFL) << 8
        | (d[p + 2] & 0xFFL) << 16
        | (d[p + 3] & 0xFFL) << 24;
  }

  private static int le16(byte[] d, int p) {
    return (d[p] & 0xFF) | (d[p + 1] & 0xFF) << 8;
  }

  private static String colorSpaceName(int type) {
    return switch (type) {
      case ColorSpace.TYPE_CMYK -> "CMYK";
      case ColorSpace.TYPE_YCbCr -> "YCbCr";
      case ColorSpace.TYPE_GRAY -> "gray";
      case ColorSpace.TYPE_RGB -> "RGB";
      default -> "color space type " + type;
    };
  }
}
