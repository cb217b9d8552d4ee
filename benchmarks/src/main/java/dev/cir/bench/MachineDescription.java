package dev.cir.bench;

import ai.djl.engine.Engine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** What a benchmark ran on: CPU model and the flags its kernels depend on, cores, memory, Java, engine and its threads. */
public final class MachineDescription {
  private MachineDescription() {}

  /**
   * The CPU flags that decide which kernels PyTorch and oneDNN run, in this order: vector width,
   * fused multiply-add, and the bfloat16 / int8 / matrix units.
   */
  static final List<String> KERNEL_FLAGS =
      List.of("avx2", "fma", "avx512f", "avx512bw", "avx512_vnni", "avx512_bf16", "avx_vnni", "amx_tile", "amx_bf16", "amx_int8");

  public static String describe() {
    String cpu = "unknown CPU";
    String flags = "";
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name") && cpu.equals("unknown CPU")) {
          cpu = line.substring(line.indexOf(':') + 1).trim();
        } else if (line.startsWith("flags") && flags.isEmpty()) {
          flags = kernelFlags(line.substring(line.indexOf(':') + 1));
        }
      }
    } catch (IOException | RuntimeException e) {
      cpu = System.getProperty("os.arch");
    }
    if (!flags.isEmpty()) {
      cpu += " (" + flags + ")";
    }
    long mem = Runtime.getRuntime().maxMemory() >> 20;
    Engine e = Engine.getEngine("PyTorch");
    return String.format(
        Locale.ROOT,
        "%s, %d cores; %s %s; Java %s (max heap %d MiB); DJL %s with PyTorch %s (%s)",
        cpu,
        Runtime.getRuntime().availableProcessors(),
        System.getProperty("os.name"),
        System.getProperty("os.version"),
        System.getProperty("java.version"),
        mem,
        Engine.getDjlVersion(),
        e.getVersion(),
        System.getProperty("ai.djl.pytorch.num_interop_threads") != null ? "custom threads" : "default threads");
  }

  /** Which of {@link #KERNEL_FLAGS} a cpuinfo flags line has, space-separated; "no AVX2" when none. */
  static String kernelFlags(String cpuinfoFlags) {
    Set<String> have = new HashSet<>(Arrays.asList(cpuinfoFlags.trim().split("\\s+")));
    List<String> out = new ArrayList<>();
    for (String f : KERNEL_FLAGS) {
      if (have.contains(f)) {
        out.add(f);
      }
    }
    return out.isEmpty() ? "no AVX2" : String.join(" ", out);
  }
}
