package dev.cir.clip.image;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.DeflaterOutputStream;
import javax.imageio.ImageIO;

/** Image files built byte by byte, for the cases ImageIO's writers cannot produce. */
final class TestImages {
  private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

  private TestImages() {}

  /**
   * A PNG of the given IHDR color type and bit depth whose rows are {@code rows} (each row packed
   * as PNG stores it, without the filter byte), with optional PLTE and tRNS chunks.
   */
  static byte[] png(
      int width, int height, int bitDepth, int colorType, byte[][] rows, byte[] plte, byte[] trns) {
    ByteArrayOutputStream raw = new ByteArrayOutputStream();
    for (byte[] row : rows) {
      raw.write(0); // filter type None
      raw.writeBytes(row);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(SIGNATURE);
    out.writeBytes(chunk("IHDR", ihdr(width, height, bitDepth, colorType)));
    if (plte != null) {
      out.writeBytes(chunk("PLTE", plte));
    }
    if (trns != null) {
      out.writeBytes(chunk("tRNS", trns));
    }
    out.writeBytes(chunk("IDAT", deflate(raw.toByteArray())));
    out.writeBytes(chunk("IEND", new byte[0]));
    return out.toByteArray();
  }

  /** An 8-bit PNG whose every row holds the same pixel repeated. */
  static byte[] uniformPng(int width, int height, int colorType, int... pixel) {
    byte[][] rows = new byte[height][width * pixel.length];
    for (byte[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        row[i] = (byte) pixel[i % pixel.length];
      }
    }
    return png(width, height, 8, colorType, rows, null, null);
  }

  static byte[] ihdr(int width, int height, int bitDepth, int colorType) {
    return ByteBuffer.allocate(13)
        .putInt(width)
        .putInt(height)
        .put((byte) bitDepth)
        .put((byte) colorType)
        .put((byte) 0)
        .put((byte) 0)
        .put((byte) 0)
        .array();
  }

  /** Only the signature and an IHDR chunk, with a correct CRC. */
  static byte[] headerOnlyPng(int width, int height) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(SIGNATURE);
    out.writeBytes(chunk("IHDR", ihdr(width, height, 8, 2)));
    return out.toByteArray();
  }

  /** A chunk: big-endian length, type, data, CRC-32 of type and data. */
  static byte[] chunk(String type, byte[] data) {
    byte[] typeBytes = type.getBytes(StandardCharsets.US_ASCII);
    CRC32 crc = new CRC32();
    crc.update(typeBytes);
    crc.update(data);
    return ByteBuffer.allocate(12 + data.length)
        .putInt(data.length)
        .put(typeBytes)
        .put(data)
        .putInt((int) crc.getValue())
        .array();
  }

  /** Packs sub-byte samples most significant bits first, as PNG rows hold them. */
  static byte[] packBits(int bitDepth, int... values) {
    byte[] out = new byte[(values.length * bitDepth + 7) / 8];
    for (int i = 0; i < values.length; i++) {
      int bit = i * bitDepth;
      out[bit / 8] |= (byte) (values[i] << (8 - bitDepth - bit % 8));
    }
    return out;
  }

  /**
   * A GIF89a with one frame of {@code indices} at (left, top) on a screen of the given size. The
   * palettes are RGB triples of a power-of-two length (or null); {@code transparency} is the
   * frame's transparent index, or -1. The LZW stream uses literal codes only, with a clear code
   * before the table would grow, which every decoder reads.
   */
  static byte[] gif(
      int screenWidth,
      int screenHeight,
      byte[] globalPalette,
      int left,
      int top,
      int width,
      int height,
      byte[] localPalette,
      int transparency,
      byte[] indices) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes("GIF89a".getBytes(StandardCharsets.US_ASCII));
    writeLe16(out, screenWidth);
    writeLe16(out, screenHeight);
    out.write(globalPalette == null ? 0 : 0xF0 | tableBits(globalPalette));
    out.write(0); // background index
    out.write(0); // aspect ratio
    if (globalPalette != null) {
      out.writeBytes(globalPalette);
    }
    if (transparency >= 0) {
      out.writeBytes(new byte[] {0x21, (byte) 0xF9, 4, 1, 0, 0, (byte) transparency, 0});
    }
    out.write(0x2C);
    writeLe16(out, left);
    writeLe16(out, top);
    writeLe16(out, width);
    writeLe16(out, height);
    out.write(localPalette == null ? 0 : 0x80 | tableBits(localPalette));
    if (localPalette != null) {
      out.writeBytes(localPalette);
    }
    int minCodeSize = 8;
    out.write(minCodeSize);
    byte[] lzw = literalLzw(indices, minCodeSize);
    for (int pos = 0; pos < lzw.length; pos += 255) {
      int n = Math.min(255, lzw.length - pos);
      out.write(n);
      out.write(lzw, pos, n);
    }
    out.write(0);
    out.write(0x3B);
    return out.toByteArray();
  }

  /**
   * {@code still}, a GIF of one frame and no extensions as {@link #gif} writes it without
   * transparency, repeated to {@code frames} frames.
   */
  static byte[] animated(byte[] still, int paletteBytes, int frames) {
    int first = 13 + paletteBytes; // header, logical screen descriptor, global color table
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(still, 0, still.length - 1);
    for (int f = 1; f < frames; f++) {
      out.write(still, first, still.length - 1 - first);
    }
    out.write(0x3B);
    return out.toByteArray();
  }

  private static int tableBits(byte[] palette) {
    int entries = palette.length / 3;
    int bits = Integer.numberOfTrailingZeros(entries);
    if (entries != 1 << bits || bits < 1 || bits > 8) {
      throw new IllegalArgumentException("a GIF color table has 2 to 256 entries, a power of two");
    }
    return bits - 1;
  }

  private static byte[] literalLzw(byte[] indices, int minCodeSize) {
    int clear = 1 << minCodeSize;
    int codeSize = minCodeSize + 1;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    long bits = 0;
    int count = 0;
    int sinceClear = 0;
    int[] codes = new int[indices.length * 2 + 2];
    int n = 0;
    codes[n++] = clear;
    for (byte index : indices) {
      if (sinceClear == clear - 2) {
        codes[n++] = clear;
        sinceClear = 0;
      }
      codes[n++] = index & 0xFF;
      sinceClear++;
    }
    codes[n++] = clear + 1; // end of information
    for (int i = 0; i < n; i++) {
      bits |= (long) codes[i] << count;
      count += codeSize;
      while (count >= 8) {
        out.write((int) (bits & 0xFF));
        bits >>>= 8;
        count -= 8;
      }
    }
    if (count > 0) {
      out.write((int) (bits & 0xFF));
    }
    return out.toByteArray();
  }

  private static void writeLe16(ByteArrayOutputStream out, int v) {
    out.write(v & 0xFF);
    out.write((v >> 8) & 0xFF);
  }

  static byte[] write(BufferedImage image, String format) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      if (!ImageIO.write(image, format, out)) {
        throw new IllegalStateException("no ImageIO writer for " + format + " and " + image);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static byte[] deflate(byte[] data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (DeflaterOutputStream z = new DeflaterOutputStream(out)) {
      z.write(data);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
