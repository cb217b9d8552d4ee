package dev.cir.solr.testing;

import com.carrotsearch.randomizedtesting.ThreadFilter;

/**
 * Threads that DJL's native libraries start once per JVM and keep for its life (they are not
 * ours to stop): JNA's cleaner, and the threads PyTorch and the tokenizer library attach. The
 * encoder's own decode threads are not listed: closing the encoder must stop them.
 */
public final class DjlThreadsFilter implements ThreadFilter {
  @Override
  public boolean reject(Thread t) {
    String n = t.getName();
    return n.equals("JNA Cleaner")
        || n.startsWith("ai.djl")
        || n.startsWith("pytorch")
        || n.startsWith("Common-Cleaner")
        || (t.getThreadGroup() != null && "system".equals(t.getThreadGroup().getName()) && n.startsWith("Thread-"));
  }
}
