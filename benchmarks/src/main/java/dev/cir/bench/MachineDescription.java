package dev.cir.bench;

import ai.djl.engine.Engine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** What a benchmark ran on: CPU model, cores, memory, Java, engine and its threads. */
public final class MachineDescription {
  private MachineDescription() {}

  public static String describe() {
    String cpu = "unknown CPU";
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          cpu = line.substring(line.indexOf(':') + 1).trim();
          break;
        }
      }
    } catch (IOException | RuntimeException e) {
      cpu = System.getProperty("os.arch");
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
}
