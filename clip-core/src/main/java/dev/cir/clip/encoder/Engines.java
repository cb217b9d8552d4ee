package dev.cir.clip.encoder;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import java.util.Locale;

/**
 * The one place that touches DJL's engine: offline mode, device selection, and PyTorch's
 * per-thread grad mode.
 */
public final class Engines {
  private Engines() {}

  /**
   * Puts DJL in offline mode unless the user chose otherwise: models and native libraries come
   * from local files only (the PyTorch library ships in the classpath jar; the tokenizer jar would
   * otherwise try to fetch a CUDA flavour when it sees a GPU).
   */
  public static void ensureOffline() {
    if (System.getProperty("ai.djl.offline") == null) {
      System.setProperty("ai.djl.offline", "true");
    }
  }

  /** The PyTorch engine, started offline. */
  public static Engine pytorch() {
    ensureOffline();
    return Engine.getEngine("PyTorch");
  }

  /**
   * Resolves a device name: {@code cpu}, {@code gpu} (the first GPU), {@code gpu:N}, or {@code
   * auto} (a GPU when DJL's CUDA native library and a driver are present, else the CPU).
   *
   * @throws IllegalArgumentException when a GPU is asked for and none is usable, saying why
   */
  public static Device device(String name) {
    String n = name == null ? "cpu" : name.trim().toLowerCase(Locale.ROOT);
    Engine engine = pytorch();
    int gpus = engine.getGpuCount();
    switch (n) {
      case "cpu":
        return Device.cpu();
      case "auto":
        return gpus > 0 ? Device.gpu() : Device.cpu();
      default:
        if (!n.equals("gpu") && !n.startsWith("gpu:") && !n.startsWith("cuda")) {
          throw new IllegalArgumentException("unknown device '" + name + "'; use cpu, gpu, gpu:N or auto");
        }
        int id = n.contains(":") ? Integer.parseInt(n.substring(n.indexOf(':') + 1)) : 0;
        if (id >= gpus) {
          throw new IllegalArgumentException(
              "device '" + name + "' is not available: DJL's PyTorch engine sees " + gpus + " GPU(s). A GPU needs the"
                  + " CUDA build of the native library (ai.djl.pytorch:pytorch-native-cu128 on the classpath, or"
                  + " PYTORCH_FLAVOR=cu128 with the library in ~/.djl.ai) and an NVIDIA driver; use --device cpu");
        }
        return Device.gpu(id);
    }
  }

  /**
   * Gives the calling thread {@code n} intra-op threads for its forward passes, leaving every
   * other thread as it was. PyTorch's {@code set_num_threads} sets the calling thread's OpenMP
   * team size, and also the default that threads take on their first parallel operation; the
   * default is put back from a short-lived thread of its own.
   */
  public static synchronized void intraOpThreadsOfThisThread(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("intra-op threads must be at least 1, got " + n);
    }
    pytorch();
    int before = JniUtils.getNumThreads(); // also fixes this thread's own setting from the default
    if (before == n) {
      return;
    }
    JniUtils.setNumThreads(n);
    Thread restore = new Thread(() -> JniUtils.setNumThreads(before), "cir-threads-default");
    restore.start();
    try {
      restore.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** PyTorch's intra-op threads of the calling thread. */
  public static int intraOpThreadsOfThisThread() {
    pytorch();
    return JniUtils.getNumThreads();
  }

  /**
   * Turns PyTorch's autograd off on the current thread until closed. Grad mode is per thread and
   * on by default on every thread but the one that started the engine; with it on, every
   * inference would record a graph.
   */
  public static AutoCloseable noGrad() {
    pytorch(); // the native library, loaded once
    boolean previous = JniUtils.isGradMode();
    if (previous) {
      JniUtils.setGradMode(false);
    }
    return () -> {
      if (previous) {
        JniUtils.setGradMode(true);
      }
    };
  }
}
