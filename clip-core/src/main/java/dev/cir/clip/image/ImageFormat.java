package dev.cir.clip.image;

import java.nio.charset.StandardCharsets;

/** The containers the decoder accepts, recognized by their leading bytes as PIL's plugins do. */
enum ImageFormat {
  PNG("png"),
  JPEG("jpeg"),
  GIF("gif"),
  BMP("bmp"),
  TIFF("tiff"),
  /** RIFF container with a WEBP form type; decoded only where an ImageIO reader for it is installed. */
  WEBP("webp");

  private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

  private final String readerName;

  ImageFormat(String readerName) {
    this.readerName = readerName;
  }

  /** The ImageIO format name whose reader decodes it. */
  String readerName() {
    return readerName;
  }

  /** Whether this JVM has an ImageIO reader for the format (the JDK has none for WebP). */
  boolean readable() {
    return javax.imageio.ImageIO.getImageReadersByFormatName(readerName).hasNext();
  }

  /** The format {@code data} starts like, or null. */
  static ImageFormat detect(byte[] data) {
    if (startsWith(data, PNG_SIGNATURE)) {
      return PNG;
    }
    if (startsWith(data, new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF})) {
      return JPEG;
    }
    if (startsWith(data, ascii("GIF87a")) || startsWith(data, ascii("GIF89a"))) {
      return GIF;
    }
    if (startsWith(data, ascii("BM")) && data.length >= 18) {
      return BMP;
    }
    if (startsWith(data, new byte[] {'I', 'I', 42, 0})
        || startsWith(data, new byte[] {'M', 'M', 0, 42})) {
      return TIFF;
    }
    if (startsWith(data, ascii("RIFF")) && data.length >= 12 && data[8] == 'W' && data[9] == 'E' && data[10] == 'B' && data[11] == 'P') {
      return WEBP;
    }
    return null;
  }

  /** A short, printable description of how {@code data} starts, for error messages. */
  static String describeStart(byte[] data) {
    int n = Math.min(data.length, 16);
    boolean text = true;
    for (int i = 0; i < n; i++) {
      int b = data[i] & 0xFF;
      if (b < 0x20 && b != '\n' && b != '\r' && b != '\t' || b >= 0x7F) {
        text = false;
        break;
      }
    }
    if (text) {
      String s =
          new String(data, 0, n, StandardCharsets.US_ASCII)
              .replace("\n", "\\n")
              .replace("\r", "\\r");
      return "text \"" + s + (data.length > n ? "...\"" : "\"");
    }
    StringBuilder hex = new StringBuilder("bytes");
    for (int i = 0; i < Math.min(n, 8); i++) {
      hex.append(String.format(" %02x", data[i] & 0xFF));
    }
    return hex.toString();
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private static boolean startsWith(byte[] data, byte[] prefix) {
    if (data.length < prefix.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (data[i] != prefix[i]) {
        return false;
      }
    }
    return true;
  }
}
