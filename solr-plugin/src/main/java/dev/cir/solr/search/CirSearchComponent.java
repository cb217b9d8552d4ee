package dev.cir.solr.search;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.solr.common.MapWriter;
import org.apache.solr.common.params.CommonParams;
import org.apache.solr.common.params.ModifiableSolrParams;
import org.apache.solr.common.params.ShardParams;
import org.apache.solr.common.params.SolrParams;
import org.apache.solr.common.util.NamedList;
import org.apache.solr.common.util.SimpleOrderedMap;
import org.apache.solr.core.SolrCore;
import org.apache.solr.handler.component.QueryComponent;
import org.apache.solr.handler.component.ResponseBuilder;
import org.apache.solr.handler.component.SearchComponent;
import org.apache.solr.handler.component.ShardRequest;
import org.apache.solr.search.QParser;
import org.apache.solr.search.SyntaxError;
import org.apache.solr.util.RTimerTree;
import org.apache.solr.util.plugin.SolrCoreAware;

/**
 * Orchestrates a {@code {!cir}} request: where it arrives, before the query component runs, it
 * parses the request's {@code q}, has the {@link QueryEncoder} make the vector once (finding a
 * {@code ref} document on every shard at once in SolrCloud) and leaves the parser in the request
 * context, where the query component gets the same parser back (standalone, the vector never
 * leaves the request). In SolrCloud, every request to a shard then carries the vector instead of
 * the image: the {@code refImage} bytes are taken out of the shard's parameters (and out of {@code
 * q} when they were inline), so a large photo is never copied to the shards. Register it among the
 * {@code first-components} of the handlers that serve {@code {!cir}} (before {@code query}).
 *
 * <p>It also answers the coordinator's reference lookups on the shards, and adds {@code debug.cir}
 * (reference source, mode, λ, encode and search times) when {@code debug=true}.
 */
public class CirSearchComponent extends SearchComponent implements SolrCoreAware {
  public static final String COMPONENT_NAME = "cir";

  /** Shard request parameter: the id whose vector the coordinator asks for. */
  static final String LOOKUP_PARAM = "cir.ref.lookup";

  static final String LOOKUP_FIELD_PARAM = "cir.ref.field";
  static final String LOOKUP_RESPONSE = "cirReference";
  private static final String DEBUG_KEY = CirSearchComponent.class.getName() + ".debug";

  private String parserName = CirQParserPlugin.NAME;

  @Override
  public void init(NamedList<?> args) {
    Object p = args.get("parser");
    if (p != null) {
      parserName = p.toString();
    }
  }

  @Override
  public void inform(SolrCore core) {
    if (core.getQueryPlugin(parserName) instanceof CirQParserPlugin plugin) {
      plugin.coreReady();
    }
  }

  @Override
  public void prepare(ResponseBuilder rb) throws IOException {
    SolrParams params = rb.req.getParams();
    if (params.get(LOOKUP_PARAM) != null || params.getBool(ShardParams.IS_SHARD, false)) {
      return;
    }
    String q = params.get(CommonParams.Q);
    if (q == null) {
      return;
    }
    QParser parser;
    try {
      parser = QParser.getParser(q, params.get(org.apache.solr.search.QueryParsing.DEFTYPE), rb.req);
    } catch (SyntaxError e) {
      return; // not ours to report: the query component does
    }
    if (!(parser instanceof CirQParser cir)) {
      return;
    }
    rb.req.getContext().put(CirQParserPlugin.PARSER_KEY, cir);
    long start = System.nanoTime();
    ReferenceSource documents =
        rb.isDistributed() && rb.shards != null && rb.shards.length > 0
            ? new ShardReferenceSource(rb, collection(rb))
            : new LocalReferenceSource(rb.req.getSearcher(), collection(rb));
    FusedVector fused = cir.encode(documents);
    if (rb.isDebug()) {
      Debug d = new Debug(fused, System.nanoTime() - start, rb.isDistributed() ? null : rb.req.getRequestTimer());
      rb.req.getContext().put(DEBUG_KEY, d);
      rb.addDebug(d, COMPONENT_NAME);
    }
  }

