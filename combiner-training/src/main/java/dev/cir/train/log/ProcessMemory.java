package dev.cir.train.log;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The resident memory of this process, native allocations included (what the OS counts). */
public final class ProcessMemory {
  private ProcessMemory() {}

  /** VmRSS from {@code /proc/self/status} in MiB, or NaN where there is no such file. */
  public static double residentMiB() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          String[] parts = line.trim().split("\\s+");
          return Long.parseLong(parts[1]) / 1024.0;
        }
      }
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
    return Double.NaN;
  }

  /**
   * The Java heap the JVM has committed, in MiB: resident memory minus this is what the engine and
   * the JVM's own structures hold, so its growth is native growth.
   */
  public static double heapCommittedMiB() {
    return Runtime.getRuntime().totalMemory() / (1024.0 * 1024.0);
  }
}
