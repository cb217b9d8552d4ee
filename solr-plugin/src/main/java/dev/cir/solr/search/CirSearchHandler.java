package dev.cir.solr.search;

import java.util.ArrayList;
import java.util.List;
import org.apache.solr.common.SolrException;
import org.apache.solr.common.SolrException.ErrorCode;
import org.apache.solr.common.util.ContentStream;
import org.apache.solr.handler.component.SearchHandler;
import org.apache.solr.request.SolrQueryRequest;
import org.apache.solr.request.SolrQueryRequestBase;
import org.apache.solr.response.SolrQueryResponse;

/**
 * Solr's {@link SearchHandler}, which also takes a multipart file part named {@code refImage}: the
 * reference image of a {@code {!cir}} query, sent as a browser or {@code curl -F
 * 'refImage=@photo.jpg'} uploads a file. Solr parses the multipart body; Solr's search handler
 * accepts no content streams but JSON ones, so this one sets the {@code refImage} parts aside in
 * the request context, where {@code {!cir}} finds them, before the search handler sees the
 * request. Everything else is the search handler's, unchanged.
 *
 * <pre>{@code
 * <requestHandler name="/select" class="dev.cir.solr.search.CirSearchHandler">
 *   <arr name="first-components"><str>cir</str></arr>
 * </requestHandler>
 * }</pre>
 */
public class CirSearchHandler extends SearchHandler {
  private static final String PARTS_KEY = CirSearchHandler.class.getName() + ".refImage";

  @Override
  public void handleRequest(SolrQueryRequest req, SolrQueryResponse rsp) {
    Iterable<ContentStream> streams = req.getContentStreams();
    if (streams != null) {
      List<ContentStream> images = new ArrayList<>();
      List<ContentStream> others = new ArrayList<>();
      for (ContentStream s : streams) {
        (CirQuerySpec.REF_IMAGE.equals(s.getName()) ? images : others).add(s);
      }
      if (!images.isEmpty()) {
        if (!(req instanceof SolrQueryRequestBase base)) {
          throw new SolrException(ErrorCode.BAD_REQUEST, "this request cannot take a refImage file part; send it base64 as refImage=$img");
        }
        req.getContext().put(PARTS_KEY, images);
        base.setContentStreams(others.isEmpty() ? null : others);
      }
    }
    super.handleRequest(req, rsp);
  }

  /** The request's file parts named {@code refImage}, set aside by this handler (none when another handled it). */
  @SuppressWarnings("unchecked")
  static List<ContentStream> imageParts(SolrQueryRequest req) {
    Object parts = req.getContext().get(PARTS_KEY);
    return parts instanceof List<?> l ? (List<ContentStream>) l : List.of();
  }

  @Override
  public String getDescription() {
    return "Search handler that also takes the reference image of {!cir} as a file part named refImage";
  }
}
