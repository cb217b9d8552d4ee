package dev.cir.clip.image;

import java.util.Arrays;

/**
 * The block structure of a GIF up to the end of its first frame, which is what PIL shows after
 * {@code Image.open}. ImageIO decodes the frame's pixels; this walk supplies what PIL does around
 * them (GifImagePlugin {@code _open}, {@code _seek(0)}, {@code load_prepare}): the canvas is the
 * logical screen, grown to hold the frame; it is filled with the frame's transparent index if it
 * has one, else 0; the frame is placed at its offset; and the mode is P, or L when the palette is
 * absent or is the identity gray ramp ({@code _is_palette_needed}). A frame whose data is cut short
 * is refused.
 */
final class GifFrame {
  final int canvasWidth;
  final int canvasHeight;
  final int left;
  final int top;
  final int width;
  final int height;

  /** The frame's palette as the file stores it (local, else global), or null when PIL drops it. */
  final byte[] palette;

  /** The transparent index of the frame, or -1. */
  final int transparency;

  private GifFrame(
      int canvasWidth,
      int canvasHeight,
      int left,
      int top,
      int width,
      int height,
      byte[] palette,
      int transparency) {
    this.canvasWidth = canvasWidth;
    this.canvasHeight = canvasHeight;
    this.left = left;
    this.top = top;
    this.width = width;
    this.height = height;
    this.palette = palette;
    this.transparency = transparency;
  }

  /**
   * Walks {@code data}, which starts with a GIF signature, to the end of the first frame.
   *
   * @throws InvalidImageException naming {@code source} when the canvas exceeds {@code maxPixels}
   *     pixels, the file is cut short, it holds no image, or more than {@code maxFrames} frames
   */
  static GifFrame read(byte[] data, String source, long maxPixels, int maxFrames) {
    Cursor in = new Cursor(data, source);
    in.skip(6);
    int screenWidth = in.u16();
    int screenHeight = in.u16();
    int flags = in.u8();
    in.skip(2);
    byte[] global =
        (flags & 0x80) != 0 ? in.bytes(3 << ((flags & 7) + 1), "global color table") : null;
    int transparency = -1;
    while (true) {
      int block = in.u8();
      if (block == 0x21) {
        int label = in.u8();
        int size = in.u8();
        byte[] first = in.bytes(size, "extension block");
        if (label == 0xF9 && size >= 4 && (first[0] & 1) != 0) {
          // graphic control extension with a transparent index, as GifImagePlugin reads it
          transparency = first[3] & 0xFF;
        }
        if (size > 0) {
          in.skipSubBlocks("extension");
        }
      } else if (block == 0x2C) {
        int left = in.u16();
        int top = in.u16();
        int width = in.u16();
        int height = in.u16();
        int frameFlags = in.u8();
        byte[] local =
            (frameFlags & 0x80) != 0
                ? in.bytes(3 << ((frameFlags & 7) + 1), "local color table")
                : null;
        in.u8(); // LZW minimum code size
        in.skipSubBlocks("image data");
        long canvasWidth = Math.max(screenWidth, (long) left + width);
        long canvasHeight = Math.max(screenHeight, (long) top + height);
        ImageDecoder.checkPixels(source, canvasWidth, canvasHeight, maxPixels);
        if (width == 0 || height == 0) {
          throw new InvalidImageException(
              source, "corrupt GIF: the first frame is " + width + "x" + height);
        }
        byte[] palette = local != null ? local : global;
        if (palette != null && !paletteNeeded(palette)) {
          palette = null;
        }
        int frames = 1 + in.countFramesAfter(maxFrames);
        if (frames > maxFrames) {
          throw new InvalidImageException(
              source,
              "animated GIF of more than "
                  + maxFrames
                  + " frames (only the first would be used); send a still image of it");
        }
        return new GifFrame(
            (int) canvasWidth, (int) canvasHeight, left, top, width, height, palette, transparency);
      } else if (block == 0x3B) {
        throw new InvalidImageException(source, "GIF holds no image");
      } else {
        throw new InvalidImageException(
            source,
            String.format("corrupt GIF: unexpected block 0x%02x at byte %d", block, in.pos - 1));
      }
    }
  }

  /** GifImagePlugin _is_palette_needed: false for the identity ramp (i, i, i). */
  private static boolean paletteNeeded(byte[] palette) {
    for (int i = 0; i < palette.length; i += 3) {
      int v = i / 3;
      if ((palette[i] & 0xFF) != v
          || (palette[i + 1] & 0xFF) != v
          || (palette[i + 2] & 0xFF) != v) {
        return true;
      }
    }
    return false;
  }

  /** A palette of at most 256 entries, for {@link DecodedImage}. */
  byte[] paletteRgb() {
    return Arrays.copyOf(palette, Math.min(palette.length, 3 * DecodedImage.PALETTE_ENTRIES));
  }

  private static final class Cursor {
    private final byte[] data;
    private final String source;
    private int pos;

    Cursor(byte[] data, String source) {
      this.data = data;
      this.source = source;
    }

    private void need(int n, String what) {
      if (data.length - pos < n) {
        throw new InvalidImageException(
            source, "truncated GIF: the data ends at byte " + data.length + " inside the " + what);
      }
    }

    int u8() {
      need(1, "block structure");
      return data[pos++] & 0xFF;
    }

    int u16() {
      need(2, "block structure");
      int v = (data[pos] & 0xFF) | (data[pos + 1] & 0xFF) << 8;
      pos += 2;
      return v;
    }

    void skip(int n) {
      need(n, "header");
      pos += n;
    }

    byte[] bytes(int n, String what) {
      need(n, what);
      byte[] b = Arrays.copyOfRange(data, pos, pos + n);
      pos += n;
      return b;
    }

    /**
     * Counts the frames that follow, up to {@code limit} + 1, skipping their data. Only the first
     * frame is decoded, so data cut short after it ends the count instead of failing, as PIL opens
     * such a file.
     */
    int countFramesAfter(int limit) {
      int frames = 0;
      try {
        while (frames < limit) {
          int block = u8();
          if (block == 0x21) {
            u8(); // label
            skipSubBlocks("extension");
          } else if (block == 0x2C) {
            skip(8);
            int flags = u8();
            if ((flags & 0x80) != 0) {
              skip(3 << ((flags & 7) + 1));
            }
            u8(); // LZW minimum code size
            skipSubBlocks("image data");
            frames++;
          } else {
            break; // the trailer, or bytes PIL would never read
          }
        }
      } catch (InvalidImageException cut) {
        // a later frame cut short does not affect the first
      }
      return frames;
    }

    void skipSubBlocks(String what) {
      while (true) {
        need(1, what);
        int size = data[pos++] & 0xFF;
        if (size == 0) {
          return;
        }
        need(size, what);
        pos += size;
      }
    }
  }
}
