package dev.cir.clip.io;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads and writes the <a href="https://github.com/huggingface/safetensors">safetensors</a> format:
 * an 8-byte little-endian header length, a JSON header naming each tensor's dtype, shape and byte
 * range, then the raw bytes. Large tensors are memory-mapped rather than copied.
 */
public final class SafeTensors {
  private static final long MAX_HEADER_BYTES = 100L << 20;
  private static final int MAP_THRESHOLD = 1 << 20;

  private SafeTensors() {}

  /**
   * Reads every tensor of {@code file}.
   *
   * @throws InvalidModelException naming the file when it is missing, truncated or malformed
   */
  public static StateDict read(Path file) {
    String source = StateDict.describe(file);
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size < 8) {
        throw new InvalidModelException(
            source + ": not a safetensors file (" + size + " bytes, too short for a header)");
      }
      ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      readFully(ch, lenBuf, 0);
      long headerLen = lenBuf.getLong(0);
      if (headerLen <= 1 || headerLen > MAX_HEADER_BYTES || 8 + headerLen > size) {
        throw new InvalidModelException(
            source + ": not a safetensors file (header length " + headerLen + ", file " + size + " bytes)");
      }
      ByteBuffer headerBuf = ByteBuffer.allocate((int) headerLen);
      readFully(ch, headerBuf, 8);
      JsonObject header;
      try {
        JsonElement parsed =
            JsonParser.parseString(new String(headerBuf.array(), StandardCharsets.UTF_8).trim());
        if (!parsed.isJsonObject()) {
          throw new InvalidModelException(source + ": safetensors header is not a JSON object");
        }
        header = parsed.getAsJsonObject();
      } catch (JsonParseException e) {
        throw new InvalidModelException(source + ": safetensors header is not valid JSON", e);
      }
      long dataStart = 8 + headerLen;
      long dataLen = size - dataStart;
      Map<String, Tensor> tensors = new LinkedHashMap<>();
      Map<String, String> metadata = new LinkedHashMap<>();
      for (Map.Entry<String, JsonElement> e : header.entrySet()) {
        String name = e.getKey();
        if (name.equals("__metadata__")) {
          if (e.getValue().isJsonObject()) {
            for (Map.Entry<String, JsonElement> m : e.getValue().getAsJsonObject().entrySet()) {
              metadata.put(m.getKey(), m.getValue().isJsonPrimitive() ? m.getValue().getAsString() : m.getValue().toString());
            }
          }
          continue;
        }
        tensors.put(name, readTensor(ch, source, name, e.getValue(), dataStart, dataLen));
      }
      return new StateDict(tensors, metadata, source);
    } catch (NoSuchFileException e) {
      throw new InvalidModelException(source + ": file not found", e);
    } catch (IOException e) {
      throw new InvalidModelException(source + ": cannot read: " + e.getMessage(), e);
    }
  }

  private static Tensor readTensor(
      FileChannel ch, String source, String name, JsonElement spec, long dataStart, long dataLen)
      throws IOException {
    try {
      JsonObject o = spec.getAsJsonObject();
      DType dtype = DType.parse(o.get("dtype").getAsString());
      JsonArray shapeJson = o.getAsJsonArray("shape");
      long[] shape = new long[shapeJson.size()];
      for (int i = 0; i < shape.length; i++) {
        shape[i] = shapeJson.get(i).getAsLong();
      }
      JsonArray offsets = o.getAsJsonArray("data_offsets");
      long begin = offsets.get(0).getAsLong();
      long end = offsets.get(1).getAsLong();
      if (begin < 0 || end < begin || end > dataLen) {
        throw new InvalidModelException(
            source
                + ": tensor '"
                + name
                + "' lies outside the file (bytes "
                + begin
                + ".."
                + end
                + " of "
                + dataLen
                + "); the file is truncated or corrupt");
      }
      long len = end - begin;
      long expected = Tensor.numel(shape) * dtype.bytes();
      if (len != expected) {
        throw new InvalidModelException(
            source + ": tensor '" + name + "' has " + len + " bytes but its shape needs " + expected);
      }
      ByteBuffer bytes;
      if (len >= MAP_THRESHOLD) {
        bytes = ch.map(FileChannel.MapMode.READ_ONLY, dataStart + begin, len);
      } else {
        bytes = ByteBuffer.allocate((int) len);
        readFully(ch, bytes, dataStart + begin);
        bytes.flip();
      }
      return new Tensor(dtype, shape, bytes);
    } catch (IllegalStateException | NullPointerException | IndexOutOfBoundsException | IllegalArgumentException e) {
      if (e instanceof InvalidModelException ime) {
        throw ime;
      }
      throw new InvalidModelException(
          source + ": malformed header entry for tensor '" + name + "': " + e.getMessage(), e);
    }
  }

  private static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
    long pos = position;
    while (buf.hasRemaining()) {
      int n = ch.read(buf, pos);
      if (n < 0) {
        throw new IOException("unexpected end of file at byte " + pos);
      }
      pos += n;
    }
  }

  /**
   * Writes {@code tensors} to {@code file} atomically: a temporary file beside it, then a rename, so
   * that a reader never sees half a file.
   */
  public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata)
      throws IOException {
    JsonObject header = new JsonObject();
    if (metadata != null && !metadata.isEmpty()) {
      JsonObject meta = new JsonObject();
      metadata.forEach(meta::addProperty);
      header.add("__metadata__", meta);
    }
    long offset = 0;
    for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
      Tensor t = e.getValue();
      JsonObject o = new JsonObject();
      o.addProperty("dtype", t.dtype().name());
      JsonArray shape = new JsonArray();
      for (long d : t.shape()) {
        shape.add(d);
      }
      o.add("shape", shape);
      JsonArray offsets = new JsonArray();
      long len = t.numel() * t.dtype().bytes();
      offsets.add(offset);
      offsets.add(offset + len);
      o.add("data_offsets", offsets);
      header.add(e.getKey(), o);
      offset += len;
    }
    byte[] json = new Gson().toJson(header).getBytes(StandardCharsets.UTF_8);
    int padded = (json.length + 7) / 8 * 8;
    byte[] headerBytes = new byte[padded];
    System.arraycopy(json, 0, headerBytes, 0, json.length);
    for (int i = json.length; i < padded; i++) {
      headerBytes[i] = ' ';
    }
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
          OutputStream out = Channels.newOutputStream(ch)) {
        ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, padded);
        out.write(len.array());
        out.write(headerBytes);
        for (Tensor t : tensors.values()) {
          ByteBuffer b = t.bytes();
          while (b.hasRemaining()) {
            ch.write(b);
          }
        }
        ch.force(true);
      }
      AtomicFiles.moveIntoPlace(tmp, file);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  public static void write(Path file, StateDict dict) throws IOException {
    write(file, dict.tensors(), dict.metadata());
  }
}
