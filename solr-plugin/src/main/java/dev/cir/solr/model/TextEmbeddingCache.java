package dev.cir.solr.model;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Least-recently-used text features of one bundle. Queries repeat (a catalogue's facets, a
 * demo's suggestions), and the text tower costs tens of milliseconds per caption on a CPU while a
 * lookup costs nothing. Two threads that miss on the same text at once both encode it; the result
 * is the same, so that is cheaper than making one wait.
 */
final class TextEmbeddingCache {
  private final int capacity;
  private final Map<String, float[]> entries;
  private long hits;
  private long misses;

  TextEmbeddingCache(int capacity) {
    this.capacity = capacity;
    this.entries =
        new LinkedHashMap<>(16, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<String, float[]> eldest) {
            return size() > TextEmbeddingCache.this.capacity;
          }
        };
  }

  /** The cached features of {@code text}, or {@code encode}'s, which are then cached. */
  Lookup get(String text, Function<String, float[]> encode) {
    if (capacity == 0) {
      return new Lookup(encode.apply(text), false);
    }
    synchronized (this) {
      float[] f = entries.get(text);
      if (f != null) {
        hits++;
        return new Lookup(f.clone(), true);
      }
      misses++;
    }
    float[] computed = encode.apply(text);
    synchronized (this) {
      entries.put(text, computed.clone());
    }
    return new Lookup(computed, false);
  }

  synchronized int size() {
    return entries.size();
  }

  synchronized long hits() {
    return hits;
  }

  synchronized long misses() {
    return misses;
  }

  /** Features (a copy the caller owns) and whether they came from the cache. */
  record Lookup(float[] features, boolean cached) {}
}
