package dev.cir.clip.io;

import java.util.Locale;

/** Element types of stored tensors, named as safetensors names them. */
public enum DType {
  F64(8),
  F32(4),
  F16(2),
  BF16(2),
  I64(8),
  I32(4),
  I16(2),
  I8(1),
  U8(1),
  BOOL(1);

  private final int bytes;

  DType(int bytes) {
    this.bytes = bytes;
  }

  /** Bytes per element. */
  public int bytes() {
    return bytes;
  }

  /** True for the floating-point types that convert to float32 for the model. */
  public boolean isFloating() {
    return this == F64 || this == F32 || this == F16 || this == BF16;
  }

  /** Parses a safetensors dtype name ("F32", "BF16", ...). */
  public static DType parse(String name) {
    try {
      return valueOf(name.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unsupported tensor dtype '" + name + "'", e);
    }
  }
}
