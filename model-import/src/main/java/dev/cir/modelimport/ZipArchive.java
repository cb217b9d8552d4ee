package dev.cir.modelimport;

import dev.cir.clip.io.InvalidModelException;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipFile;

/**
 * The entries of a zip file, so that stored entries can be memory-mapped in place. Commons
 * Compress reads the central directory (ZIP64 included) and each entry's local header, which tells
 * where its bytes start ({@link ZipArchiveEntry#getDataOffset()}; {@link java.util.zip.ZipFile}
 * does not); this class reads the bytes themselves, within limits.
 *
 * <p>Every size is checked against the file's before it is used, so a corrupt or hostile archive
 * fails with {@link InvalidModelException} rather than an allocation of the size it claims.
 */
final class ZipArchive implements Closeable {
  private static final int MAP_THRESHOLD = 1 << 20;
  // deflate cannot expand by more than about 1032:1 (zlib technical details)
  private static final long MAX_INFLATE_RATIO = 1032;

  /** One file in the archive; {@code dataOffset} is where its (compressed) bytes start. */
  record Entry(String name, int method, long compressedSize, long size, long crc, long dataOffset) {}

  private final FileChannel channel;
  private final ZipFile zip;
  private final long fileSize;
  private final String source;
  private final Map<String, Entry> entries;

  private ZipArchive(FileChannel channel, String source) throws IOException {
    this.channel = channel;
    this.fileSize = channel.size();
    this.source = source;
    this.zip = openZip(channel);
    this.entries = entries(zip);
  }

  /**
   * Reads the entry list of the zip file open on {@code channel}. Closing the archive closes the
   * channel; buffers mapped from it stay valid.
   */
  static ZipArchive open(FileChannel channel, String source) throws IOException {
    return new ZipArchive(channel, source);
  }

  @Override
  public void close() throws IOException {
    zip.close();
  }

  Map<String, Entry> entries() {
    return entries;
  }

  long fileSize() {
    return fileSize;
  }

  /**
   * The bytes of {@code entry}: a read-only mapping of a large stored entry, otherwise a heap copy,
   * inflated when deflated. The CRC is checked on heap copies.
   *
   * @param maxSize refuse entries that claim to be larger than this
   */
  ByteBuffer read(Entry entry, long maxSize) throws IOException {
    if (entry.size() > maxSize) {
      throw corrupt(entry, "is " + entry.size() + " bytes, more than the " + maxSize + " allowed");
    }
    long dataStart = dataStart(entry);
    if (entry.method() == 0) {
      if (entry.compressedSize() != entry.size()) {
        throw corrupt(entry, "is stored but its sizes disagree");
      }
      if (entry.size() >= MAP_THRESHOLD) {
        return channel
            .map(FileChannel.MapMode.READ_ONLY, dataStart, entry.size())
            .order(ByteOrder.LITTLE_ENDIAN);
      }
      ByteBuffer buf = ByteBuffer.allocate((int) entry.size());
      readFully(buf, dataStart);
      checkCrc(entry, buf.array(), buf.capacity());
      return buf.flip().order(ByteOrder.LITTLE_ENDIAN);
    }
    if (entry.method() != 8) {
      throw corrupt(
          entry,
          "uses compression method "
              + entry.method()
              + "; only stored and deflated entries are read");
    }
    if (entry.size() > entry.compressedSize() * MAX_INFLATE_RATIO + 1024) {
      throw corrupt(
          entry,
          "claims " + entry.size() + " bytes from " + entry.compressedSize() + " compressed");
    }
    ByteBuffer in = ByteBuffer.allocate((int) entry.compressedSize());
    readFully(in, dataStart);
    byte[] out = new byte[(int) entry.size()];
    Inflater inflater = new Inflater(true);
    try {
      inflater.setInput(in.array());
      int n = 0;
      while (n < out.length) {
        int got = inflater.inflate(out, n, out.length - n);
        if (got == 0
            && (inflater.finished() || inflater.needsInput() || inflater.needsDictionary())) {
          break;
        }
        n += got;
      }
      if (n != out.length) {
        throw corrupt(
            entry, "inflates to " + n + " bytes, not the " + out.length + " its header claims");
      }
    } catch (DataFormatException e) {
      throw corrupt(entry, "is not valid deflate data: " + e.getMessage());
    } finally {
      inflater.end();
    }
    checkCrc(entry, out, out.length);
    return ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
  }

  private void checkCrc(Entry entry, byte[] bytes, int length) {
    CRC32 crc = new CRC32();
    crc.update(bytes, 0, length);
    if (crc.getValue() != entry.crc()) {
      throw corrupt(entry, "fails its CRC check; the file is damaged");
    }
  }

  private long dataStart(Entry entry) {
    long start = entry.dataOffset();
    if (start < 0 || entry.compressedSize() < 0 || start + entry.compressedSize() > fileSize) {
      throw corrupt(entry, "extends past the end of the file; the file is truncated");
    }
    return start;
  }

  private ZipFile openZip(FileChannel ch) throws IOException {
    try {
      return ZipFile.builder()
          .setSeekableByteChannel(ch)
          .setCharset(StandardCharsets.UTF_8)
          .setUseUnicodeExtraFields(false)
          .get();
    } catch (IOException | RuntimeException e) {
      // whatever a damaged directory makes the reader throw, the user is told the file is at fault
      throw notZip(e.getMessage() + "; the file is truncated or corrupt");
    }
  }

  private Map<String, Entry> entries(ZipFile zip) {
    Map<String, Entry> out = new LinkedHashMap<>();
    for (ZipArchiveEntry e : Collections.list(zip.getEntries())) {
      String name = e.getName();
      if (e.getGeneralPurposeBit().usesEncryption()) {
        throw notZip("entry '" + name + "' is encrypted");
      }
      long csize = e.getCompressedSize();
      long usize = e.getSize();
      if (csize < 0 || usize < 0 || csize > fileSize || e.getDataOffset() < 0) {
        throw notZip("entry '" + name + "' has impossible sizes; the file is corrupt");
      }
      if (out.put(name, new Entry(name, e.getMethod(), csize, usize, e.getCrc(), e.getDataOffset())) != null) {
        throw notZip("entry '" + name + "' appears twice");
      }
    }
    return out;
  }

  private void readFully(ByteBuffer buf, long position) throws IOException {
    long pos = position;
    while (buf.hasRemaining()) {
      int n = channel.read(buf, pos);
      if (n < 0) {
        throw new InvalidModelException(
            source + ": unexpected end of file at byte " + pos + "; the file is truncated");
      }
      pos += n;
    }
  }

  private InvalidModelException notZip(String why) {
    return new InvalidModelException(source + ": not a readable zip archive: " + why);
  }

  private InvalidModelException corrupt(Entry entry, String what) {
    return new InvalidModelException(source + ": entry '" + entry.name() + "' " + what);
  }
}
