package dev.cir.solr.search;

import dev.cir.clip.encoder.BatchStats;
import dev.cir.clip.encoder.EncoderOptions;
import dev.cir.clip.model.Precision;
import dev.cir.solr.model.CirModel;
import dev.cir.solr.model.BundleDefinition;
import dev.cir.solr.model.CirModelRegistry;
import dev.cir.solr.model.CoreBundles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.solr.common.SolrException;
import org.apache.solr.common.SolrException.ErrorCode;
import org.apache.solr.common.params.ModifiableSolrParams;
import org.apache.solr.common.params.SolrParams;
import org.apache.solr.common.util.NamedList;
import org.apache.lucene.util.ResourceLoader;
import org.apache.lucene.util.ResourceLoaderAware;
import org.apache.solr.core.SolrCore;
import org.apache.solr.core.SolrResourceLoader;
import org.apache.solr.rest.ManagedResource;
import org.apache.solr.rest.ManagedResourceObserver;
import dev.cir.solr.model.CirBundleStore;
import org.apache.solr.metrics.MetricsMap;
import org.apache.solr.metrics.SolrMetricsContext;
import org.apache.solr.request.SolrQueryRequest;
import org.apache.solr.search.QParser;
import org.apache.solr.search.QParserPlugin;
import org.apache.solr.search.QueryParsing;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers {@code {!cir}} and owns the core's bundle definitions.
 *
 * <pre>{@code
 * <queryParser name="cir" class="dev.cir.solr.search.CirQParserPlugin">
 *   <str name="defaultField">clip_vector</str>
 *   <int name="maxTopK">1000</int>
 *   <int name="defaultTopK">100</int>             <!-- the beam when a query gives no topK -->
 *   <long name="maxImageBytes">10485760</long>    <!-- the largest refImage a query may send -->
 *   <str name="defaultBundle">default</str>
 *   <lst name="bundles">
 *     <lst name="default">
 *       <str name="path">${cir.bundle.default:}</str>   <!-- an empty path: declared, not usable -->
 *       <str name="device">cpu</str>
 *       <int name="predictors">2</int>          <!-- forward passes at once, of any tower -->
 *       <int name="maxBatch">16</int>           <!-- rows a pass takes from concurrent queries -->
 *       <str name="precision">float32</str>     <!-- or bf16: products with weights in bfloat16 -->
 *       <str name="passes">fused</str>          <!-- or ops: no prepacked copies, slower small passes -->
 *       <int name="threads">0</int>             <!-- intra-op threads a pass; 0: cores / predictors -->
 *       <int name="textCacheSize">1024</int>
 *       <int name="imageCacheSize">256</int>      <!-- refImage features, by content digest -->
 *     </lst>
 *   </lst>
 *   <str name="modelDir">/models</str>            <!-- bundles of the REST store must be under it -->
 * </queryParser>
 * }</pre>
 *
 * The search component and the update processor find the bundles through this plugin, by its
 * registered name. Models live in the JVM-wide {@link CirModelRegistry}; this plugin only holds
 * leases, released when the core closes. It makes one {@link QueryEncoder} over them, which every
 * {@code {!cir}} of the core uses.
 */
public class CirQParserPlugin extends QParserPlugin implements ResourceLoaderAware, ManagedResourceObserver {
  private static final Logger log = LoggerFactory.getLogger(CirQParserPlugin.class);
  public static final String NAME = "cir";
  public static final int DEFAULT_MAX_TOP_K = 1000;

  /** Request context key: the parser the search component made for the request's {@code q}. */
  static final String PARSER_KEY = CirQParserPlugin.class.getName() + ".parser";

  private CoreBundles bundles;
  private QueryEncoder encoder;
  private SolrMetricsContext metrics;
  private final CirQueryMetrics queryMetrics = new CirQueryMetrics();
  private CirQuerySpec.Defaults defaults;
  private boolean loadOnStartup;
  /** The directory the bundle store's paths must be under; null: the store takes none. */
  private Path modelDir;
  private volatile boolean warmed;

