package dev.cir.eval.synth;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * A minimal PNG writer for 8-bit RGB images: signature, IHDR, one IDAT, IEND, with the "Sub" row
 * filter (flat backgrounds compress to almost nothing). ImageIO's writer costs most of the time of
 * drawing a small image and serializes threads on its registry; this one holds no shared state and
 * writes no metadata, so its bytes depend only on the pixels (and the JDK's zlib).
 */
final class PngEncoder {
  private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

  private PngEncoder() {}

  static byte[] encode(BufferedImage image) {
    int w = image.getWidth();
    int h = image.getHeight();
    int[] argb = image.getRGB(0, 0, w, h, null, 0, w);
    int stride = 1 + 3 * w;
    byte[] raw = new byte[h * stride];
    for (int y = 0; y < h; y++) {
      int row = y * stride;
      raw[row] = 1; // filter type Sub: each byte minus the same channel of the pixel to its left
      int prev = 0;
      for (int x = 0; x < w; x++) {
        int p = argb[y * w + x];
        int o = row + 1 + 3 * x;
        raw[o] = (byte) ((p >> 16) - (prev >> 16));
        raw[o + 1] = (byte) ((p >> 8) - (prev >> 8));
        raw[o + 2] = (byte) (p - prev);
        prev = p;
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
    out.writeBytes(SIGNATURE);
    byte[] ihdr = new byte[13];
    putInt(ihdr, 0, w);
    putInt(ihdr, 4, h);
    ihdr[8] = 8; // bit depth
    ihdr[9] = 2; // color type RGB; compression, filter method and interlace stay 0
    chunk(out, "IHDR", ihdr, ihdr.length);
    Deflater deflater = new Deflater(Deflater.BEST_SPEED);
    try {
      deflater.setInput(raw);
      deflater.finish();
      byte[] buf = new byte[raw.length + 64];
      int n = 0;
      while (!deflater.finished()) {
        if (n == buf.length) {
          buf = java.util.Arrays.copyOf(buf, buf.length * 2);
        }
        n += deflater.deflate(buf, n, buf.length - n);
      }
      chunk(out, "IDAT", buf, n);
    } finally {
      deflater.end();
    }
    chunk(out, "IEND", new byte[0], 0);
    return out.toByteArray();
  }

  private static void chunk(ByteArrayOutputStream out, String type, byte[] data, int length) {
    byte[] head = new byte[8];
    putInt(head, 0, length);
    byte[] t = type.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(t, 0, head, 4, 4);
    CRC32 crc = new CRC32();
    crc.update(t);
    crc.update(data, 0, length);
    out.writeBytes(head);
    out.write(data, 0, length);
    byte[] tail = new byte[4];
    putInt(tail, 0, (int) crc.getValue());
    out.writeBytes(tail);
  }

  private static void putInt(byte[] b, int at, int v) {
    b[at] = (byte) (v >>> 24);
    b[at + 1] = (byte) (v >>> 16);
    b[at + 2] = (byte) (v >>> 8);
    b[at + 3] = (byte) v;
  }
}
