package dev.cir.solr.model;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The loaded bundles of this JVM. A bundle (its directory and run options) loads once, whatever the
 * number of cores that name it and however often they reload; each user holds a {@link Lease}, and
 * the model is closed when the last lease is released, which at the latest is when the container
 * shuts down and its cores close.
 *
 * <p>The registry is a static of this class, so it is shared only by the cores that load the class
 * through one class loader: install the plugin in Solr's node-level lib, not a core's {@code lib}
 * (a native library can be loaded by one class loader per JVM in any case).
 */
public final class CirModelRegistry {
  private static final Logger log = LoggerFactory.getLogger(CirModelRegistry.class);
  private static final CirModelRegistry SHARED = new CirModelRegistry(CirModel::load);

  private final Function<BundleDefinition.LoadKey, CirModel> loader;
  private final Map<BundleDefinition.LoadKey, Entry> entries = new HashMap<>();
  private final AtomicLong loads = new AtomicLong();

  CirModelRegistry(Function<BundleDefinition.LoadKey, CirModel> loader) {
    this.loader = loader;
  }

  /** The registry of this JVM. */
  public static CirModelRegistry shared() {
    return SHARED;
  }

  /**
   * Holds the model of {@code definition} without loading it: it loads on the first {@link
   * Lease#model()} of any holder, and stays loaded while anyone holds it. A core reserves its
   * bundles when it is created, before a reload closes the core it replaces, so a reload never
   * loads a bundle again.
   */
  public Lease reserve(BundleDefinition definition) {
    BundleDefinition.LoadKey key = definition.loadKey();
    Entry e;
    synchronized (entries) {
      e = entries.computeIfAbsent(key, k -> new Entry());
      e.users++;
    }
    return new Lease(this, key, e, definition.name());
  }

  private CirModel load(BundleDefinition.LoadKey key, Entry e, String name) {
    // loading takes seconds: other bundles are not held up meanwhile, users of this one wait
    synchronized (e) {
      if (e.closed) {
        throw new IllegalStateException("the lease on " + key + " was released");
      }
      if (e.model == null) {
        long start = System.nanoTime();
        e.model = loader.apply(key);
        loads.incrementAndGet();
        log.info("loaded bundle '{}' from {} in {} ms", name, key, (System.nanoTime() - start) / 1_000_000);
      }
      return e.model;
    }
  }

  private void release(BundleDefinition.LoadKey key, Entry e) {
    boolean removed = false;
    synchronized (entries) {
      if (--e.users == 0) {
        entries.remove(key, e);
        removed = true;
      }
    }
    if (removed) {
      synchronized (e) {
        e.closed = true;
        if (e.model != null) {
          e.model.close();
          e.model = null;
          log.info("closed bundle {}: no core uses it any more", key);
        }
      }
    }
  }

  /** How many times a bundle was loaded since the JVM started: a reload must not add one. */
  public long loadCount() {
    return loads.get();
  }

  /** Bundles loaded now. */
  public int loadedCount() {
    return loadedModels().size();
  }

  /** Native memory the weights of every loaded bundle hold, each bundle once however many cores use it. */
  public long weightBytes() {
    long total = 0;
    for (CirModel m : loadedModels()) {
      total += m.weightBytes();
    }
    return total;
  }

  /** The models loaded now; never waits for a load in progress (a metrics read must not). */
  private List<CirModel> loadedModels() {
    List<CirModel> out = new ArrayList<>();
    synchronized (entries) {
      for (Entry e : entries.values()) {
        CirModel m = e.model;
        if (m != null) {
          out.add(m);
        }
      }
    }
    return out;
  }

  private static final class Entry {
    int users;
    /** Written under the entry's lock, read without it. */
    volatile CirModel model;
    boolean closed;
  }

  /** One user's hold on a loaded model; closing it releases the hold once. */
  public static final class Lease implements AutoCloseable {
    private final CirModelRegistry registry;
    private final BundleDefinition.LoadKey key;
    private final Entry entry;
    private final String name;
    private final AtomicBoolean released = new AtomicBoolean();

    private Lease(CirModelRegistry registry, BundleDefinition.LoadKey key, Entry entry, String name) {
      this.registry = registry;
      this.key = key;
      this.entry = Objects.requireNonNull(entry);
      this.name = name;
    }

    /**
     * The model, loaded on first use.
     *
     * @throws dev.cir.clip.io.InvalidModelException when the bundle is missing or corrupt
     */
    public CirModel model() {
      if (released.get()) {
        throw new IllegalStateException("the lease on " + key + " was released");
      }
      return registry.load(key, entry, name);
    }

    /** The model if it is loaded now, else null (nothing is loaded). */
    public CirModel loaded() {
      synchronized (entry) {
        return released.get() || entry.closed ? null : entry.model;
      }
    }

    @Override
    public void close() {
      if (released.compareAndSet(false, true)) {
        registry.release(key, entry);
      }
    }
  }
}