  @Override
  public void init(NamedList<?> args) {
    SolrParams p = args.toSolrParams();
    defaults =
        new CirQuerySpec.Defaults(
            p.get("defaultField", "clip_vector"), positive(p, "defaultTopK", CirQuerySpec.DEFAULT_TOP_K),
            positive(p, "maxTopK", DEFAULT_MAX_TOP_K), positiveLong(p, "maxImageBytes", CirQuerySpec.DEFAULT_MAX_IMAGE_BYTES));
    loadOnStartup = p.getBool("loadOnStartup", false);
    String dir = p.get("modelDir", "").trim();
    modelDir = dir.isEmpty() ? null : Path.of(dir).toAbsolutePath().normalize();
    String defaultBundle = p.get("defaultBundle", "default");
    List<BundleDefinition> defs = new ArrayList<>();
    Set<String> withoutPath = new HashSet<>();
    Object bundleArgs = args.get("bundles");
    if (bundleArgs instanceof NamedList<?> nl) {
      for (Map.Entry<String, ?> e : nl) {
        if (!(e.getValue() instanceof NamedList<?> b)) {
          throw new SolrException(ErrorCode.SERVER_ERROR, "cir query parser: bundles/" + e.getKey() + " must be a <lst>");
        }
        SolrParams bp = b.toSolrParams();
        String path = bp.get("path", "").trim();
        if (path.isEmpty()) {
          withoutPath.add(e.getKey());
          continue;
        }
        try {
          defs.add(
              new BundleDefinition(
                  e.getKey(), Path.of(path), bp.get("device", "cpu"),
                  positive(bp, "predictors", Runtime.getRuntime().availableProcessors()),
                  positive(bp, "maxBatch", EncoderOptions.DEFAULT_MAX_BATCH),
                  nonNegative(bp, "threads", 0),
                  nonNegative(bp, "textCacheSize", BundleDefinition.DEFAULT_TEXT_CACHE_SIZE),
                  nonNegative(bp, "imageCacheSize", BundleDefinition.DEFAULT_IMAGE_CACHE_SIZE),
                  Precision.parse(bp.get("precision")), BundleDefinition.fusedPasses(e.getKey(), bp.get("passes"))));
        } catch (IllegalArgumentException ex) {
          throw new SolrException(ErrorCode.SERVER_ERROR, "cir query parser: " + ex.getMessage(), ex);
        }
      }
    }
    bundles = new CoreBundles(CirModelRegistry.shared(), defs, withoutPath, defaultBundle);
    encoder = new QueryEncoder(bundles, queryMetrics);
  }

  private static long positiveLong(SolrParams p, String name, long dflt) {
    String s = p.get(name);
    if (s == null || s.isBlank()) {
      return dflt;
    }
    long v;
    try {
      v = Long.parseLong(s.trim());
    } catch (NumberFormatException e) {
      throw new SolrException(ErrorCode.SERVER_ERROR, "cir query parser: " + name + " must be a whole number, got '" + s + "'");
    }
    if (v < 1) {
      throw new SolrException(ErrorCode.SERVER_ERROR, "cir query parser: " + name + " must be at least 1, got " + v);
    }
    return v;
  }

  private static int positive(SolrParams p, String name, int dflt) {
    int v = intParam(p, name, dflt);
    if (v < 1) {
      throw new SolrException(ErrorCode.SERVER_ERROR, "cir query parser: " + name + " must be at least 1, got " + v);
    }
    return v;
  }

  private static int nonNegative(SolrParams p, String name, int dflt) {
    int v = intParam(p, name, dflt);
    if (v < 0) {
      throw new SolrException(ErrorCode.SERVER_ERROR, "cir query parser: " + name + " must be 0 or more, got " + v);
    }
    return v;
  }

