package dev.cir.cli.demo;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** What the demo page asks of the search side. */
public interface DemoBackend {
  /** A request the user can fix (HTTP 400). */
  final class BadRequest extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public BadRequest(String message) {
      super(message);
    }
  }

  record FacetValue(String value, long count) {}

  /** An image of the gallery as the page shows it. */
  record Image(String id, String url, Map<String, Object> meta) {}

  /** A query the page can run with one click: a reference and a text whose answer is known. */
  record Example(String reference, String referenceUrl, Map<String, Object> referenceMeta, String text, String target) {}

  record Info(
      String bundle, int dimension, boolean hasCombiner, boolean hasInversion, long galleryCount, Map<String, String> facetLabels,
      Map<String, List<FacetValue>> facets, List<Example> examples) {}

  record GalleryPage(long total, List<Image> images) {}

  /**
   * A search from the page: the reference is a gallery id, or an uploaded image (its file as base64
   * or a {@code data:} URL, sent to Solr as it is), or neither (the text alone); filters: field →
   * accepted values.
   */
  record SearchRequest(
      String reference, String image, String imageName, String text, String combine, Map<String, List<String>> filters, Integer rows) {}

  record Hit(String id, float score, String url, Map<String, Object> meta) {}

  record Timings(double encodeMillis, double solrMillis) {}

  /** @param mode the mode Solr ran the query in: combiner, inversion (zero-shot), sum, text or image */
  record SearchResponse(
      List<Hit> results, String mode, Float lambda, Timings timings, Map<String, List<FacetValue>> facets, Map<String, String> solrParams) {}

  /** The page's address of a gallery image. */
  static String imageUrl(String id) {
    return "/images/" + java.net.URLEncoder.encode(id, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20");
  }

  Info info() throws Exception;

  GalleryPage gallery(int start, int rows) throws Exception;

  SearchResponse search(SearchRequest request) throws Exception;

  /** The file of a gallery image, by id. */
  Optional<Path> imageFile(String id);
}
