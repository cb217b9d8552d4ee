package dev.cir.clip.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * A stored tensor: dtype, shape and little-endian bytes in row-major order. Independent of any
 * engine, so bundles can be read, checked and written without loading native code.
 */
public final class Tensor {
  private final DType dtype;
  private final long[] shape;
  private final ByteBuffer data;

  /**
   * @param data little-endian row-major bytes; exactly {@code numel * dtype.bytes()} of them from
   *     its position to its limit
   * @throws IllegalArgumentException if the byte count disagrees with the shape
   */
  public Tensor(DType dtype, long[] shape, ByteBuffer data) {
    this.dtype = Objects.requireNonNull(dtype, "dtype");
    this.shape = shape.clone();
    for (long d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
      }
    }
    long expected = numel(shape) * dtype.bytes();
    this.data = data.slice().order(ByteOrder.LITTLE_ENDIAN);
    if (this.data.remaining() != expected) {
      throw new IllegalArgumentException(
          "tensor of shape "
              + Arrays.toString(shape)
              + " and dtype "
              + dtype
              + " needs "
              + expected
              + " bytes but has "
              + this.data.remaining());
    }
  }

  /** A float32 tensor holding a copy of {@code values}. */
  public static Tensor ofFloats(long[] shape, float[] values) {
    if (numel(shape) != values.length) {
      throw new IllegalArgumentException(
          "shape " + Arrays.toString(shape) + " does not hold " + values.length + " values");
    }
    ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(values);
    return new Tensor(DType.F32, shape, b);
  }

  /** An int64 tensor holding a copy of {@code values}. */
  public static Tensor ofLongs(long[] shape, long[] values) {
    if (numel(shape) != values.length) {
      throw new IllegalArgumentException(
          "shape " + Arrays.toString(shape) + " does not hold " + values.length + " values");
    }
    ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
    b.asLongBuffer().put(values);
    return new Tensor(DType.I64, shape, b);
  }

  public DType dtype() {
    return dtype;
  }

  public long[] shape() {
    return shape.clone();
  }

  public int rank() {
    return shape.length;
  }

  /** Size of dimension {@code i}; negative {@code i} counts from the end. */
  public long dim(int i) {
    return shape[i < 0 ? shape.length + i : i];
  }

  public long numel() {
    return numel(shape);
  }

  /** A read-only little-endian view of the raw bytes. */
  public ByteBuffer bytes() {
    return data.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
  }

  /** The values converted to float32 (F16, BF16, F64 and integer types convert; BOOL is 0/1). */
  public float[] toFloatArray() {
    long n = numel();
    if (n > Integer.MAX_VALUE - 8) {
      throw new IllegalStateException("tensor too large for one Java array: " + n + " elements");
    }
    float[] out = new float[(int) n];
    ByteBuffer b = bytes();
    switch (dtype) {
      case F32 -> b.asFloatBuffer().get(out);
      case F64 -> {
        for (int i = 0; i < out.length; i++) {
          out[i] = (float) b.getDouble(i * 8);
        }
      }
      case F16 -> {
        for (int i = 0; i < out.length; i++) {
          out[i] = halfToFloat(b.getShort(i * 2));
        }
      }
      case BF16 -> {
        for (int i = 0; i < out.length; i++) {
          out[i] = Float.intBitsToFloat((b.getShort(i * 2) & 0xffff) << 16);
        }
      }
      case I64 -> {
        for (int i = 0; i < out.length; i++) {
          out[i] = b.getLong(i * 8);
        }
      }
      case I32 -> {
        for (int i = 0; i < out.length; i++) {
          out[i] = b.getInt(i * 4);
        }
      }
      case I16 -> {
        for (int i = 0; i < out.length; i++) {
          out[i] = b.getShort(i * 2);
        }
      }
      case I8 -> {
        for (int i = 0; i < out.length; i++) {
          out[i] = b.get(i);
        }
      }
      case U8, BOOL -> {
        for (int i = 0; i < out.length; i++) {
          out[i] = b.get(i) & 0xff;
        }
      }
    }
    return out;
  }

  /** The values as int64; floating types are refused. */
  public long[] toLongArray() {
    if (dtype.isFloating()) {
      throw new IllegalStateException("tensor of dtype " + dtype + " is not integral");
    }
    long[] out = new long[Math.toIntExact(numel())];
    ByteBuffer b = bytes();
    for (int i = 0; i < out.length; i++) {
      out[i] =
          switch (dtype) {
            case I64 -> b.getLong(i * 8);
            case I32 -> b.getInt(i * 4);
            case I16 -> b.getShort(i * 2);
            case I8 -> b.get(i);
            default -> b.get(i) & 0xff;
          };
    }
    return out;
  }

  /** A float32 copy of this tensor (itself when already float32). */
  public Tensor toF32() {
    return dtype == DType.F32 ? this : ofFloats(shape, toFloatArray());
  }

  /** IEEE 754 binary16 to float32 (exact: every half is a float). */
  static float halfToFloat(short h) {
    int bits = h & 0xffff;
    int sign = (bits & 0x8000) << 16;
    int exp = (bits >>> 10) & 0x1f;
    int mant = bits & 0x3ff;
    if (exp == 0x1f) {
      return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
    }
    if (exp == 0) {
      float v = mant * 0x1p-24f;
      return sign == 0 ? v : -v;
    }
    return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
  }

  public static long numel(long[] shape) {
    long n = 1;
    for (long d : shape) {
      n = Math.multiplyExact(n, d);
    }
    return n;
  }

  @Override
  public String toString() {
    return dtype + Arrays.toString(shape);
  }
}