  private static int intParam(SolrParams p, String name, int dflt) {
    String s = p.get(name);
    if (s == null || s.isBlank()) {
      return dflt;
    }
    try {
      return Integer.parseInt(s.trim());
    } catch (NumberFormatException e) {
      throw new SolrException(ErrorCode.SERVER_ERROR, "cir query parser: " + name + " must be a whole number, got '" + s + "'");
    }
  }

  /**
   * A parser for {@code {!cir}}; for the request's {@code q}, the one the search component already
   * made and encoded, so that the query is parsed and encoded once per request.
   */
  @Override
  public QParser createParser(String qstr, SolrParams localParams, SolrParams params, SolrQueryRequest req) {
    SolrParams local = localParams;
    if (local == null || local.get(QueryParsing.F) == null) {
      // {!cir} without f= searches the configured default field; the text may come without local params
      ModifiableSolrParams m = local == null ? new ModifiableSolrParams() : new ModifiableSolrParams(local);
      m.set(QueryParsing.F, defaults.field());
      if (m.get(QueryParsing.V) == null) {
        m.set(QueryParsing.V, qstr == null ? "" : qstr);
      }
      local = m;
    }
    if (req.getContext().get(PARSER_KEY) instanceof CirQParser made && made.parses(qstr, local, params, req)) {
      return made;
    }
    return new CirQParser(qstr, local, params, req, this);
  }

  /** Registers the core's bundle store ({@value CirBundleStore#REST_END_POINT}) with its REST manager. */
  @Override
  public void inform(ResourceLoader loader) {
    if (loader instanceof SolrResourceLoader solr) {
      CirBundleStore.register(solr, this);
    }
  }

  /** The store exists (its stored bundles read): they join the core's bundles. */
  @Override
  public void onManagedResourceInitialized(NamedList<?> args, ManagedResource res) {
    if (res instanceof CirBundleStore store) {
      store.attach(bundles, modelDir);
    }
  }

  private void loadNow() {
    try {
      bundles.model(null);
    } catch (RuntimeException e) {
      // queries report it with their request; a core without a usable bundle still serves others
      log.warn("cir: the default bundle could not be loaded: {}", e.getMessage());
    }
  }

  /**
   * Called by the search component, which is told when its core is ready: loads the default
   * bundle then, when {@code loadOnStartup} is set, so the first query does not wait for it.
   */
  void coreReady() {
    if (loadOnStartup && !warmed) {
      warmed = true;
      loadNow();
    }
  }

  public CoreBundles bundles() {
    return bundles;
  }

  /** The encoding service of this core's {@code {!cir}} queries. */
  public QueryEncoder encoder() {
    return encoder;
  }

  /**
   * What a query that says nothing gets, and what it may ask for: the default field, the topK of a
   * query that names none (the HNSW beam, of which {@code rows} are returned), the largest topK
   * and the largest {@code refImage}.
   */
  public CirQuerySpec.Defaults defaults() {
    return defaults;
  }

  /**
   * The {@code {!cir}} plugin of {@code core} registered as {@code name}.
   *
   * @throws SolrException naming what to add to solrconfig.xml when there is none
   */
  public static CirQParserPlugin of(SolrCore core, String name) {
    QParserPlugin p = core.getQueryPlugin(name);
    if (p instanceof CirQParserPlugin c) {
      return c;
    }
    throw new SolrException(
        ErrorCode.SERVER_ERROR,
        "core '" + core.getName() + "' has no query parser '" + name + "' of class " + CirQParserPlugin.class.getName()
            + "; register it in solrconfig.xml (it defines the bundles)");
  }

