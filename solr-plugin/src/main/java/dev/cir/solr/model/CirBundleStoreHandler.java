package dev.cir.solr.model;

import java.io.IOException;
import java.io.Reader;
import org.apache.solr.common.SolrException;
import org.apache.solr.common.SolrException.ErrorCode;
import org.apache.solr.common.util.ContentStream;
import org.apache.solr.common.util.Utils;
import org.apache.solr.handler.RequestHandlerBase;
import org.apache.solr.request.SolrQueryRequest;
import org.apache.solr.response.SolrQueryResponse;
import org.apache.solr.rest.ManagedResource;
import org.apache.solr.security.AuthorizationContext;

/**
 * The bundle store's own path, {@value CirBundleStore#REST_END_POINT}, ahead of Solr's REST
 * manager: {@code PUT} and {@code POST} bodies are parsed here, so a body that is not JSON is a
 * 400 naming the problem (Solr's REST manager answers it with a 500); {@code GET} lists the
 * bundles. {@code .../cir-bundle-store/NAME} (a bundle's {@code GET} and {@code DELETE}) stays with
 * Solr's REST manager, which calls the same store.
 *
 * <pre>{@code
 * <requestHandler name="/schema/cir-bundle-store" class="dev.cir.solr.model.CirBundleStoreHandler"/>
 * }</pre>
 */
public class CirBundleStoreHandler extends RequestHandlerBase {
  @Override
  public void handleRequestBody(SolrQueryRequest req, SolrQueryResponse rsp) throws Exception {
    ManagedResource res = req.getCore().getRestManager().getManagedResourceOrNull(CirBundleStore.REST_END_POINT);
    if (!(res instanceof CirBundleStore store)) {
      throw new SolrException(ErrorCode.SERVICE_UNAVAILABLE, "this core has no bundle store: it needs the {!cir} query parser (dev.cir.solr.search.CirQParserPlugin)");
    }
    String method = req.getHttpMethod() == null ? "GET" : req.getHttpMethod();
    switch (method) {
      case "GET" -> rsp.add("bundles", store.describe(null));
      case "PUT", "POST" -> store.doPut(null, body(req));
      default -> throw new SolrException(ErrorCode.BAD_REQUEST, method + " is not supported here: GET, PUT or POST " + CirBundleStore.REST_END_POINT
          + ", GET or DELETE " + CirBundleStore.REST_END_POINT + "/NAME");
    }
  }

  private static Object body(SolrQueryRequest req) throws IOException {
    Iterable<ContentStream> streams = req.getContentStreams();
    ContentStream stream = streams == null ? null : streams.iterator().hasNext() ? streams.iterator().next() : null;
    if (stream == null) {
      throw new SolrException(ErrorCode.BAD_REQUEST, "no body: PUT a bundle {\"name\": ..., \"path\": ...} or a list of them, as JSON");
    }
    String text;
    try (Reader r = stream.getReader()) {
      StringBuilder b = new StringBuilder();
      char[] buf = new char[8192];
      for (int n; (n = r.read(buf)) > 0; ) {
        b.append(buf, 0, n);
      }
      text = b.toString();
    }
    Object json;
    try {
      json = Utils.fromJSONString(text);
    } catch (RuntimeException e) {
      throw new SolrException(ErrorCode.BAD_REQUEST, "the body is not JSON: " + e.getMessage());
    }
    if (!(json instanceof java.util.Map) && !(json instanceof java.util.List)) {
      throw new SolrException(ErrorCode.BAD_REQUEST, "a bundle definition is a JSON object {\"name\": ..., \"path\": ...} or a list of them, got " + text.trim());
    }
    return json;
  }

  @Override
  public Name getPermissionName(AuthorizationContext request) {
    // Solr's permissions: reading the store is schema-read, changing it schema-edit, as for /schema
    return "GET".equals(request.getHttpMethod()) ? Name.SCHEMA_READ_PERM : Name.SCHEMA_EDIT_PERM;
  }

  @Override
  public String getDescription() {
    return "The {!cir} bundle store: GET lists the bundles, PUT adds one or a list";
  }
}
