package dev.cir.modelimport;

import dev.cir.clip.io.InvalidModelException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * The entries of a zip file, read from its central directory (APPNOTE.TXT, sections 4.3.12-4.3.16,
 * with the ZIP64 records of 4.3.14-4.3.15), so that stored entries can be memory-mapped in place:
 * {@link java.util.zip.ZipFile} does not tell where an entry's bytes start.
 *
 * <p>Every length read from the file is checked against the file's size before it is used, so a
 * corrupt or hostile archive fails with {@link InvalidModelException} rather than an allocation of
 * the size it claims.
 */
final class ZipArchive {
  private static final int EOCD_SIG = 0x06054b50;
  private static final int ZIP64_LOCATOR_SIG = 0x07064b50;
  private static final int ZIP64_EOCD_SIG = 0x06064b50;
  private static final int CENTRAL_SIG = 0x02014b50;
  private static final int LOCAL_SIG = 0x04034b50;
  private static final int EOCD_SIZE = 22;
  private static final int MAX_COMMENT = 0xffff;
  private static final int MAX_CENTRAL_DIRECTORY = 64 << 20;
  private static final int MAP_THRESHOLD = 1 << 20;
  // deflate cannot expand by more than about 1032:1 (zlib technical details)
  private static final long MAX_INFLATE_RATIO = 1032;

  /** One file in the archive. */
  record Entry(
      String name, int method, long compressedSize, long size, long crc, long headerOffset) {}

  private final FileChannel channel;
  private final long fileSize;
  private final String source;
  private final Map<String, Entry> entries;

  private ZipArchive(FileChannel channel, String source) throws IOException {
    this.channel = channel;
    this.fileSize = channel.size();
    this.source = source;
    this.entries = readCentralDirectory();
  }

