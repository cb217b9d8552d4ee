package dev.cir.solr.model;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * Features of one bundle's tower, keyed by what was encoded: the text itself, or an image's
 * content digest. Queries repeat (a catalogue's facets, a demo's suggestions, a shopper refining the
 * same photo), and a tower costs tens of milliseconds per input on a CPU while a lookup costs
 * nothing. A Caffeine cache (the one Solr's own caches use) bounded by entry count: Caffeine keeps
 * the entries used most often and most recently (W-TinyLFU), and threads that miss on the same key
 * at once wait for one encoding instead of each running the tower.
 *
 * @param <K> the key: a text, or an image digest
 */
final class FeatureCache<K> {
  private final Cache<K, float[]> entries;

  /** {@code capacity} entries at most; 0 turns caching off. */
  FeatureCache(int capacity) {
    if (capacity < 0) {
      throw new IllegalArgumentException("cache size must be 0 or more, got " + capacity);
    }
    this.entries = Caffeine.newBuilder().maximumSize(capacity).recordStats().executor(Runnable::run).build();
  }

  /** The cached features of {@code key}, or {@code encode}'s, which are then cached. */
  Lookup get(K key, Function<K, float[]> encode) {
    AtomicBoolean computed = new AtomicBoolean();
    float[] f =
        entries.get(
            key,
            k -> {
              computed.set(true);
              return encode.apply(k).clone();
            });
    return new Lookup(f.clone(), !computed.get());
  }

  int size() {
    entries.cleanUp();
    return (int) entries.estimatedSize();
  }

  long hits() {
    return entries.stats().hitCount();
  }

  long misses() {
    return entries.stats().missCount();
  }

  /** Features (a copy the caller owns) and whether they came from the cache. */
  record Lookup(float[] features, boolean cached) {}
}
