package dev.cir.solr.config;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;

import dev.cir.clip.encoder.CirEncoder;
import dev.cir.clip.encoder.CombineMode;
import dev.cir.clip.text.PromptTemplate;
import dev.cir.solr.search.FusedVector;
import dev.cir.solr.testing.SyntheticImages;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.solr.client.solrj.SolrClient;
import org.apache.solr.client.solrj.SolrRequest;
import org.apache.solr.client.solrj.response.QueryResponse;
import org.apache.solr.common.SolrDocument;
import org.apache.solr.common.params.ModifiableSolrParams;

/**
 * Runs a random {@code {!cir}} query and the {@code {!knn}} query it must equal: the same filters,
 * the reference excluded the way {@code {!knn}} users would (a pre-filter {@code -id:REF}), and the
 * vector made outside Solr by {@link CirEncoder}: fused for the Combiner and the sum, the zero-shot
 * prompt's features for inversion (the bundle's template, or one given with the query), a tower's
 * raw features for the text and image modes. Asserts identical ids and bit-identical scores.
 */
final class KnnEquivalence {
  /** The query template of the test bundles' φ. */
  static final String BUNDLE_TEMPLATE = "w5 $ w7 {text}";
  /** A template a query gives instead (quoted in the local params: it holds spaces and braces). */
  static final String QUERY_TEMPLATE = "w9 w10 $ {text} w11";

  enum Filtering {
    NONE,
    FQ,
    PRE_FILTER,
    INCLUDE_TAGS,
    EXCLUDE_TAGS
  }

  /** How the {@code {!cir}} query gives its reference. */
  enum Reference {
    /** ref=ID, a document of the collection */
    DOCUMENT,
    /** refVector=$rv, its raw features */
    VECTOR,
    /** refImage=$img, the document's image file as base64 (sent with POST) */
    IMAGE,
    /** no reference: the text alone */
    NONE
  }

  private final SolrClient client;
  private final String collection;
  private final CirEncoder encoder;
  private final Map<String, float[]> rawVectors;
  private final Map<String, byte[]> images;

  /** @param images the indexed image files by id, for {@link Reference#IMAGE} */
  KnnEquivalence(SolrClient client, String collection, CirEncoder encoder, Map<String, float[]> rawVectors, Map<String, byte[]> images) {
    this.client = client;
    this.collection = collection;
    this.encoder = encoder;
    this.rawVectors = rawVectors;
    this.images = images;
  }

  /** A way to ask: a kind of reference and a mode it can run in. */
  record Shape(Reference reference, CombineMode mode) {}

  /**
   * Every kind of reference in every mode it serves: the Combiner, zero-shot inversion, the sum and
   * the image alone; no reference, the text.
   */
  static List<Shape> shapes() {
    List<Shape> out = new ArrayList<>();
    for (Reference r : new Reference[] {Reference.DOCUMENT, Reference.VECTOR, Reference.IMAGE}) {
      for (CombineMode m : new CombineMode[] {CombineMode.COMBINER, CombineMode.INVERSION, CombineMode.SUM, CombineMode.IMAGE}) {
        out.add(new Shape(r, m));
      }
    }
    out.add(new Shape(Reference.NONE, CombineMode.TEXT));
    return out;
  }

  /**
   * Checks every shape under every filtering, {@code rounds} times.
   *
   * @return how many documents the queries returned
   */
  int checkAll(Random random, List<String> ids, int rounds) throws Exception {
    int returned = 0;
    for (int i = 0; i < rounds; i++) {
      for (Shape shape : shapes()) {
        for (Filtering f : Filtering.values()) {
          returned += check(random, ids, f, shape.reference(), shape.mode());
        }
      }
    }
    return returned;
  }

