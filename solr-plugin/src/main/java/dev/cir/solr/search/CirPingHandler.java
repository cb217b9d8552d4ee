package dev.cir.solr.search;

import dev.cir.solr.model.CirModel;
import java.util.Map;
import org.apache.solr.common.SolrException;
import org.apache.solr.common.SolrException.ErrorCode;
import org.apache.solr.common.util.NamedList;
import org.apache.solr.common.util.SimpleOrderedMap;
import org.apache.solr.handler.PingRequestHandler;
import org.apache.solr.request.SolrQueryRequest;
import org.apache.solr.response.SolrQueryResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Solr's ping, which also answers for the core's bundles: a ping is unhealthy (HTTP 503, with the
 * reason) when the default bundle cannot load, and lists every loaded bundle with the state of its
 * directory on disk ({@code unchanged}, or what is gone or changed since it loaded: the loaded
 * model keeps serving, but a new load of that directory would read other files or fail). The
 * first ping loads the default bundle when the core did not ({@code loadOnStartup}). Everything
 * else is Solr's {@link PingRequestHandler}: the health-check query, {@code healthcheckFile},
 * {@code action=enable|disable|status}.
 *
 * <pre>{@code
 * <requestHandler name="/admin/ping" class="dev.cir.solr.search.CirPingHandler">
 *   <str name="parser">cir</str>      <!-- the name of the {!cir} query parser -->
 *   <lst name="invariants"><str name="q">*:*</str></lst>
 * </requestHandler>
 * }</pre>
 */
public class CirPingHandler extends PingRequestHandler {
  private static final Logger log = LoggerFactory.getLogger(CirPingHandler.class);
  private String parser = CirQParserPlugin.NAME;
  private volatile String lastReported;

  @Override
  public void init(NamedList<?> args) {
    Object p = args.remove("parser");
    if (p != null) {
      parser = p.toString();
    }
    super.init(args);
  }

  @Override
  public void handleRequestBody(SolrQueryRequest req, SolrQueryResponse rsp) throws Exception {
    String action = req.getParams().get("action");
    boolean ping = action == null || "ping".equalsIgnoreCase(action);
    // the bundles of the core that answers (in SolrCloud each node's ping checks its own cores)
    if (ping) {
      rsp.add("cir", bundles(req));
    }
    super.handleRequestBody(req, rsp);
  }

  private NamedList<Object> bundles(SolrQueryRequest req) {
    CirQParserPlugin plugin = CirQParserPlugin.of(req.getCore(), parser);
    String defaultName = plugin.bundles().defaultName();
    try {
      plugin.bundles().model(null);
    } catch (RuntimeException e) {
      throw new SolrException(
          ErrorCode.SERVICE_UNAVAILABLE, "unhealthy: the default bundle '" + defaultName + "' cannot be loaded: " + e.getMessage());
    }
    NamedList<Object> out = new SimpleOrderedMap<>();
    StringBuilder report = new StringBuilder();
    for (Map.Entry<String, CirModel> b : plugin.bundles().loaded().entrySet()) {
      String change = b.getValue().diskChange();
      NamedList<Object> one = new SimpleOrderedMap<>();
      one.add("status", "loaded");
      one.add("path", b.getValue().dir().toString());
      one.add("imageTower", b.getValue().imageFingerprint());
      one.add("onDisk", change == null ? "unchanged" : change);
      out.add(b.getKey(), one);
      if (change != null) {
        report.append("bundle '").append(b.getKey()).append("': ").append(change).append("; ");
      }
    }
    String r = report.toString();
    if (!r.isEmpty() && !r.equals(lastReported)) {
      log.warn(
          "cir: {}the loaded models keep serving; to use new files put them in a new directory and point the bundle's path"
              + " at it (a reload with the same path keeps the loaded copy while any core uses it)",
          r);
    }
    lastReported = r;
    return out;
  }

  @Override
  public String getDescription() {
    return "Ping that also reports whether the {!cir} bundles are loaded and unchanged on disk";
  }
}
