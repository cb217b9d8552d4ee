package dev.cir.cli.demo;

import dev.cir.clip.bundle.BundleManifest;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.solr.client.solrj.SolrClient;
import org.apache.solr.client.solrj.SolrRequest;
import org.apache.solr.client.solrj.SolrServerException;
import org.apache.solr.client.solrj.response.FacetField;
import org.apache.solr.client.solrj.response.QueryResponse;
import org.apache.solr.common.SolrDocument;
import org.apache.solr.common.params.ModifiableSolrParams;
import org.apache.solr.common.util.NamedList;

/**
 * The demo page's searches as real Solr requests: {@code {!cir}} with the reference by id, or the
 * uploaded image itself as {@code refImage} (Solr decodes and encodes it; nothing is encoded here),
 * or no reference (the text alone); the user's text passed as its own parameter, every selected
 * facet a {@code {!terms}} filter query (the kNN pre-filter), and {@code debug=true} for the mode,
 * λ and the encoding time.
 */
final class SolrDemoBackend implements DemoBackend {
  static final Map<String, String> FACETS = facetLabels();

  private final SolrClient client;
  private final String collection;
  private final String bundleName;
  private final int dimension;
  private final boolean hasCombiner;
  private final boolean hasInversion;
  private final Map<String, Path> images;
  private final List<Example> examples;

  /**
   * @param images every indexed image's file, by id (the only files the server will send)
   * @param examples one-click queries whose references are indexed
   */
  SolrDemoBackend(
      SolrClient client, String collection, BundleManifest bundle, String bundleName, Map<String, Path> images, List<Example> examples) {
    this.client = client;
    this.collection = collection;
    this.bundleName = bundleName;
    this.dimension = bundle.embeddingDim();
    this.hasCombiner = bundle.hasCombiner();
    this.hasInversion = bundle.hasInversion();
    this.images = Map.copyOf(images);
    this.examples = List.copyOf(examples);
  }

