package dev.cir.solr.search;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Timer;
import dev.cir.clip.encoder.CombineMode;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.solr.metrics.SolrMetricsContext;

/**
 * The per-bundle counters and timers of a core's {@code {!cir}} queries, in the core's metrics
 * registry as {@code QUERYPARSER.<scope>.<bundle>.<name>}:
 *
 * <ul>
 *   <li>{@code queries}: queries encoded (on the coordinator only, in SolrCloud);
 *   <li>{@code encode}: each query's whole encoding; {@code textEncode} and {@code imageEncode}:
 *       the text and image towers when their caches missed; {@code lookup}: finding a reference
 *       document's stored vector; {@code combine}: the Combiner, the sum, or the zero-shot prompt;
 *   <li>{@code failures.<kind>}: refused or failed queries, by {@link #KINDS kind}.
 * </ul>
 *
 * A query naming a bundle that the core does not define counts under {@value #UNDEFINED}, so
 * request parameters cannot add names to the registry. Before the core registers the metrics
 * (and after it closes) nothing is recorded.
 */
final class CirQueryMetrics {
  /** The bundle name under which queries naming an undefined bundle count their failure. */
  static final String UNDEFINED = "undefined";

  /**
   * Why a query failed: a bundle that is not defined; a vector of another dimension than the
   * field's; a mode the bundle cannot serve (no Combiner, no φ); a reference document another
   * image tower encoded; a {@code refImage} that does not decode; any other bad request (a
   * reference document that does not exist…); a bundle that cannot load (503); anything else.
   */
  static final Set<String> KINDS =
      Set.of("unknownBundle", "dimension", "mode", "imageTowerMismatch", "invalidImage", "badRequest", "unavailable", "error");

  private volatile SolrMetricsContext context;
  private volatile String[] path;
  private final Map<String, Bundle> bundles = new ConcurrentHashMap<>();

  /** Records into {@code context} from now on, under {@code QUERYPARSER.<scope>}. */
  void register(SolrMetricsContext context, String category, String scope) {
    bundles.clear();
    this.path = new String[] {category, scope};
    this.context = context;
  }

  /** A query of {@code bundle} encoded in {@code nanos}, with the steps {@code v} records. */
  void encoded(String bundle, FusedVector v, long nanos) {
    Bundle b = bundle(bundle);
    if (b == null) {
      return;
    }
    b.queries.inc();
    b.encode.update(nanos, TimeUnit.NANOSECONDS);
    FusedVector.Timings t = v.timings();
    if (Boolean.FALSE.equals(v.textCached()) && v.mode() != CombineMode.INVERSION) {
      b.textEncode.update(t.textNanos(), TimeUnit.NANOSECONDS);
    }
    if (Boolean.FALSE.equals(v.imageCached())) {
      b.imageEncode.update(t.imageNanos(), TimeUnit.NANOSECONDS);
    }
    if (t.lookupNanos() > 0) {
      b.lookup.update(t.lookupNanos(), TimeUnit.NANOSECONDS);
    }
    if (v.mode() == CombineMode.COMBINER || v.mode() == CombineMode.SUM || v.mode() == CombineMode.INVERSION) {
      // for combine=inversion the prompt's pass is the combination (its text time, when not cached)
      long nanosCombined = v.mode() == CombineMode.INVERSION ? t.textNanos() : t.combineNanos();
      b.combine.update(nanosCombined, TimeUnit.NANOSECONDS);
    }
  }

  /** A query of {@code bundle} that failed for {@code kind} (one of {@link #KINDS}). */
  void failed(String bundle, String kind) {
    if (!KINDS.contains(kind)) {
      throw new IllegalArgumentException("unknown failure kind " + kind);
    }
    SolrMetricsContext c = context;
    if (c != null) {
      c.counter(bundle + ".failures." + kind, path).inc();
    }
  }

  private Bundle bundle(String name) {
    SolrMetricsContext c = context;
    if (c == null) {
      return null;
    }
    String[] p = path;
    return bundles.computeIfAbsent(name, n -> new Bundle(c, n, p));
  }

  private static final class Bundle {
    final Counter queries;
    final Timer encode;
    final Timer textEncode;
    final Timer imageEncode;
    final Timer lookup;
    final Timer combine;

    Bundle(SolrMetricsContext c, String name, String[] path) {
      queries = c.counter(name + ".queries", path);
      encode = c.timer(name + ".encode", path);
      textEncode = c.timer(name + ".textEncode", path);
      imageEncode = c.timer(name + ".imageEncode", path);
      lookup = c.timer(name + ".lookup", path);
      combine = c.timer(name + ".combine", path);
    }
  }
}
