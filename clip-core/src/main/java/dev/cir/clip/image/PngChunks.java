package dev.cir.clip.image;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32;

/**
 * The chunk structure of a PNG file, walked before any pixel is decoded: the header (IHDR) is read
 * and its size checked against the pixel limit first, the palette (PLTE) kept as the file has it,
 * and the walk must reach IEND. ImageIO's PNG reader can return a partly decoded image from a cut
 * file without complaint; PIL refuses such a file, and so does this walk.
 */
final class PngChunks {
  private static final int SIGNATURE_BYTES = 8;

  final int width;
  final int height;
  final int bitDepth;
  final int colorType;

  /** PLTE as RGB triples, or null when the file has none. */
  final byte[] palette;

  private PngChunks(int width, int height, int bitDepth, int colorType, byte[] palette) {
    this.width = width;
    this.height = height;
    this.bitDepth = bitDepth;
    this.colorType = colorType;
    this.palette = palette;
  }

  /**
   * Walks the chunks of {@code data}, which starts with the PNG signature.
   *
   * @throws InvalidImageException naming {@code source} when the header is invalid, the image has
   *     more than {@code maxPixels} pixels, or the file is cut short
   */
  static PngChunks read(byte[] data, String source, long maxPixels) {
    int pos = SIGNATURE_BYTES;
    int width = 0;
    int height = 0;
    int bitDepth = 0;
    int colorType = -1;
    byte[] palette = null;
    boolean imageData = false;
    while (true) {
      if (data.length - pos < 8) {
        throw new InvalidImageException(
            source,
            "truncated PNG: the data ends at byte " + data.length + " before the IEND chunk");
      }
      long length = readUint32(data, pos);
      String type = new String(data, pos + 4, 4, StandardCharsets.ISO_8859_1);
      if (length > Integer.MAX_VALUE || data.length - pos - 12L < length) {
        throw new InvalidImageException(
            source,
            "truncated PNG: chunk "
                + type
                + " at byte "
                + pos
                + " declares "
                + length
                + " bytes of data but the file ends "
                + Math.max(0, data.length - pos - 8)
                + " bytes after its header");
      }
      int body = pos + 8;
      if (pos == SIGNATURE_BYTES && !type.equals("IHDR")) {
        throw new InvalidImageException(
            source, "corrupt PNG: the first chunk is " + type + ", not IHDR");
      }
      switch (type) {
        case "IHDR" -> {
          if (length != 13) {
            throw new InvalidImageException(
                source, "corrupt PNG: IHDR has " + length + " bytes, not 13");
          }
          checkCrc(data, pos, (int) length, source);
          long w = readUint32(data, body);
          long h = readUint32(data, body + 4);
          bitDepth = data[body + 8] & 0xFF;
          colorType = data[body + 9] & 0xFF;
          if (w == 0 || h == 0 || w > Integer.MAX_VALUE || h > Integer.MAX_VALUE) {
            throw new InvalidImageException(
                source, "corrupt PNG: IHDR gives the size " + w + "x" + h);
          }
          // refuse an oversized image before ImageIO allocates anything for it
          ImageDecoder.checkPixels(source, w, h, maxPixels);
          if (!validDepth(colorType, bitDepth)) {
            throw new InvalidImageException(
                source,
                "corrupt PNG: IHDR gives bit depth " + bitDepth + " for color type " + colorType);
          }
          width = (int) w;
          height = (int) h;
        }
        case "PLTE" -> {
          checkCrc(data, pos, (int) length, source);
          if (length % 3 != 0 || length > 3 * DecodedImage.PALETTE_ENTRIES) {
            throw new InvalidImageException(source, "corrupt PNG: PLTE has " + length + " bytes");
          }
          palette = Arrays.copyOfRange(data, body, body + (int) length);
        }
        case "IDAT" -> imageData = true;
        case "IEND" -> {
          if (!imageData) {
            throw new InvalidImageException(
                source, "corrupt PNG: no image data (IDAT) before IEND");
          }
          if (colorType == 3 && palette == null) {
            throw new InvalidImageException(source, "corrupt PNG: a palette image without PLTE");
          }
          return new PngChunks(width, height, bitDepth, colorType, palette);
        }
        default -> {
          // ancillary chunks do not change the pixels PIL returns
        }
      }
      pos = body + (int) length + 4;
    }
  }

  private static boolean validDepth(int colorType, int bitDepth) {
    return switch (colorType) {
      case 0 -> bitDepth == 1 || bitDepth == 2 || bitDepth == 4 || bitDepth == 8 || bitDepth == 16;
      case 3 -> bitDepth == 1 || bitDepth == 2 || bitDepth == 4 || bitDepth == 8;
      case 2, 4, 6 -> bitDepth == 8 || bitDepth == 16;
      default -> false;
    };
  }

  private static void checkCrc(byte[] data, int pos, int length, String source) {
    CRC32 crc = new CRC32();
    crc.update(data, pos + 4, 4 + length);
    long stored = readUint32(data, pos + 8 + length);
    if (crc.getValue() != stored) {
      String type = new String(data, pos + 4, 4, StandardCharsets.ISO_8859_1);
      throw new InvalidImageException(source, "corrupt PNG: bad CRC in the " + type + " chunk");
    }
  }

  private static long readUint32(byte[] data, int pos) {
    return ((data[pos] & 0xFFL) << 24)
        | ((data[pos + 1] & 0xFFL) << 16)
        | ((data[pos + 2] & 0xFFL) << 8)
        | (data[pos + 3] & 0xFFL);
  }
}
