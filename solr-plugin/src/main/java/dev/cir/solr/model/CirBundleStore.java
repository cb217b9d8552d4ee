package dev.cir.solr.model;

import dev.cir.clip.bundle.ModelBundle;
import dev.cir.clip.encoder.EncoderOptions;
import dev.cir.clip.io.InvalidModelException;
import dev.cir.clip.model.Precision;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.solr.common.SolrException;
import org.apache.solr.common.SolrException.ErrorCode;
import org.apache.solr.common.util.NamedList;
import org.apache.solr.core.SolrResourceLoader;
import org.apache.solr.rest.BaseSolrResource;
import org.apache.solr.rest.ManagedResource;
import org.apache.solr.rest.ManagedResourceObserver;
import org.apache.solr.rest.ManagedResourceStorage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bundle store: bundles defined over Solr's REST API, at {@code /schema/cir-bundle-store} of a
 * core or collection, the verbs and shape of Solr's {@code text-to-vector-model-store}:
 *
 * <pre>
 *   PUT    .../schema/cir-bundle-store   {"name": "fashion", "path": "/models/rn50x4-fiq", "precision": "bf16"}  (or a list)
 *   GET    .../schema/cir-bundle-store   → {"bundles": [...]}     (.../NAME → {"bundle": {...}})
 *   DELETE .../schema/cir-bundle-store/NAME
 * </pre>
 *
 * A bundle added is usable by the next query, without a reload; a bundle deleted stops being
 * offered at once, and its model closes when the queries holding it are done. Paths must lie under
 * the configured model directory ({@code modelDir} of the query parser, {@code cir.model.dir}) and
 * be bundles. Solr keeps the definitions in the core's configuration directory, or in ZooKeeper in
 * SolrCloud, where another replica's core reads them again when a query names a bundle it does
 * not know. Bundles of solrconfig.xml are listed too, and can be neither replaced nor deleted here.
 */
public final class CirBundleStore extends ManagedResource implements ManagedResource.ChildResourceSupport {
  private static final Logger log = LoggerFactory.getLogger(CirBundleStore.class);
  public static final String REST_END_POINT = "/schema/cir-bundle-store";
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");
  private static final Set<String> FIELDS =
      Set.of("name", "path", "device", "predictors", "maxBatch", "threads", "textCacheSize", "imageCacheSize", "precision", "passes");
  /** How often a core may read the stored definitions again for a name it does not know. */
  private static final long REFRESH_NANOS = 1_000_000_000L;

  /** The store's definitions, as stored (name → the JSON object). */
  private final Map<String, Map<String, Object>> stored = new LinkedHashMap<>();
  private CoreBundles bundles;
  private Path modelDir;
  private long lastRefresh = System.nanoTime();

  /** Registers the store's endpoint with the core's REST manager; {@code observer} is told when it exists. */
  public static void register(SolrResourceLoader loader, ManagedResourceObserver observer) {
    loader.getManagedResourceRegistry().registerManagedResource(REST_END_POINT, CirBundleStore.class, observer);
  }

  public CirBundleStore(String resourceId, SolrResourceLoader loader, ManagedResourceStorage.StorageIO storageIO) throws SolrException {
    super(resourceId, loader, storageIO);
  }

  @Override
  protected ManagedResourceStorage createStorage(ManagedResourceStorage.StorageIO storageIO, SolrResourceLoader loader) throws SolrException {
    return new ManagedResourceStorage.JsonStorage(storageIO, loader, -1);
  }

  /**
   * Serves the core's bundles: defines every stored bundle in {@code bundles} (a stored one that
   * is no longer valid, its directory gone, is logged and left out, not fatal to the core).
   *
   * @param modelDir the directory bundle paths must be under, or null when none is configured
   */
  public synchronized void attach(CoreBundles bundles, Path modelDir) {
    this.bundles = bundles;
    this.modelDir = modelDir;
    bundles.setRefresher(this::refresh);
    for (Map<String, Object> d : stored.values()) {
      try {
        bundles.add(definition(d));
      } catch (RuntimeException e) {
        log.warn("cir bundle store: bundle {} is not served: {}", d.get("name"), e.getMessage());
      }
    }
  }