  /**
   * Registers {@code QUERYPARSER.<scope>.encoding} in the core's metrics: for every loaded bundle
   * and tower (image, text, Combiner), the forward passes, the rows they took (mean batch size and
   * a histogram), requests waiting now, the mean wait for a pass and the mean pass time, and the
   * bundle's text and image caches: what an administrator watches for saturation; the bundles
   * loaded (by this core and in the JVM) and the native memory of their weights. Beside it, per
   * bundle, the counters and timers of {@link CirQueryMetrics}: queries, encoding times, failures.
   */
  @Override
  public void initializeMetrics(SolrMetricsContext parentContext, String scope) {
    metrics = parentContext.getChildContext(this);
    MetricsMap encoding =
        new MetricsMap(
            map -> {
              Map<String, CirModel> loaded = bundles.loaded();
              map.put("loadedBundles", loaded.size());
              map.put("node.loadedBundles", CirModelRegistry.shared().loadedCount());
              map.put("node.weightBytes", CirModelRegistry.shared().weightBytes());
              for (Map.Entry<String, CirModel> b : loaded.entrySet()) {
                map.put(b.getKey() + ".weightBytes", b.getValue().weightBytes());
                map.put(b.getKey() + ".passes", b.getValue().encoder().fusedPasses() ? "fused" : "ops");
                if (b.getValue().encoder().precision() == dev.cir.clip.model.Precision.BF16) {
                  map.put(b.getKey() + ".bf16Kernels", b.getValue().encoder().bf16Emulated() ? "emulated" : "native");
                }
                map.put(b.getKey() + ".imageTower", b.getValue().imageFingerprint());
                for (BatchStats s : b.getValue().encoder().batchStats()) {
                  String k = b.getKey() + "." + s.tower() + ".";
                  map.put(k + "passes", s.batches());
                  map.put(k + "requests", s.requests());
                  map.put(k + "rows", s.rows());
                  map.put(k + "meanBatch", s.meanBatch());
                  map.put(k + "queued", s.queued());
                  map.put(k + "meanQueueMs", s.meanQueueMillis());
                  map.put(k + "meanForwardMs", s.meanForwardMillis());
                  map.put(k + "failures", s.failures());
                  map.put(k + "maxBatch", s.maxBatch());
                  map.put(k + "workers", s.workers());
                  map.put(k + "precision", b.getValue().encoder().precision().label());
                  StringBuilder h = new StringBuilder();
                  for (int i = 1; i < s.batchSizes().length; i++) {
                    if (s.batchSizes()[i] > 0) {
                      h.append(h.length() == 0 ? "" : " ").append(i).append(':').append(s.batchSizes()[i]);
                    }
                  }
                  map.put(k + "batchSizes", h.toString());
                }
                CirModel.CacheStats text = b.getValue().textCacheStats();
                CirModel.CacheStats image = b.getValue().imageCacheStats();
                map.put(b.getKey() + ".textCache.hits", text.hits());
                map.put(b.getKey() + ".textCache.misses", text.misses());
                map.put(b.getKey() + ".textCache.size", text.entries());
                map.put(b.getKey() + ".imageCache.hits", image.hits());
                map.put(b.getKey() + ".imageCache.misses", image.misses());
                map.put(b.getKey() + ".imageCache.size", image.entries());
                if (b.getValue().hasInversion()) {
                  CirModel.CacheStats zeroShot = b.getValue().zeroShotCacheStats();
                  map.put(b.getKey() + ".zeroShotCache.hits", zeroShot.hits());
                  map.put(b.getKey() + ".zeroShotCache.misses", zeroShot.misses());
                  map.put(b.getKey() + ".zeroShotCache.size", zeroShot.entries());
                }
              }
            });
    metrics.gauge(encoding, true, "encoding", getCategory().toString(), scope);
    queryMetrics.register(metrics, getCategory().toString(), scope);
  }

  @Override
  public SolrMetricsContext getSolrMetricsContext() {
    return metrics;
  }

  @Override
  public String getDescription() {
    return "{!cir}: composed image retrieval (reference image + modification text) over a vector field";
  }

  @Override
  public void close() throws IOException {
    try {
      if (bundles != null) {
        bundles.close();
      }
    } finally {
      super.close();
    }
  }
}
