package dev.cir.clip.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The arithmetic of a bundle's forward passes. {@link #FLOAT32} is the reference's and exact;
 * {@link #BF16} runs every product with a weight matrix (linear layers, convolutions, the
 * projections) on bfloat16 operands, as PyTorch's CPU autocast does, while normalisation,
 * softmax, activations and the residual stream stay in float32.
 */
public enum Precision {
  FLOAT32("float32"),
  BF16("bf16");

  private final String label;

  Precision(String label) {
    this.label = label;
  }

  /** The name settings and flags use: {@code float32} or {@code bf16}. */
  public String label() {
    return label;
  }

  @Override
  public String toString() {
    return label;
  }

  /**
   * Reads a setting: {@code float32} (also {@code fp32}) or {@code bf16} (also {@code bfloat16});
   * null or blank is float32.
   */
  public static Precision parse(String s) {
    if (s == null || s.isBlank()) {
      return FLOAT32;
    }
    switch (s.trim().toLowerCase(Locale.ROOT)) {
      case "float32":
      case "fp32":
        return FLOAT32;
      case "bf16":
      case "bfloat16":
        return BF16;
      default:
        throw new IllegalArgumentException("unknown precision '" + s + "'; use float32 (exact, the default) or bf16");
    }
  }

  /**
   * Whether this machine's CPU multiplies bfloat16 natively (AVX512-BF16 or AMX-BF16, read from
   * /proc/cpuinfo). Without it PyTorch's bfloat16 kernels are generic code, far slower than
   * float32's, and bf16 runs emulated on the float32 kernels instead ({@link Bf16Kernels}).
   */
  public static boolean cpuHasNativeBf16() {
    return cpuFlagsHaveBf16(cpuFlags());
  }

  static boolean cpuFlagsHaveBf16(String flags) {
    for (String f : flags.split("\\s+")) {
      if (f.equals("avx512_bf16") || f.equals("amx_bf16")) {
        return true;
      }
    }
    return false;
  }

  /** The flags line of /proc/cpuinfo, or "" where there is none (not Linux). */
  static String cpuFlags() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("flags")) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux, or not readable: no flags known
    }
    return "";
  }
}
