package dev.cir.clip.testing;

import java.util.concurrent.Callable;

/** Runs code under a system property's value, restoring the property's earlier value (or absence) after. */
public final class SystemProperties {
  private SystemProperties() {}

  /**
   * Runs {@code run} with {@code key} set to {@code value} (cleared when null).
   *
   * @return what {@code run} returns
   */
  public static <T> T with(String key, String value, Callable<T> run) throws Exception {
    String before = System.getProperty(key);
    set(key, value);
    try {
      return run.call();
    } finally {
      set(key, before);
    }
  }

  private static void set(String key, String value) {
    if (value == null) {
      System.clearProperty(key);
    } else {
      System.setProperty(key, value);
    }
  }
}