  @Override
  protected synchronized void onManagedDataLoadedFromStorage(NamedList<?> initArgs, Object managedData) throws SolrException {
    Map<String, Map<String, Object>> now = new LinkedHashMap<>();
    if (managedData instanceof List<?> list) {
      for (Object o : list) {
        if (o instanceof Map<?, ?> m && m.get("name") instanceof String n) {
          now.put(n, copy(m));
        }
      }
    }
    if (bundles != null) {
      // a reload from storage (another node changed it): follow it
      for (String gone : new ArrayList<>(stored.keySet())) {
        if (!now.containsKey(gone)) {
          bundles.remove(gone);
        }
      }
      for (Map.Entry<String, Map<String, Object>> e : now.entrySet()) {
        if (!stored.containsKey(e.getKey())) {
          try {
            bundles.add(definition(e.getValue()));
          } catch (RuntimeException ex) {
            log.warn("cir bundle store: bundle {} is not served: {}", e.getKey(), ex.getMessage());
          }
        }
      }
    }
    stored.clear();
    stored.putAll(now);
  }

  /** Reads the stored definitions again, at most once a second: a query named a bundle this core does not know. */
  synchronized boolean refresh() {
    long t = System.nanoTime();
    if (t - lastRefresh < REFRESH_NANOS) {
      return false;
    }
    lastRefresh = t;
    try {
      reloadFromStorage();
      return true;
    } catch (RuntimeException e) {
      log.warn("cir bundle store: cannot read the stored bundles again: {}", e.getMessage());
      return false;
    }
  }

  @Override
  protected synchronized Object applyUpdatesToManagedData(Object updates) {
    if (updates == null) {
      return storedList();
    }
    List<?> items = updates instanceof List<?> l ? l : List.of(updates);
    if (items.isEmpty()) {
      throw bad("nothing to add: PUT a bundle {\"name\": ..., \"path\": ...} or a list of them");
    }
    requireAttached();
    // every definition checked before any is added: a list is added whole or not at all
    List<Map<String, Object>> checked = new ArrayList<>();
    Set<String> names = new LinkedHashSet<>();
    for (Object o : items) {
      if (!(o instanceof Map<?, ?> m)) {
        throw bad("a bundle definition is a JSON object {\"name\": ..., \"path\": ...}, got " + o);
      }
      Map<String, Object> d = copy(m);
      definition(d); // throws with the reason
      String name = (String) d.get("name");
      if (!names.add(name)) {
        throw bad("bundle '" + name + "' is given twice");
      }
      if (bundles.configured(name) || bundles.definitions().containsKey(name)) {
        throw bad(
            "bundle '" + name + "' is already defined" + (bundles.configured(name) ? " in solrconfig.xml" : " in the store")
                + "; DELETE " + REST_END_POINT + "/" + name + " first, or use another name");
      }
      checked.add(d);
    }
    for (Map<String, Object> d : checked) {
      try {
        bundles.add(definition(d));
      } catch (IllegalArgumentException e) {
        throw bad(e.getMessage());
      }
      stored.put((String) d.get("name"), d);
      log.info("cir bundle store: added bundle '{}' ({})", d.get("name"), d.get("path"));
    }
    return storedList();
  }

  @Override
  public synchronized void doDeleteChild(BaseSolrResource endpoint, String childId) {
    requireAttached();
    if (bundles.configured(childId)) {
      throw bad("bundle '" + childId + "' is defined in solrconfig.xml, not in the store; remove it there and reload the core");
    }
    if (!stored.containsKey(childId)) {
      throw new SolrException(ErrorCode.NOT_FOUND, "no bundle '" + childId + "' in the store; it holds " + stored.keySet());
    }
    bundles.remove(childId);
    stored.remove(childId);
    storeManagedData(storedList());
    log.info("cir bundle store: removed bundle '{}'", childId);
  }

  @Override
  public void doGet(BaseSolrResource endpoint, String childId) {
    if (childId != null) {
      endpoint.getSolrResponse().add("bundle", describe(childId).get(0));
    } else {
      endpoint.getSolrResponse().add("bundles", describe(null));
    }
  }

  /**
   * The bundles this core defines (solrconfig.xml's and the store's), or the one named {@code
   * childId} (a 404 when there is none), as {@code GET} lists them.
   */
  public synchronized List<Map<String, Object>> describe(String childId) {
    requireAttached();
    List<Map<String, Object>> all = new ArrayList<>();
    Map<String, CirModel> loaded = bundles.loaded();
    for (BundleDefinition d : bundles.definitions().values()) {
      if (childId != null && !childId.equals(d.name())) {
        continue;
      }
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", d.name());
      m.put("path", d.dir().toString());
      m.put("device", d.device());
      m.put("predictors", d.predictors());
      m.put("maxBatch", d.maxBatch());
      m.put("threads", d.threads());
      m.put("textCacheSize", d.textCacheSize());
      m.put("imageCacheSize", d.imageCacheSize());
      m.put("precision", d.precision().label());
      m.put("passes", d.passesLabel());
      m.put("source", bundles.configured(d.name()) ? "solrconfig" : "store");
      m.put("loaded", loaded.containsKey(d.name()));
      if (d.name().equals(bundles.defaultName())) {
        m.put("default", true);
      }
      all.add(m);
    }
    if (childId != null && all.isEmpty()) {
      throw new SolrException(ErrorCode.NOT_FOUND, "no bundle '" + childId + "'; this core defines " + bundles.definitions().keySet());
    }
    return all;
  }

