package dev.cir.clip.image;

import static dev.cir.clip.image.PillowResamplerTest.bytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cir.clip.testing.Fixtures;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageDecoderTest {
  private final ImageDecoder decoder = new ImageDecoder();

  @TempDir Path tmp;

  // ---- bad input: every message starts with the file and says what is wrong

  @Test
  void missingFile() {
    Path file = tmp.resolve("nowhere.png");
    assertRefused(file, "file not found");
  }

  @Test
  void emptyFile() throws IOException {
    assertRefused(Files.write(tmp.resolve("empty.png"), new byte[0]), "empty file (0 bytes)");
  }

  @Test
  void textFile() throws IOException {
    Path file = Files.writeString(tmp.resolve("notes.jpg"), "hello, this is not an image\n");
    InvalidImageException e = assertRefused(file, "not a supported image");
    assertTrue(e.getMessage().contains("text \"hello, this is n"), e.getMessage());
  }

  @Test
  void directory() {
    assertRefused(tmp, "is a directory");
  }

  @Test
  void truncatedPng() throws IOException {
    byte[] whole = Files.readAllBytes(Fixtures.small("img_wide.png"));
    Path file = Files.write(tmp.resolve("half.png"), Arrays.copyOf(whole, whole.length / 2));
    assertRefused(file, "truncated PNG");
    // cut just before IEND: the image data is complete but the file is not
    Path noEnd = Files.write(tmp.resolve("no-end.png"), Arrays.copyOf(whole, whole.length - 12));
    assertRefused(noEnd, "truncated PNG");
  }

  @Test
  void pngWithABadHeaderChecksum() throws IOException {
    byte[] data = TestImages.uniformPng(2, 2, 2, 1, 2, 3);
    data[8 + 8 + 12] ^= 1; // a byte of IHDR's CRC
    assertRefused(Files.write(tmp.resolve("crc.png"), data), "bad CRC in the IHDR chunk");
  }

  @Test
  void pngWithCorruptImageData() throws IOException {
    byte[] garbage = new byte[40];
    new java.util.Random(5).nextBytes(garbage);
    java.io.ByteArrayOutputStream png = new java.io.ByteArrayOutputStream();
    png.writeBytes(Arrays.copyOf(TestImages.headerOnlyPng(4, 4), 33));
    png.writeBytes(TestImages.chunk("IDAT", garbage));
    png.writeBytes(TestImages.chunk("IEND", new byte[0]));
    assertRefused(Files.write(tmp.resolve("garbage.png"), png.toByteArray()), "cannot decode PNG");
  }

  @Test
  void hugeHeaderIsRefusedBeforeAnyPixelIsAllocated() throws IOException {
    byte[] complete = TestImages.png(40000, 40000, 8, 2, new byte[][] {new byte[3]}, null, null);
    byte[] headerOnly = TestImages.headerOnlyPng(40000, 40000);
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    for (byte[] data : new byte[][] {complete, headerOnly}) {
      Path file = Files.write(tmp.resolve("bomb.png"), data);
      long before = threads.getCurrentThreadAllocatedBytes();
      InvalidImageException e =
          assertTimeoutPreemptively(
              Duration.ofSeconds(2), () -> assertRefused(file, "40000x40000 = 1600000000 pixels"));
      long allocated = threads.getCurrentThreadAllocatedBytes() - before;
      assertTrue(e.getMessage().contains("limit of 89478485 pixels"), e.getMessage());
      // 40000 x 40000 x 3 would be 4.8 GB
      assertTrue(allocated < 4 << 20, "allocated " + allocated + " bytes");
    }
  }

  @Test
  void hugeJpegGifAndBmpHeadersAreRefused() {
    byte[] jpeg = TestImages.write(new BufferedImage(8, 8, BufferedImage.TYPE_3BYTE_BGR), "jpeg");
    int sof = indexOf(jpeg, (byte) 0xFF, (byte) 0xC0);
    ByteBuffer.wrap(jpeg).putShort(sof + 5, (short) 40000).putShort(sof + 7, (short) 40000);
    assertRefused(jpeg, "40000x40000");
    byte[] gif = TestImages.gif(40000, 40000, null, 0, 0, 1, 1, null, -1, new byte[1]);
    assertRefused(gif, "40000x40000");
    byte[] bmp = TestImages.write(new BufferedImage(8, 8, BufferedImage.TYPE_3BYTE_BGR), "bmp");
    ByteBuffer.wrap(bmp)
        .order(java.nio.ByteOrder.LITTLE_ENDIAN)
        .putInt(18, 40000)
        .putInt(22, 40000);
    assertRefused(bmp, "40000x40000");
  }

  @Test
  void aLongAnimationIsRefusedAndAShortOneShowsItsFirstFrame() {
    byte[] palette = gradientPalette(16);
    byte[] frame = new byte[24];
    for (int i = 0; i < frame.length; i++) {
      frame[i] = (byte) (i % 16);
    }
    byte[] still = TestImages.gif(6, 4, palette, 0, 0, 6, 4, null, -1, frame);
    DecodedImage first = decoder.decode(still, "still.gif");
    DecodedImage three = decoder.decode(TestImages.animated(still, palette.length, 3), "three.gif");
    assertArrayEquals(first.samplesView(), three.samplesView());
    byte[] atTheLimit = TestImages.animated(still, palette.length, ImageDecoder.DEFAULT_MAX_FRAMES);
    assertArrayEquals(first.samplesView(), decoder.decode(atTheLimit, "max.gif").samplesView());
    InvalidImageException e =
        assertRefused(TestImages.animated(still, palette.length, 1000), "animated GIF of more than 256 frames");
    assertTrue(e.getMessage().contains("send a still image"), e.getMessage());
    byte[] three3 = TestImages.animated(still, palette.length, 3);
    InvalidImageException limited =
        assertThrows(InvalidImageException.class, () -> decoder.withMaxFrames(2).decode(three3, "three.gif"));
    assertTrue(limited.getMessage().contains("animated GIF of more than 2 frames"), limited.getMessage());
    // a later frame cut short does not matter: only the first is decoded
    byte[] cut = TestImages.animated(still, palette.length, 3);
    assertArrayEquals(first.samplesView(), decoder.decode(Arrays.copyOf(cut, cut.length - 10), "cut.gif").samplesView());
    assertThrows(IllegalArgumentException.class, () -> decoder.withMaxFrames(0));
  }

  @Test
  void webpIsRecognizedAndRefusedWithAMessageWhereNoReaderIsInstalled() {
    byte[] webp = new byte[40];
    System.arraycopy("RIFF".getBytes(StandardCharsets.US_ASCII), 0, webp, 0, 4);
    System.arraycopy("WEBPVP8 ".getBytes(StandardCharsets.US_ASCII), 0, webp, 8, 8);
    assertEquals(ImageFormat.WEBP, ImageFormat.detect(webp));
    if (!ImageFormat.WEBP.readable()) {
      assertRefused(webp, "no ImageIO reader for WEBP on this JVM; send the image as JPEG or PNG");
    } else {
      assertRefused(webp, "WEBP");
    }
  }

  @Test
  void thePixelLimitIsConfigurable() {
    byte[] png = TestImages.uniformPng(10, 10, 0, 7);
    assertEquals(10, decoder.withMaxPixels(100).decode(png, "ok.png").width());
    InvalidImageException e =
        assertThrows(
            InvalidImageException.class, () -> decoder.withMaxPixels(99).decode(png, "big.png"));
    assertTrue(
        e.getMessage().startsWith("big.png: image of 10x10 = 100 pixels exceeds"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> decoder.withMaxPixels(0));
  }

  @Test
  void theFileSizeLimitIsConfigurable() throws IOException {
    Path file = Files.write(tmp.resolve("ten.png"), TestImages.uniformPng(10, 10, 0, 7));
    assertRefused(decoder.withMaxFileBytes(20), file, "larger than the limit of 20 bytes");
  }

  @Test
  void truncatedJpeg() {
    byte[] whole = TestImages.write(noise(64, 48), "jpeg");
    assertEquals(PixelMode.RGB, decoder.decode(whole, "whole.jpg").mode());
    assertRefused(Arrays.copyOf(whole, whole.length / 2), "truncated JPEG");
    assertRefused(Arrays.copyOf(whole, 100), "JPEG");
  }

  @Test
  void truncatedGif() {
    byte[] whole = TestImages.gif(6, 4, gradientPalette(16), 0, 0, 6, 4, null, -1, new byte[24]);
    assertEquals(PixelMode.P, decoder.decode(whole, "whole.gif").mode());
    assertRefused(Arrays.copyOf(whole, whole.length - 4), "truncated GIF");
  }

  @Test
  void truncatedBmp() {
    byte[] whole = TestImages.write(noise(30, 20), "bmp");
    assertEquals(PixelMode.RGB, decoder.decode(whole, "whole.bmp").mode());
    assertRefused(Arrays.copyOf(whole, whole.length / 2), "truncated BMP");
  }

  @Test
  void aSourceNameForBytes() {
    InvalidImageException e =
        assertThrows(
            InvalidImageException.class,
            () ->
                decoder.decode(
                    "GIF8".getBytes(StandardCharsets.US_ASCII), "upload from request 7"));
    assertEquals("upload from request 7", e.source());
    assertTrue(
        e.getMessage().startsWith("upload from request 7: not a supported image"), e.getMessage());
  }

  // ---- modes, as PIL opens each kind of file

  @Test
  void theReferencePngsAreRgb() {
    DecodedImage image = decoder.decode(Fixtures.small("img_wide.png"));
    assertEquals(PixelMode.RGB, image.mode());
    assertEquals(300, image.width());
    assertEquals(180, image.height());
    assertTrue(image.source().endsWith("img_wide.png"));
  }

  @Test
  void rgbaPng() {
    byte[][] rows = {bytes(1, 2, 3, 4, 5, 6, 7, 8), bytes(9, 10, 11, 12, 13, 14, 15, 16)};
    DecodedImage image = decoder.decode(TestImages.png(2, 2, 8, 6, rows, null, null), "rgba.png");
    assertEquals(PixelMode.RGBA, image.mode());
    assertArrayEquals(
        bytes(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16), image.samplesView());
    assertEquals(0x0D0E0F, image.rgb(1, 1));
  }

  @Test
  void grayAndGrayAlphaPngs() {
    DecodedImage gray =
        decoder.decode(
            TestImages.png(3, 1, 8, 0, new byte[][] {bytes(0, 128, 255)}, null, null), "l.png");
    assertEquals(PixelMode.L, gray.mode());
    assertArrayEquals(bytes(0, 128, 255), gray.samplesView());
    assertEquals(0x808080, gray.rgb(1, 0));
    DecodedImage la =
        decoder.decode(
            TestImages.png(2, 1, 8, 4, new byte[][] {bytes(10, 20, 30, 40)}, null, null), "la.png");
    assertEquals(PixelMode.LA, la.mode());
    assertArrayEquals(bytes(10, 20, 30, 40), la.samplesView());
  }

  @Test
  void lowBitDepthGrayIsScaledAndOneBitIsBilevel() {
    DecodedImage one =
        decoder.decode(
            TestImages.png(
                4, 1, 1, 0, new byte[][] {TestImages.packBits(1, 0, 1, 1, 0)}, null, null),
            "1.png");
    assertEquals(PixelMode.BILEVEL, one.mode());
    assertArrayEquals(bytes(0, 255, 255, 0), one.samplesView());
    DecodedImage two =
        decoder.decode(
            TestImages.png(
                4, 1, 2, 0, new byte[][] {TestImages.packBits(2, 0, 1, 2, 3)}, null, null),
            "2.png");
    assertEquals(PixelMode.L, two.mode());
    assertArrayEquals(bytes(0, 85, 170, 255), two.samplesView());
    DecodedImage four =
        decoder.decode(
            TestImages.png(3, 1, 4, 0, new byte[][] {TestImages.packBits(4, 0, 7, 15)}, null, null),
            "4.png");
    assertArrayEquals(bytes(0, 119, 255), four.samplesView());
  }

  @Test
  void sixteenBitSamplesKeepTheirHighByte() {
    DecodedImage rgb =
        decoder.decode(
            TestImages.png(
                1, 1, 16, 2, new byte[][] {bytes(0x12, 0x34, 0xAB, 0xCD, 0xFF, 0x01)}, null, null),
            "rgb16.png");
    assertEquals(PixelMode.RGB, rgb.mode());
    assertArrayEquals(bytes(0x12, 0xAB, 0xFF), rgb.samplesView());
    DecodedImage rgba =
        decoder.decode(
            TestImages.png(1, 1, 16, 6, new byte[][] {bytes(1, 2, 3, 4, 5, 6, 7, 8)}, null, null),
            "rgba16.png");
    assertEquals(PixelMode.RGBA, rgba.mode());
    assertArrayEquals(bytes(1, 3, 5, 7), rgba.samplesView());
    DecodedImage gray =
        decoder.decode(
            TestImages.png(2, 1, 16, 0, new byte[][] {bytes(0x80, 0xFF, 0x7F, 0x00)}, null, null),
            "l16.png");
    assertEquals(PixelMode.L, gray.mode());
    assertArrayEquals(bytes(0x80, 0x7F), gray.samplesView());
    DecodedImage la =
        decoder.decode(
            TestImages.png(1, 1, 16, 4, new byte[][] {bytes(0x40, 1, 0xC0, 2)}, null, null),
            "la16.png");
    assertEquals(PixelMode.LA, la.mode());
    assertArrayEquals(bytes(0x40, 0xC0), la.samplesView());
  }

  @Test
  void palettePngKeepsItsPaletteAndIndices() {
    byte[] plte = bytes(255, 0, 0, 0, 255, 0, 0, 0, 255);
    byte[][] rows = {bytes(0, 1), bytes(2, 5)};
    DecodedImage image =
        decoder.decode(TestImages.png(2, 2, 8, 3, rows, plte, bytes(0, 128)), "p.png");
    assertEquals(PixelMode.P, image.mode());
    assertArrayEquals(bytes(0, 1, 2, 5), image.samplesView());
    assertEquals(0xFF0000, image.rgb(0, 0));
    assertEquals(0x00FF00, image.rgb(1, 0));
    assertEquals(0x0000FF, image.rgb(0, 1));
    // past the end of PLTE Pillow's palette is black (Palette.c ImagingPaletteNew)
    assertEquals(0x000000, image.rgb(1, 1));
    DecodedImage packed =
        decoder.decode(
            TestImages.png(3, 1, 2, 3, new byte[][] {TestImages.packBits(2, 2, 0, 1)}, plte, null),
            "p2.png");
    assertArrayEquals(bytes(2, 0, 1), packed.samplesView());
    assertEquals(0x0000FF, packed.rgb(0, 0));
  }

  @Test
  void aTransparentColorKeyDoesNotAddAlpha() {
    byte[][] rows = {bytes(10, 20, 30, 40, 50, 60)};
    DecodedImage rgb =
        decoder.decode(
            TestImages.png(2, 1, 8, 2, rows, null, bytes(0, 10, 0, 20, 0, 30)), "trns.png");
    assertEquals(PixelMode.RGB, rgb.mode());
    assertArrayEquals(bytes(10, 20, 30, 40, 50, 60), rgb.samplesView());
    DecodedImage gray =
        decoder.decode(
            TestImages.png(2, 1, 8, 0, new byte[][] {bytes(7, 9)}, null, bytes(0, 7)),
            "trns-l.png");
    assertEquals(PixelMode.L, gray.mode());
    assertArrayEquals(bytes(7, 9), gray.samplesView());
  }

  @Test
  void aOneByOnePngIsValid() {
    DecodedImage image = decoder.decode(TestImages.uniformPng(1, 1, 2, 9, 8, 7), "dot.png");
    assertEquals(1, image.width());
    assertEquals(1, image.height());
    assertEquals(0x090807, image.rgb(0, 0));
  }

  @Test
  void jpegGrayAndColor() {
    BufferedImage gray = new BufferedImage(16, 16, BufferedImage.TYPE_BYTE_GRAY);
    for (int y = 0; y < 16; y++) {
      for (int x = 0; x < 16; x++) {
        gray.getRaster().setSample(x, y, 0, 100);
      }
    }
    DecodedImage l = decoder.decode(TestImages.write(gray, "jpeg"), "gray.jpg");
    assertEquals(PixelMode.L, l.mode());
    assertEquals(100, l.sample(5, 5, 0));
    BufferedImage color = new BufferedImage(16, 16, BufferedImage.TYPE_3BYTE_BGR);
    for (int y = 0; y < 16; y++) {
      for (int x = 0; x < 16; x++) {
        color.setRGB(x, y, 0x3366CC);
      }
    }
    DecodedImage rgb = decoder.decode(TestImages.write(color, "jpeg"), "color.jpg");
    assertEquals(PixelMode.RGB, rgb.mode());
    // lossy: within a few levels of the color
    assertTrue(Math.abs(rgb.sample(8, 8, 0) - 0x33) <= 3);
    assertTrue(Math.abs(rgb.sample(8, 8, 1) - 0x66) <= 3);
    assertTrue(Math.abs(rgb.sample(8, 8, 2) - 0xCC) <= 3);
  }

  @Test
  void gifFirstFrameOnItsLogicalScreen() {
    byte[] palette = gradientPalette(4);
    byte[] frame = bytes(1, 2, 3, 1, 2, 3);
    // a 3x2 frame at (2, 1) of a 4x3 screen grows the canvas to 5x3; the rest is index 0
    DecodedImage image =
        decoder.decode(TestImages.gif(4, 3, palette, 2, 1, 3, 2, null, -1, frame), "f.gif");
    assertEquals(PixelMode.P, image.mode());
    assertEquals(5, image.width());
    assertEquals(3, image.height());
    assertArrayEquals(bytes(0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 0, 0, 1, 2, 3), image.samplesView());
    assertEquals(0x405060, image.rgb(3, 1)); // entry 2
    // with a transparent index the canvas is filled with it (GifImagePlugin load_prepare)
    DecodedImage transparent =
        decoder.decode(TestImages.gif(4, 3, palette, 2, 1, 3, 2, null, 3, frame), "t.gif");
    assertEquals(3, transparent.sample(0, 0, 0));
    assertEquals(1, transparent.sample(2, 1, 0));
  }

  @Test
  void gifLocalPaletteWinsAndAGrayRampMeansModeL() {
    byte[] frame = bytes(0, 1, 2, 3);
    byte[] local = bytes(9, 9, 9, 8, 8, 8, 7, 7, 7, 6, 6, 6);
    DecodedImage image =
        decoder.decode(
            TestImages.gif(2, 2, gradientPalette(4), 0, 0, 2, 2, local, -1, frame), "l.gif");
    assertEquals(PixelMode.P, image.mode());
    assertEquals(0x070707, image.rgb(0, 1));
    byte[] ramp = bytes(0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3);
    DecodedImage gray =
        decoder.decode(TestImages.gif(2, 2, ramp, 0, 0, 2, 2, null, -1, frame), "g.gif");
    assertEquals(PixelMode.L, gray.mode());
    assertArrayEquals(frame, gray.samplesView());
  }

  @Test
  void bmpModes() {
    DecodedImage rgb = decoder.decode(TestImages.write(noise(5, 3), "bmp"), "rgb.bmp");
    assertEquals(PixelMode.RGB, rgb.mode());
    assertEquals(noise(5, 3).getRGB(4, 2) & 0xFFFFFF, rgb.rgb(4, 2));
    // 256 entries: the JDK's BMP writer mangles an 8-bit image with a 4-entry palette
    byte[] r = new byte[256];
    byte[] g = new byte[256];
    byte[] b = new byte[256];
    for (int i = 0; i < 4; i++) {
      r[i] = (byte) (10 + 10 * i);
      g[i] = (byte) (11 + 10 * i);
      b[i] = (byte) (12 + 10 * i);
    }
    BufferedImage indexed =
        new BufferedImage(
            4, 2, BufferedImage.TYPE_BYTE_INDEXED, new IndexColorModel(8, 256, r, g, b));
    indexed.getRaster().setSample(3, 1, 0, 2);
    DecodedImage p = decoder.decode(TestImages.write(indexed, "bmp"), "p.bmp");
    assertEquals(PixelMode.P, p.mode());
    assertEquals(2, p.sample(3, 1, 0));
    assertEquals(0x1E1F20, p.rgb(3, 1));
    BufferedImage binary = new BufferedImage(3, 1, BufferedImage.TYPE_BYTE_BINARY);
    binary.setRGB(1, 0, 0xFFFFFF);
    DecodedImage bits = decoder.decode(TestImages.write(binary, "bmp"), "1.bmp");
    assertEquals(PixelMode.BILEVEL, bits.mode());
    assertArrayEquals(bytes(0, 255, 0), bits.samplesView());
  }

  @Test
  void tiffRgbAndGray() {
    BufferedImage color = noise(7, 5);
    DecodedImage rgb = decoder.decode(TestImages.write(color, "tiff"), "rgb.tif");
    assertEquals(PixelMode.RGB, rgb.mode());
    assertEquals(color.getRGB(6, 4) & 0xFFFFFF, rgb.rgb(6, 4));
    BufferedImage gray = new BufferedImage(3, 2, BufferedImage.TYPE_BYTE_GRAY);
    gray.getRaster().setSample(2, 1, 0, 201);
    DecodedImage l = decoder.decode(TestImages.write(gray, "tiff"), "gray.tif");
    assertEquals(PixelMode.L, l.mode());
    assertEquals(201, l.sample(2, 1, 0));
    assertEquals(0, l.sample(0, 0, 0));
  }

  private InvalidImageException assertRefused(Path file, String problem) {
    return assertRefused(decoder, file, problem);
  }

  private static InvalidImageException assertRefused(
      ImageDecoder decoder, Path file, String problem) {
    String source = file.toAbsolutePath().normalize().toString();
    InvalidImageException e = assertThrows(InvalidImageException.class, () -> decoder.decode(file));
    assertEquals(source, e.source());
    assertTrue(e.getMessage().startsWith(source + ": "), e.getMessage());
    assertTrue(e.getMessage().contains(problem), e.getMessage());
    return e;
  }

  private InvalidImageException assertRefused(byte[] data, String problem) {
    InvalidImageException e =
        assertThrows(InvalidImageException.class, () -> decoder.decode(data, "upload.bin"));
    assertTrue(e.getMessage().startsWith("upload.bin: "), e.getMessage());
    assertTrue(e.getMessage().contains(problem), e.getMessage());
    return e;
  }

  private static BufferedImage noise(int w, int h) {
    BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
    java.util.Random random = new java.util.Random(w * 31L + h);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        image.setRGB(x, y, random.nextInt());
      }
    }
    return image;
  }

  /** Entry i is (32 i, 32 i + 16, 32 i + 32) mod 256. */
  private static byte[] gradientPalette(int entries) {
    byte[] p = new byte[3 * entries];
    for (int i = 0; i < entries; i++) {
      p[3 * i] = (byte) (32 * i);
      p[3 * i + 1] = (byte) (32 * i + 16);
      p[3 * i + 2] = (byte) (32 * i + 32);
    }
    return p;
  }

  private static int indexOf(byte[] data, byte a, byte b) {
    for (int i = 0; i + 1 < data.length; i++) {
      if (data[i] == a && data[i + 1] == b) {
        return i;
      }
    }
    throw new IllegalStateException("marker not found");
  }
}
