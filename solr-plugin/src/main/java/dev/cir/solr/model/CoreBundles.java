package dev.cir.solr.model;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One core's bundles: the names its configuration defines and the leases it holds on the shared
 * registry. The leases are taken when the core is created (the models load on first use, or at
 * start-up when asked) and released when the core closes, so a reload, which creates the new core
 * before it closes the old one, never loads a bundle twice.
 */
public final class CoreBundles implements AutoCloseable {
  /** solrconfig.xml's, then the bundle store's. */
  private final Map<String, BundleDefinition> definitions = new ConcurrentHashMap<>();
  private final Set<String> configured;
  private final Set<String> withoutPath;
  private final String defaultName;
  private final CirModelRegistry registry;
  private final Map<String, CirModelRegistry.Lease> leases = new ConcurrentHashMap<>();
  private volatile boolean closed;

  /**
   * @param definitions bundles by name
   * @param withoutPath names declared with an empty path (a property left unset): named in errors
   * @param defaultName the bundle a request that names none uses
   */
  public CoreBundles(
      CirModelRegistry registry, List<BundleDefinition> definitions, Set<String> withoutPath, String defaultName) {
    this.registry = registry;
    Map<String, BundleDefinition> byName = new LinkedHashMap<>();
    for (BundleDefinition d : definitions) {
      if (byName.put(d.name(), d) != null) {
        throw new IllegalArgumentException("bundle '" + d.name() + "' is defined twice");
      }
    }
    this.definitions.putAll(byName);
    this.configured = Set.copyOf(byName.keySet());
    this.withoutPath = Set.copyOf(withoutPath);
    this.defaultName = defaultName;
    for (BundleDefinition d : definitions) {
      leases.put(d.name(), registry.reserve(d));
    }
  }

  public String defaultName() {
    return defaultName;
  }

  /** Every bundle defined now, solrconfig.xml's and the store's, by name (a copy). */
  public Map<String, BundleDefinition> definitions() {
    return Collections.unmodifiableMap(new TreeMap<>(definitions));
  }

  private volatile java.util.function.BooleanSupplier refresher;

  /**
   * Asked, when a request names a bundle that is not defined, to read the store's definitions
   * again (true when it did): in SolrCloud another node may have added the bundle.
   */
  public void setRefresher(java.util.function.BooleanSupplier refresher) {
    this.refresher = refresher;
  }

  /** Whether {@code name} is defined in solrconfig.xml (the store can neither replace nor remove it). */
  public boolean configured(String name) {
    return configured.contains(name) || withoutPath.contains(name);
  }

  /**
   * Defines a bundle from the store: usable by the next query, without a reload; its model loads
   * on first use (or shares a loaded one with the same directory and settings).
   *
   * @throws IllegalArgumentException when the name is taken
   */
  public synchronized void add(BundleDefinition d) {
    if (closed) {
      throw new IllegalStateException("the core is closing");
    }
    if (configured(d.name()) || definitions.containsKey(d.name())) {
      throw new IllegalArgumentException(
          "bundle '" + d.name() + "' is already defined" + (configured(d.name()) ? " in solrconfig.xml" : "") + "; delete it first or use another name");
    }
    leases.put(d.name(), registry.reserve(d));
    definitions.put(d.name(), d);
  }

  /**
   * Removes a bundle of the store. Queries that hold its model finish with it; the model closes
   * when its last user (any core's) is done.
   *
   * @return whether it was defined
   * @throws IllegalArgumentException for a bundle of solrconfig.xml
   */
  public synchronized boolean remove(String name) {
    if (configured(name)) {
      throw new IllegalArgumentException("bundle '" + name + "' is defined in solrconfig.xml; remove it there and reload the core");
    }
    if (definitions.remove(name) == null) {
      return false;
    }
    release(name);
    return true;
  }

  /**
   * The model of bundle {@code name} ({@code null}: the default), held for one request: close the
   * use when the request is done.
   *
   * @throws UnknownBundleException when no bundle of that name is defined (or it was removed just now)
   */
  public CirModel.Use use(String name) {
    for (int attempt = 0; attempt < 2; attempt++) {
      CirModel m;
      try {
        m = model(name);
      } catch (IllegalStateException e) {
        if (closed) {
          throw e;
        }
        continue; // removed between the lookup and the load: look again
      }
      CirModel.Use u = m.use();
      if (u != null) {
        return u;
      }
    }
    String n = name == null || name.isBlank() ? defaultName : name;
    throw new UnknownBundleException("bundle '" + n + "' was removed; this core defines " + new TreeSet<>(definitions.keySet()));
  }

  /**
   * The model of the bundle {@code name} ({@code null}: the default), loaded on first use.
   *
   * @throws UnknownBundleException when no bundle of that name is defined
   * @throws dev.cir.clip.io.InvalidModelException when its files are missing or corrupt
   */
  public CirModel model(String name) {
    String n = name == null || name.isBlank() ? defaultName : name;
    BundleDefinition d = definitions.get(n);
    java.util.function.BooleanSupplier r = refresher;
    if (d == null && r != null && !withoutPath.contains(n) && r.getAsBoolean()) {
      d = definitions.get(n); // the store read its definitions again: another node may have added it
    }
    if (d == null) {
      if (withoutPath.contains(n)) {
        throw new UnknownBundleException(
            "bundle '" + n + "' is declared without a path: set its path in solrconfig.xml"
                + ("default".equals(n) ? " or start Solr with -Dcir.bundle.default=DIR" : ""));
      }
      Set<String> known = new TreeSet<>(definitions.keySet());
      throw new UnknownBundleException(
          "unknown bundle '" + n + "'; " + (known.isEmpty() ? "this core defines none (see the cir query parser's"
              + " 'bundles' in solrconfig.xml)" : "this core defines " + known));
    }
    CirModelRegistry.Lease lease = leases.get(n);
    if (closed || lease == null) {
      throw new IllegalStateException("the core is closing");
    }
    return lease.model();
  }

  /** The bundles of this core that are loaded now, by name (none is loaded by asking). */
  public Map<String, CirModel> loaded() {
    Map<String, CirModel> out = new LinkedHashMap<>();
    for (Map.Entry<String, CirModelRegistry.Lease> e : leases.entrySet()) {
      CirModel m = e.getValue().loaded();
      if (m != null) {
        out.put(e.getKey(), m);
      }
    }
    return out;
  }

  /** The directory of a defined bundle. */
  public Path dir(String name) {
    BundleDefinition d = definitions.get(name);
    return d == null ? null : d.dir();
  }

  private void release(String name) {
    CirModelRegistry.Lease l = leases.remove(name);
    if (l != null) {
      l.close();
    }
  }

  /** Releases every lease this core took. */
  @Override
  public void close() {
    closed = true;
    for (String n : new ArrayList<>(leases.keySet())) {
      release(n);
    }
  }
}