  /**
   * Reads the entry list of the zip file open on {@code channel}; the channel stays owned by the
   * caller.
   */
  static ZipArchive open(FileChannel channel, String source) throws IOException {
    return new ZipArchive(channel, source);
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

  private long dataStart(Entry entry) throws IOException {
    if (entry.headerOffset() < 0 || entry.headerOffset() > fileSize - 30) {
      throw corrupt(entry, "has its header outside the file");
    }
    ByteBuffer h = ByteBuffer.allocate(30).order(ByteOrder.LITTLE_ENDIAN);
    readFully(h, entry.headerOffset());
    if (h.getInt(0) != LOCAL_SIG) {
      throw corrupt(entry, "has no local header where the directory says");
    }
    long start = entry.headerOffset() + 30 + (h.getShort(26) & 0xffff) + (h.getShort(28) & 0xffff);
    if (entry.compressedSize() < 0 || start + entry.compressedSize() > fileSize) {
      throw corrupt(entry, "extends past the end of the file; the file is truncated");
    }
    return start;
  }

  private Map<String, Entry> readCentralDirectory() throws IOException {
    if (fileSize < EOCD_SIZE) {
      throw notZip("too short for a zip archive");
    }
    int tailLen = (int) Math.min(fileSize, EOCD_SIZE + MAX_COMMENT);
    ByteBuffer tail = ByteBuffer.allocate(tailLen).order(ByteOrder.LITTLE_ENDIAN);
    long tailStart = fileSize - tailLen;
    readFully(tail, tailStart);
    int eocd = -1;
    for (int i = tailLen - EOCD_SIZE; i >= 0; i--) {
      if (tail.getInt(i) == EOCD_SIG
          && i + EOCD_SIZE + (tail.getShort(i + 20) & 0xffff) <= tailLen) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) {
      throw notZip(
          "no end-of-central-directory record; the file is truncated or not a zip archive");
    }
    long count = tail.getShort(eocd + 10) & 0xffff;
    long cdSize = tail.getInt(eocd + 12) & 0xffffffffL;
    long cdOffset = tail.getInt(eocd + 16) & 0xffffffffL;
    long eocdPos = tailStart + eocd;
    if (count == 0xffff || cdSize == 0xffffffffL || cdOffset == 0xffffffffL) {
      long[] z = readZip64End(eocdPos);
      count = z[0];
      cdSize = z[1];
      cdOffset = z[2];
    }
    if (cdOffset < 0
        || cdSize < 0
        || cdOffset + cdSize > eocdPos
        || cdSize > MAX_CENTRAL_DIRECTORY) {
      throw notZip("its central directory lies outside the file; the file is truncated or corrupt");
    }
    if (count > cdSize / 46) {
      throw notZip("its central directory claims " + count + " entries in " + cdSize + " bytes");
    }
    ByteBuffer cd = ByteBuffer.allocate((int) cdSize).order(ByteOrder.LITTLE_ENDIAN);
    readFully(cd, cdOffset);
    Map<String, Entry> out = new LinkedHashMap<>();
    int p = 0;
    for (long i = 0; i < count; i++) {
      if (p + 46 > cdSize || cd.getInt(p) != CENTRAL_SIG) {
        throw notZip("its central directory is damaged at entry " + i);
      }
      int flags = cd.getShort(p + 8) & 0xffff;
      int method = cd.getShort(p + 10) & 0xffff;
      long crc = cd.getInt(p + 16) & 0xffffffffL;
      long csize = cd.getInt(p + 20) & 0xffffffffL;
      long usize = cd.getInt(p + 24) & 0xffffffffL;
      int nameLen = cd.getShort(p + 28) & 0xffff;
      int extraLen = cd.getShort(p + 30) & 0xffff;
      int commentLen = cd.getShort(p + 32) & 0xffff;
      long offset = cd.getInt(p + 42) & 0xffffffffL;
      int next = p + 46 + nameLen + extraLen + commentLen;
      if (next > cdSize) {
        throw notZip("its central directory is damaged at entry " + i);
      }
      String name = utf8(cd, p + 46, nameLen);
      // ZIP64 extended information (APPNOTE 4.5.3): only the fields saturated above are present
      int x = p + 46 + nameLen;
      int xEnd = x + extraLen;
      while (x + 4 <= xEnd) {
        int id = cd.getShort(x) & 0xffff;
        int len = cd.getShort(x + 2) & 0xffff;
        int q = x + 4;
        if (q + len > xEnd) {
          break;
        }
        if (id == 0x0001) {
          if (usize == 0xffffffffL && q + 8 <= x + 4 + len) {
            usize = cd.getLong(q);
            q += 8;
          }
          if (csize == 0xffffffffL && q + 8 <= x + 4 + len) {
            csize = cd.getLong(q);
            q += 8;
          }
          if (offset == 0xffffffffL && q + 8 <= x + 4 + len) {
            offset = cd.getLong(q);
          }
        }
        x += 4 + len;
      }
      if ((flags & 1) != 0) {
        throw notZip("entry '" + name + "' is encrypted");
      }
      if (csize < 0 || usize < 0 || offset < 0 || csize > fileSize) {
        throw notZip("entry '" + name + "' has impossible sizes; the file is corrupt");
      }
      out.put(name, new Entry(name, method, csize, usize, crc, offset));
      p = next;
    }
    return out;
  }

  private long[] readZip64End(long eocdPos) throws IOException {
    if (eocdPos < 20) {
      throw notZip("its ZIP64 end record is missing");
    }
    ByteBuffer loc = ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN);
    readFully(loc, eocdPos - 20);
    if (loc.getInt(0) != ZIP64_LOCATOR_SIG) {
      throw notZip("its ZIP64 end record is missing");
    }
    long recPos = loc.getLong(8);
    if (recPos < 0 || recPos > eocdPos - 20 - 56) {
      throw notZip("its ZIP64 end record lies outside the file");
    }
    ByteBuffer rec = ByteBuffer.allocate(56).order(ByteOrder.LITTLE_ENDIAN);
    readFully(rec, recPos);
    if (rec.getInt(0) != ZIP64_EOCD_SIG) {
      throw notZip("its ZIP64 end record is damaged");
    }
    return new long[] {rec.getLong(32), rec.getLong(40), rec.getLong(48)};
  }

  private String utf8(ByteBuffer buf, int at, int len) {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .decode(buf.duplicate().position(at).limit(at + len))
          .toString();
    } catch (CharacterCodingException e) {
      throw notZip("an entry name is not valid UTF-8");
    }
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
