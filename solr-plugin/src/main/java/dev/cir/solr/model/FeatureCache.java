package dev.cir.solr.model;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Least-recently-used features of one bundle's tower, keyed by what was encoded: the text itself,
 * or an image's content digest. Queries repeat (a catalogue's facets, a demo's suggestions, a
 * shopper refining the same photo), and a tower costs tens of milliseconds per input on a CPU
 * while a lookup costs nothing. Two threads that miss on the same key at once both encode it; the
 * result is the same, so that is cheaper than making one wait.
 *
 * @param <K> the key: a text, or an image digest
 */
final class FeatureCache<K> {
  private final int capacity;
  private final Map<K, float[]> entries;
  private long hits;
  private long misses;

  FeatureCache(int capacity) {
    this.capacity = capacity;
    this.entries =
        new LinkedHashMap<>(16, 0.75f, true) {
          private static final long serialVersionUID = 1L;

          @Override
          protected boolean removeEldestEntry(Map.Entry<K, float[]> eldest) {
            return size() > FeatureCache.this.capacity;
          }
        };
  }

  /** The cached features of {@code key}, or {@code encode}'s, which are then cached. */
  Lookup get(K key, Function<K, float[]> encode) {
    if (capacity == 0) {
      return new Lookup(encode.apply(key), false);
    }
    synchronized (this) {
      float[] f = entries.get(key);
      if (f != null) {
        hits++;
        return new Lookup(f.clone(), true);
      }
      misses++;
    }
    float[] computed = encode.apply(key);
    synchronized (this) {
      entries.put(key, computed.clone());
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