  /** Puts the vector into every request to a shard, and takes the reference image out. */
  @Override
  public void modifyRequest(ResponseBuilder rb, SearchComponent who, ShardRequest sreq) {
    if (!(rb.req.getContext().get(CirQParserPlugin.PARSER_KEY) instanceof CirQParser parser)
        || parser.fused() == null
        || sreq.params == null) {
      return;
    }
    ModifiableSolrParams p = sreq.params;
    String q = p.get(CommonParams.Q);
    if (q == null) {
      return;
    }
    if (parser.spec().reference() instanceof QueryReference.Image image && image.text() != null) {
      String text = image.text();
      if (q.contains(text)) {
        // inline in q: the shard searches with the vector and reads only f, topK, ref and keepRef
        q = q.replace(text, "sha256-" + image.digest());
        p.set(CommonParams.Q, q);
      }
      for (String name : new ArrayList<>(p.getParameterNames())) {
        String[] values = p.getParams(name);
        if (!CommonParams.Q.equals(name) && values != null && Arrays.asList(values).contains(text)) {
          p.remove(name, text);
        }
      }
    }
    parser.fused().shipTo(p, q);
  }

  @Override
  public void process(ResponseBuilder rb) throws IOException {
    SolrParams params = rb.req.getParams();
    String id = params.get(LOOKUP_PARAM);
    if (id == null) {
      return;
    }
    String field = params.get(LOOKUP_FIELD_PARAM);
    ReferenceVectorLookup.Result r = LocalReferenceSource.lookup(rb.req.getSearcher(), id, field);
    NamedList<Object> answer = new SimpleOrderedMap<>();
    answer.add("status", r.status().name());
    if (r.vector() != null) {
      List<Float> v = new ArrayList<>(r.vector().length);
      for (float x : r.vector()) {
        v.add(x);
      }
      answer.add("vector", v);
    }
    if (r.model() != null) {
      answer.add("model", r.model());
    }
    rb.rsp.add(LOOKUP_RESPONSE, answer);
  }

  @Override
  public void finishStage(ResponseBuilder rb) {
    if (rb.stage == ResponseBuilder.STAGE_EXECUTE_QUERY && rb.req.getContext().get(DEBUG_KEY) instanceof Debug d) {
      d.searchNanos = System.nanoTime() - d.preparedAt;
    }
  }

  private static String collection(ResponseBuilder rb) {
    String c = rb.req.getCore().getCoreDescriptor().getCollectionName();
    return c != null ? c : rb.req.getCore().getName();
  }

  @Override
  public String getDescription() {
    return "encodes {!cir} queries once per request, on the coordinator";
  }

  /**
   * {@code debug.cir}: written when the response is, so it can report the search time too (the
   * query component's process time standalone; the shard round trips in SolrCloud).
   */
  static final class Debug implements MapWriter {
    private final FusedVector fused;
    private final long encodeNanos;
    private final RTimerTree timer;
    final long preparedAt = System.nanoTime();
    volatile long searchNanos = -1;

    Debug(FusedVector fused, long encodeNanos, RTimerTree timer) {
      this.fused = fused;
      this.encodeNanos = encodeNanos;
      this.timer = timer;
    }

    @Override
    public void writeMap(EntryWriter ew) throws IOException {
      ew.put("bundle", fused.bundle());
      ew.put("combine", fused.mode().id());
      ew.put("lambda", Float.isNaN(fused.lambda()) ? null : fused.lambda());
      if (fused.template() != null) {
        ew.put("template", fused.template());
      }
      ew.put("source", fused.source());
      ew.put("reference", fused.reference());
      ew.put("textCached", fused.textCached());
      ew.put("imageCached", fused.imageCached());
      double search = searchMillis();
      FusedVector.Timings timings = fused.timings();
      ew.put(
          "timing",
          (MapWriter)
              t -> {
                t.put("lookupMs", FusedVector.millis(timings.lookupNanos()));
                t.put("imageEncodeMs", FusedVector.millis(timings.imageNanos()));
                t.put("textEncodeMs", FusedVector.millis(timings.textNanos()));
                t.put("combineMs", FusedVector.millis(timings.combineNanos()));
                t.put("encodeMs", FusedVector.millis(encodeNanos));
                if (search >= 0) {
                  t.put("searchMs", search);
                }
              });
    }

    private double searchMillis() {
      if (searchNanos >= 0) {
        return FusedVector.millis(searchNanos);
      }
      if (timer != null) {
        RTimerTree process = timer.getChildren().get("process");
        RTimerTree query = process == null ? null : process.getChildren().get(QueryComponent.COMPONENT_NAME);
        if (query != null) {
          return Math.round(query.getTime() * 100) / 100.0;
        }
      }
      return -1;
    }
  }
}
