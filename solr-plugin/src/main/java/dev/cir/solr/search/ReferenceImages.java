package dev.cir.solr.search;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;
import org.apache.solr.common.SolrException;
import org.apache.solr.common.SolrException.ErrorCode;
import org.apache.solr.common.util.ContentStream;

/**
 * Reads the reference image a request carries: base64 text in the {@code refImage} parameter, or
 * a multipart file part named {@code refImage}. Only its size is checked here, before anything is
 * decoded or allocated at that size; the image decoder applies the indexing guards (format, pixel
 * limit, frames) when it is encoded.
 */
final class ReferenceImages {
  private ReferenceImages() {}

  /**
   * Decodes base64 text: the standard or the URL-safe alphabet, padding optional, line breaks
   * ignored, a {@code data:image/...;base64,} prefix (what a browser's {@code FileReader} gives)
   * dropped, and spaces read as the {@code +} that form decoding turned into them.
   *
   * @throws SolrException 400 saying what is wrong
   */
  static QueryReference.Image fromBase64(String text, long maxBytes) {
    // not strip(): a space at either end is a '+' that form decoding turned into one
    String t = text.isBlank() ? "" : text;
    if (t.regionMatches(true, 0, "data:", 0, 5)) {
      int comma = t.indexOf(',');
      if (comma < 0 || !t.substring(0, comma).toLowerCase(Locale.ROOT).endsWith(";base64")) {
        throw bad("refImage is a data: URL but not a base64 one; send data:image/...;base64,<data> or the base64 text alone");
      }
      t = t.substring(comma + 1);
    }
    if (t.isEmpty()) {
      throw bad("refImage is empty; send the image file's bytes base64-encoded, or as a file part named refImage");
    }
    // before any copy: 4 characters per 3 bytes, and room for line breaks (the exact check follows)
    long decodedBytes = (long) t.length() * 3 / 4;
    if (decodedBytes > maxBytes + maxBytes / 20 + 3) {
      throw tooLarge("about " + decodedBytes, maxBytes);
    }
    StringBuilder clean = new StringBuilder(t.length());
    boolean standard = false;
    boolean urlSafe = false;
    for (int i = 0; i < t.length(); i++) {
      char c = t.charAt(i);
      switch (c) {
        case '\r', '\n', '\t' -> {}
        case ' ', '+' -> {
          standard = true;
          clean.append('+');
        }
        case '/' -> {
          standard = true;
          clean.append(c);
        }
        case '-', '_' -> {
          urlSafe = true;
          clean.append(c);
        }
        default -> clean.append(c);
      }
    }
    if (standard && urlSafe) {
      throw bad("refImage mixes the standard base64 alphabet (+ /) with the URL-safe one (- _); encode it with one of them");
    }
    byte[] bytes;
    try {
      bytes = (urlSafe ? Base64.getUrlDecoder() : Base64.getDecoder()).decode(clean.toString());
    } catch (IllegalArgumentException e) {
      throw bad("refImage is not base64 (" + e.getMessage() + "); send the image file's bytes base64-encoded,"
          + " standard or URL-safe alphabet");
    }
    if (bytes.length == 0) {
      throw bad("refImage is empty; send the image file's bytes base64-encoded, or as a file part named refImage");
    }
    if (bytes.length > maxBytes) {
      throw tooLarge(Long.toString(bytes.length), maxBytes);
    }
    return new QueryReference.Image(bytes, digest(bytes), "refImage", text);
  }

  /**
   * Reads a multipart file part, at most {@code maxBytes} of it.
   *
   * @throws SolrException 400 when it is empty or larger
   */
  static QueryReference.Image fromPart(ContentStream part, long maxBytes) {
    String name = part.getSourceInfo() == null || part.getSourceInfo().isBlank() ? "" : " (" + part.getSourceInfo() + ")";
    String origin = "file part '" + part.getName() + "'" + name;
    Long size = part.getSize();
    if (size != null && size > maxBytes) {
      throw tooLarge(Long.toString(size), maxBytes);
    }
    byte[] bytes;
    try (InputStream in = part.getStream()) {
      bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
    } catch (IOException e) {
      throw new SolrException(ErrorCode.BAD_REQUEST, "cannot read the " + origin + ": " + e.getMessage(), e);
    }
    if (bytes.length > maxBytes) {
      throw tooLarge("more than " + maxBytes, maxBytes);
    }
    if (bytes.length == 0) {
      throw bad("the " + origin + " is empty; attach the image file (curl -F 'refImage=@photo.jpg')");
    }
    return new QueryReference.Image(bytes, digest(bytes), origin, null);
  }

  static String digest(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static SolrException tooLarge(String bytes, long maxBytes) {
    return bad("refImage is " + bytes + " bytes, more than maxImageBytes (" + maxBytes + "); send a smaller image"
        + " (the model sees it at a few hundred pixels: resizing it to 1024 pixels on its long side loses nothing)"
        + " or raise maxImageBytes");
  }

  private static SolrException bad(String message) {
    return new SolrException(ErrorCode.BAD_REQUEST, message);
  }
}
