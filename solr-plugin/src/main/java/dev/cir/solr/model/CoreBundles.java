package dev.cir.solr.model;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One core's bundles: the names its configuration defines and the leases it holds on the shared
 * registry. The leases are taken when the core is created (the models load on first use, or at
 * start-up when asked) and released when the core closes, so a reload, which creates the new core
 * before it closes the old one, never loads a bundle twice.
 */
public final class CoreBundles implements AutoCloseable {
  private final Map<String, BundleDefinition> definitions;
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
    this.definitions = Collections.unmodifiableMap(byName);
    this.withoutPath = Set.copyOf(withoutPath);
    this.defaultName = defaultName;
    for (BundleDefinition d : definitions) {
      leases.put(d.name(), registry.reserve(d));
    }
  }

  public String defaultName() {
    return defaultName;
  }

  public Map<String, BundleDefinition> definitions() {
    return definitions;
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