  /** @return how many documents the query returned */
  int check(Random random, List<String> ids, Filtering filtering, Reference reference, CombineMode mode) throws Exception {
    String ref = ids.get(random.nextInt(ids.size()));
    String text = SyntheticImages.text(random);
    int topK = 1 + random.nextInt(random.nextBoolean() ? 5 : 40);
    // the mode asked for, or left to the query's inputs: a text alone is text, a reference alone image
    // zero-shot: the bundle's prompt, or one the query gives (which then implies combine=inversion)
    String template = mode == CombineMode.INVERSION && random.nextBoolean() ? QUERY_TEMPLATE : null;
    // the bundle has a Combiner: the sum and zero-shot by the bundle's prompt are asked for by name
    boolean explicit = random.nextBoolean() || mode == CombineMode.SUM || (mode == CombineMode.INVERSION && template == null);
    boolean keepRef = reference == Reference.DOCUMENT && random.nextInt(5) == 0;
    String color = SyntheticImages.COLORS[random.nextInt(3)];
    int rows = 1 + random.nextInt(topK + 5);

    float[] textFeatures = encoder.encodeText(text);
    float[][] refFeatures = {rawVectors.get(ref)};
    float[] vector =
        switch (mode) {
          case TEXT -> textFeatures;
          case IMAGE -> rawVectors.get(ref);
          case INVERSION -> encoder.zeroShot(refFeatures, List.of(text), template == null ? null : PromptTemplate.query(template)).vector(0);
          default -> encoder.combine(refFeatures, new float[][] {textFeatures}, mode).vector(0);
        };
    if (mode == CombineMode.IMAGE && !explicit) {
      text = ""; // "more like this": a reference and no text
    }

    ModifiableSolrParams cir = new ModifiableSolrParams();
    ModifiableSolrParams knn = new ModifiableSolrParams();
    for (ModifiableSolrParams p : List.of(cir, knn)) {
      p.set("rows", rows);
      p.set("fl", "id,score");
      p.set("pf", "color_s:" + color);
      p.set("sf", "size_i:[0 TO 6]");
    }
    String cirFilter = "";
    String knnFilter = "";
    String exclusion = keepRef || reference != Reference.DOCUMENT ? null : "-id:" + ref;
    switch (filtering) {
      case NONE -> {
        if (exclusion != null) {
          knn.add("fq", exclusion);
        }
      }
      case FQ -> {
        boolean both = random.nextBoolean();
        for (ModifiableSolrParams p : List.of(cir, knn)) {
          p.add("fq", "{!v=$pf}");
          if (both) {
            p.add("fq", "{!v=$sf}");
          }
        }
        if (exclusion != null) {
          knn.add("fq", exclusion);
        }
      }
      case PRE_FILTER -> {
        for (ModifiableSolrParams p : List.of(cir, knn)) {
          p.add("fq", "{!v=$sf}"); // a post-filter now: preFilter replaces the fq as pre-filter
        }
        cirFilter = " preFilter=$pf";
        knn.set("xf", exclusion == null ? "*:*" : exclusion);
        knnFilter = " preFilter=$pf preFilter=$xf";
      }
      case INCLUDE_TAGS -> {
        for (ModifiableSolrParams p : List.of(cir, knn)) {
          p.add("fq", "{!tag=c v=$pf}");
          p.add("fq", "{!tag=s v=$sf}");
        }
        cirFilter = " includeTags=c";
        knnFilter = " includeTags=c,x";
        if (exclusion != null) {
          knn.add("fq", "{!tag=x}" + exclusion);
        }
      }
      case EXCLUDE_TAGS -> {
        for (ModifiableSolrParams p : List.of(cir, knn)) {
          p.add("fq", "{!tag=c v=$pf}");
          p.add("fq", "{!tag=s v=$sf}");
        }
        cirFilter = " excludeTags=s";
        knnFilter = " excludeTags=s";
        if (exclusion != null) {
          knn.add("fq", exclusion);
        }
      }
    }
    String source =
        switch (reference) {
          case DOCUMENT -> " ref=" + ref;
          case VECTOR -> " refVector=$rv";
          case IMAGE -> " refImage=$img";
          case NONE -> "";
        };
    if (reference == Reference.VECTOR) {
      cir.set("rv", FusedVector.format(rawVectors.get(ref)));
    } else if (reference == Reference.IMAGE) {
      cir.set("img", Base64.getEncoder().encodeToString(images.get(ref)));
    }
    String zeroShot = template == null ? "" : random.nextBoolean() ? " template='" + template + "'" : " template=$tpl";
    if (zeroShot.endsWith("$tpl")) {
      cir.set("tpl", template);
    }
    cir.set("q", "{!cir f=clip_vector topK=" + topK + source + (explicit ? " combine=" + mode.id() : "") + zeroShot
        + (keepRef ? " keepRef=true" : "") + cirFilter + "}" + text);
    knn.set("q", "{!knn f=clip_vector topK=" + topK + knnFilter + "}" + FusedVector.format(vector));

    QueryResponse a = client.query(collection, cir, SolrRequest.METHOD.POST);
    QueryResponse b = client.query(collection, knn);
    String what = filtering + " " + cir.get("q");
    assertEquals(what, b.getResults().getNumFound(), a.getResults().getNumFound());
    assertEquals(what + "\n" + scored(b) + "\n" + scored(a), ids(b), ids(a));
    for (int i = 0; i < a.getResults().size(); i++) {
      float sa = (Float) a.getResults().get(i).getFieldValue("score");
      float sb = (Float) b.getResults().get(i).getFieldValue("score");
      assertEquals(what + " score " + i, Float.floatToIntBits(sb), Float.floatToIntBits(sa));
    }
    if (exclusion != null) {
      assertFalse(what, ids(a).contains(ref));
    }
    return a.getResults().size();
  }

  static String scored(QueryResponse r) {
    StringBuilder s = new StringBuilder();
    for (SolrDocument d : r.getResults()) {
      s.append(d.getFieldValue("id")).append('=').append(d.getFieldValue("score")).append(' ');
    }
    return s.toString();
  }

  static List<String> ids(QueryResponse r) {
    List<String> out = new ArrayList<>();
    for (SolrDocument d : r.getResults()) {
      out.add((String) d.getFieldValue("id"));
    }
    return out;
  }
}