  private static Map<String, String> facetLabels() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("colors_ss", "colors");
    m.put("shapes_ss", "shapes");
    m.put("objects_i", "objects");
    m.put("sizes_ss", "sizes");
    return Collections.unmodifiableMap(m);
  }

  static String imageUrl(String id) {
    return DemoBackend.imageUrl(id);
  }

  @Override
  public Info info() throws Exception {
    QueryResponse r = client.query(collection, facetRequest(Map.of()));
    return new Info(bundleName, dimension, hasCombiner, hasInversion, r.getResults().getNumFound(), FACETS, facets(r), examples);
  }

  @Override
  public GalleryPage gallery(int start, int rows) throws Exception {
    ModifiableSolrParams p = new ModifiableSolrParams();
    p.set("q", "*:*");
    p.set("sort", "id asc");
    p.set("start", start);
    p.set("rows", rows);
    p.set("fl", "id," + String.join(",", FACETS.keySet()));
    QueryResponse r = client.query(collection, p, SolrRequest.METHOD.POST);
    List<Image> out = new ArrayList<>();
    for (SolrDocument d : r.getResults()) {
      String id = (String) d.getFieldValue("id");
      out.add(new Image(id, imageUrl(id), meta(d)));
    }
    return new GalleryPage(r.getResults().getNumFound(), out);
  }

  @Override
  public SearchResponse search(SearchRequest req) throws Exception {
    boolean byId = req.reference() != null && !req.reference().isBlank();
    boolean byImage = req.image() != null && !req.image().isBlank();
    String text = req.text() == null ? "" : req.text().strip();
    if (byId && byImage) {
      throw new BadRequest("choose one reference: a gallery image or an upload");
    }
    if (!byId && !byImage && text.isEmpty()) {
      throw new BadRequest("choose a reference image, or type what you are looking for");
    }
    String combine = req.combine() == null ? "combiner" : req.combine().toLowerCase(Locale.ROOT);
    if (!combine.equals("combiner") && !combine.equals("sum") && !combine.equals("inversion")) {
      throw new BadRequest("combine must be combiner, inversion (zero-shot) or sum");
    }
    if (combine.equals("inversion") && !hasInversion) {
      throw new BadRequest("this bundle has no inversion network for zero-shot queries; train one with cir train inversion");
    }
    int rows = req.rows() == null ? 12 : Math.max(1, Math.min(50, req.rows()));
    ModifiableSolrParams p = new ModifiableSolrParams();
    // a reference and a text: the chosen fusion; a reference alone: more like it; a text alone: text search
    StringBuilder q = new StringBuilder("{!cir topK=100");
    if (byId) {
      if (!images.containsKey(req.reference())) {
        throw new BadRequest("no image '" + req.reference() + "' in the gallery");
      }
      q.append(" ref=$demo.ref");
      p.set("demo.ref", req.reference());
    } else if (byImage) {
      q.append(" refImage=$demo.image");
      p.set("demo.image", req.image());
    }
    if ((byId || byImage) && !text.isEmpty()) {
      q.append(" combine=").append(combine);
    }
    p.set("q", q.append(" v=$demo.text}").toString());
    p.set("demo.text", text);
    for (String fq : filterQueries(req.filters())) {
      p.add("fq", fq);
    }
    p.set("rows", rows);
    p.set("fl", "id,score," + String.join(",", FACETS.keySet()));
    p.set("debug", "true");
    p.set("debug.explain.structured", "false");
    Map<String, String> shown = new LinkedHashMap<>();
    for (String name : p.getParameterNames()) {
      String joined = String.join(" & ", p.getParams(name));
      shown.put(name, name.equals("demo.image") ? "[" + (req.imageName() == null ? "the uploaded image" : req.imageName()) + ", "
          + joined.length() + " characters of base64]" : joined);
    }
    long t0 = System.nanoTime();
    QueryResponse r;
    try {
      r = client.query(collection, p, SolrRequest.METHOD.POST);
    } catch (SolrServerException | org.apache.solr.client.solrj.impl.BaseHttpSolrClient.RemoteSolrException e) {
      throw new BadRequest(e.getMessage());
    }
    double solrMillis = (System.nanoTime() - t0) / 1e6;
    List<Hit> hits = new ArrayList<>();
    for (SolrDocument d : r.getResults()) {
      String id = (String) d.getFieldValue("id");
      hits.add(new Hit(id, ((Number) d.getFieldValue("score")).floatValue(), imageUrl(id), meta(d)));
    }
    Float lambda = null;
    double encodeMillis = 0;
    Object cir = r.getDebugMap() == null ? null : r.getDebugMap().get("cir");
    if (field(cir, "lambda") instanceof Number n && !Float.isNaN(n.floatValue())) {
      lambda = n.floatValue();
    }
    if (field(field(cir, "timing"), "encodeMs") instanceof Number e) {
      encodeMillis = e.doubleValue();
    }
    String mode = field(cir, "combine") instanceof String m ? m : null;
    QueryResponse f = client.query(collection, facetRequest(req.filters()), SolrRequest.METHOD.POST);
    return new SearchResponse(hits, mode, lambda, new Timings(encodeMillis, solrMillis), facets(f), shown);
  }

  /** A value of a debug section, which arrives as a map or a named list depending on the format. */
  private static Object field(Object section, String name) {
    if (section instanceof Map<?, ?> m) {
      return m.get(name);
    }
    if (section instanceof NamedList<?> nl) {
      return nl.get(name);
    }
    return null;
  }

  @Override
  public Optional<Path> imageFile(String id) {
    return Optional.ofNullable(images.get(id));
  }

  /** {@code {!terms f=FIELD}a,b}: any of the selected values of one facet; facets combine with AND. */
  static List<String> filterQueries(Map<String, List<String>> filters) {
    List<String> out = new ArrayList<>();
    if (filters == null) {
      return out;
    }
    for (Map.Entry<String, List<String>> e : filters.entrySet()) {
      if (!FACETS.containsKey(e.getKey())) {
        throw new BadRequest("no filter on '" + e.getKey() + "'; filters: " + FACETS.keySet());
      }
      List<String> values = e.getValue() == null ? List.of() : e.getValue().stream().filter(v -> v != null && !v.isBlank()).toList();
      if (values.isEmpty()) {
        continue;
      }
      for (String v : values) {
        if (v.contains(",") || v.contains("{") || v.length() > 100) {
          throw new BadRequest("invalid filter value '" + v + "'");
        }
      }
      // tagged, so each facet's counts can ignore its own selection (multi-select facets)
      out.add("{!terms f=" + e.getKey() + " tag=" + e.getKey() + "}" + String.join(",", values));
    }
    return out;
  }

  private ModifiableSolrParams facetRequest(Map<String, List<String>> filters) {
    ModifiableSolrParams p = new ModifiableSolrParams();
    p.set("q", "*:*");
    p.set("rows", 0);
    p.set("facet", "true");
    p.set("facet.mincount", 1);
    p.set("facet.sort", "index");
    for (String f : FACETS.keySet()) {
      p.add("facet.field", "{!ex=" + f + "}" + f);
    }
    for (String fq : filterQueries(filters)) {
      p.add("fq", fq);
    }
    return p;
  }

  private static Map<String, List<FacetValue>> facets(QueryResponse r) {
    Map<String, List<FacetValue>> out = new LinkedHashMap<>();
    if (r.getFacetFields() == null) {
      return out;
    }
    for (FacetField f : r.getFacetFields()) {
      List<FacetValue> values = new ArrayList<>();
      for (FacetField.Count c : f.getValues()) {
        values.add(new FacetValue(c.getName(), c.getCount()));
      }
      if (!values.isEmpty()) {
        out.put(f.getName(), values);
      }
    }
    return out;
  }

  private static Map<String, Object> meta(SolrDocument d) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (String f : FACETS.keySet()) {
      Object v = d.getFieldValue(f);
      if (v == null) {
        continue;
      }
      Object values = d.getFieldValues(f);
      m.put(f, f.endsWith("_ss") ? values : v);
    }
    return m;
  }
}
