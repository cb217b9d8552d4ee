package dev.cir.eval.validate;

import dev.cir.clip.io.DType;
import dev.cir.clip.io.InvalidModelException;
import dev.cir.clip.io.SafeTensors;
import dev.cir.clip.io.StateDict;
import dev.cir.clip.io.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Image features on disk, keyed by the model that computed them (bundle fingerprint and
 * preprocessing) and by the image's content (SHA-256 of the file), so a second evaluation of the
 * same gallery with the same bundle encodes nothing, and a changed image or bundle is never served
 * stale features.
 *
 * <p>One safetensors file per model key holds {@code features} [n, d] and {@code keys} [n, 32]
 * (the raw digests); it is rewritten atomically on {@link #flush()}. A damaged file is discarded
 * and recomputed, never trusted.
 */
public final class FeatureCache {
  private final Path file;
  private final String modelKey;
  private final Map<String, float[]> entries = new LinkedHashMap<>();
  private int dimension = -1;
  private boolean dirty;

  /**
   * @param dir the cache directory (created on the first flush)
   * @param modelKey identifies the bundle and preprocessing that computed the features
   */
  public FeatureCache(Path dir, String modelKey) {
    this.modelKey = modelKey;
    this.file = dir.resolve(hex(sha256(modelKey.getBytes(StandardCharsets.UTF_8))).substring(0, 24) + ".safetensors");
    load();
  }

  private void load() {
    if (!Files.isRegularFile(file)) {
      return;
    }
    try {
      StateDict sd = SafeTensors.read(file);
      if (!modelKey.equals(sd.metadata().get("model"))) {
        return;
      }
      Tensor features = sd.require("features");
      Tensor keys = sd.require("keys");
      int n = (int) features.dim(0);
      int d = (int) features.dim(1);
      float[] f = features.toFloatArray();
      ByteBuffer k = keys.bytes();
      for (int i = 0; i < n; i++) {
        byte[] digest = new byte[32];
        k.get(i * 32, digest);
        entries.put(hex(digest), java.util.Arrays.copyOfRange(f, i * d, (i + 1) * d));
      }
      dimension = d;
    } catch (InvalidModelException | IndexOutOfBoundsException e) {
      entries.clear(); // a damaged cache is recomputed
    }
  }

  public int size() {
    return entries.size();
  }

  public Path file() {
    return file;
  }

  /** Features of the image whose content has digest {@code key}, if cached. */
  public Optional<float[]> get(String key) {
    float[] v = entries.get(key);
    return v == null ? Optional.empty() : Optional.of(v.clone());
  }

  public void put(String key, float[] features) {
    if (dimension >= 0 && features.length != dimension) {
      throw new IllegalArgumentException("features of dimension " + features.length + " in a cache of " + dimension);
    }
    dimension = features.length;
    entries.put(key, features.clone());
    dirty = true;
  }

  /** Writes the cache if anything was added. */
  public void flush() throws IOException {
    if (!dirty) {
      return;
    }
    int n = entries.size();
    float[] flat = new float[n * dimension];
    ByteBuffer keys = ByteBuffer.allocate(n * 32);
    int i = 0;
    for (Map.Entry<String, float[]> e : entries.entrySet()) {
      System.arraycopy(e.getValue(), 0, flat, i * dimension, dimension);
      keys.put(HexFormat.of().parseHex(e.getKey()));
      i++;
    }
    keys.flip();
    Map<String, Tensor> t = new LinkedHashMap<>();
    t.put("features", Tensor.ofFloats(new long[] {n, dimension}, flat));
    t.put("keys", new Tensor(DType.U8, new long[] {n, 32}, keys));
    Files.createDirectories(file.getParent());
    SafeTensors.write(file, t, Map.of("model", modelKey, "format", "cir-feature-cache"));
    dirty = false;
  }

  /** SHA-256 of a file's bytes, in hex. */
  public static String contentKey(Path image) throws IOException {
    try (InputStream in = Files.newInputStream(image)) {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 16];
      for (int r; (r = in.read(buf)) > 0; ) {
        md.update(buf, 0, r);
      }
      return hex(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Content keys of many files. */
  public static List<String> contentKeys(List<Path> images) throws IOException {
    List<String> out = new ArrayList<>(images.size());
    for (Path p : images) {
      out.add(contentKey(p));
    }
    return out;
  }

  private static byte[] sha256(byte[] b) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(b);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String hex(byte[] b) {
    return HexFormat.of().formatHex(b);
  }

}
