package dev.cir.clip.io;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Named tensors in insertion order, as a PyTorch {@code state_dict} holds them, with the file they
 * came from so that every error can name it.
 */
public final class StateDict {
  private final Map<String, Tensor> tensors;
  private final Map<String, String> metadata;
  private final String source;

  public StateDict(Map<String, Tensor> tensors, Map<String, String> metadata, String source) {
    this.tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
    this.metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    this.source = Objects.requireNonNull(source, "source");
  }

  public StateDict(Map<String, Tensor> tensors, String source) {
    this(tensors, Map.of(), source);
  }

  /** Where the tensors were read from (a file path, or a description). */
  public String source() {
    return source;
  }

  public static String describe(Path file) {
    return file.toAbsolutePath().normalize().toString();
  }

  public Map<String, Tensor> tensors() {
    return tensors;
  }

  public Map<String, String> metadata() {
    return metadata;
  }

  public Set<String> keys() {
    return tensors.keySet();
  }

  public boolean contains(String key) {
    return tensors.containsKey(key);
  }

  public Tensor get(String key) {
    return tensors.get(key);
  }

  public int size() {
    return tensors.size();
  }

  /**
   * The tensor named {@code key}.
   *
   * @throws InvalidModelException naming the file and the tensor when it is absent
   */
  public Tensor require(String key) {
    Tensor t = tensors.get(key);
    if (t == null) {
      throw new InvalidModelException(source + ": missing tensor '" + key + "'");
    }
    return t;
  }

  /**
   * The tensor named {@code key}, checked against the expected shape.
   *
   * @throws InvalidModelException naming the file, the tensor and both shapes on mismatch
   */
  public Tensor require(String key, long... expectedShape) {
    Tensor t = require(key);
    if (!Arrays.equals(t.shape(), expectedShape)) {
      throw new InvalidModelException(
          source
              + ": tensor '"
              + key
              + "' has shape "
              + Arrays.toString(t.shape())
              + " but the model needs "
              + Arrays.toString(expectedShape));
    }
    return t;
  }

  /** The shape of {@code key}, or an error naming the file and the tensor. */
  public long[] shape(String key) {
    return require(key).shape();
  }
}