  private List<Map<String, Object>> storedList() {
    return new ArrayList<>(stored.values());
  }

  private void requireAttached() {
    if (bundles == null) {
      throw new SolrException(ErrorCode.SERVICE_UNAVAILABLE, "the bundle store is not attached to a {!cir} query parser of this core");
    }
  }

  private static Map<String, Object> copy(Map<?, ?> m) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : m.entrySet()) {
      out.put(String.valueOf(e.getKey()), e.getValue());
    }
    return out;
  }

  /** The definition a JSON object gives, checked: a 400 saying what is wrong otherwise. */
  private BundleDefinition definition(Map<String, Object> d) {
    for (String k : d.keySet()) {
      if (!FIELDS.contains(k)) {
        throw bad("unknown field '" + k + "' in a bundle definition; it takes " + new java.util.TreeSet<>(FIELDS));
      }
    }
    if (!(d.get("name") instanceof String name) || !NAME.matcher(name).matches()) {
      throw bad("a bundle needs a \"name\" of 1-64 letters, digits, '_' or '-', got " + d.get("name"));
    }
    if (!(d.get("path") instanceof String path) || path.isBlank()) {
      throw bad("bundle '" + name + "' needs a \"path\": the bundle directory, under the model directory " + describeModelDir());
    }
    Path dir = allowed(name, path);
    try {
      ModelBundle.open(dir);
    } catch (InvalidModelException e) {
      throw bad("bundle '" + name + "': " + e.getMessage());
    }
    try {
      return new BundleDefinition(
          name, dir, string(d, "device", "cpu"), integer(d, name, "predictors", Runtime.getRuntime().availableProcessors()),
          integer(d, name, "maxBatch", EncoderOptions.DEFAULT_MAX_BATCH), integer(d, name, "threads", 0),
          integer(d, name, "textCacheSize", BundleDefinition.DEFAULT_TEXT_CACHE_SIZE),
          integer(d, name, "imageCacheSize", BundleDefinition.DEFAULT_IMAGE_CACHE_SIZE), Precision.parse(string(d, "precision", null)),
          BundleDefinition.fusedPasses(name, string(d, "passes", null)));
    } catch (IllegalArgumentException e) {
      throw bad(e.getMessage());
    }
  }

  private String describeModelDir() {
    return modelDir == null ? "(none is configured: start Solr with -Dcir.model.dir=DIR)" : modelDir.toString();
  }

  /** The path, if it is a directory under the model directory (symbolic links resolved). */
  private Path allowed(String name, String path) {
    if (modelDir == null) {
      throw bad(
          "bundle '" + name + "': no model directory is configured, so the store takes no paths; start Solr with"
              + " -Dcir.model.dir=DIR (cir solr --model-dir DIR) and put the bundles under it");
    }
    Path p;
    try {
      p = Path.of(path);
    } catch (InvalidPathException e) {
      throw bad("bundle '" + name + "': not a path: " + path);
    }
    if (!p.isAbsolute()) {
      p = modelDir.resolve(p);
    }
    Path real;
    Path root;
    try {
      root = modelDir.toRealPath();
      real = p.toRealPath();
    } catch (IOException e) {
      throw bad("bundle '" + name + "': " + p + " does not exist (paths are absolute, or relative to the model directory " + modelDir + ")");
    }
    if (!real.startsWith(root)) {
      throw bad("bundle '" + name + "': " + path + " is outside the model directory " + modelDir + "; bundles of the store must be under it");
    }
    if (!Files.isDirectory(real)) {
      throw bad("bundle '" + name + "': " + path + " is not a directory");
    }
    return real;
  }

  private static String string(Map<String, Object> d, String key, String dflt) {
    Object v = d.get(key);
    if (v == null) {
      return dflt;
    }
    if (!(v instanceof String s)) {
      throw bad("\"" + key + "\" must be a string, got " + v);
    }
    return s;
  }

  private static int integer(Map<String, Object> d, String name, String key, int dflt) {
    Object v = d.get(key);
    if (v == null) {
      return dflt;
    }
    if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) && Math.abs(n.doubleValue()) < Integer.MAX_VALUE) {
      return n.intValue();
    }
    throw bad("bundle '" + name + "': \"" + key + "\" must be a whole number, got " + v);
  }

  private static SolrException bad(String message) {
    return new SolrException(ErrorCode.BAD_REQUEST, message);
  }
}
