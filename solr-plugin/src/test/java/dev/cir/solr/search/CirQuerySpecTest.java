package dev.cir.solr.search;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cir.clip.encoder.CombineMode;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import org.apache.solr.common.SolrException;
import org.apache.solr.common.params.ModifiableSolrParams;
import org.apache.solr.common.util.ContentStream;
import org.apache.solr.common.util.ContentStreamBase;
import org.junit.jupiter.api.Test;

class CirQuerySpecTest {
  static final CirQuerySpec.Defaults DEFAULTS = new CirQuerySpec.Defaults("clip_vector", 10, 100, 1000);

  static ModifiableSolrParams local(String... kv) {
    ModifiableSolrParams p = new ModifiableSolrParams();
    for (int i = 0; i < kv.length; i += 2) {
      p.add(kv[i], kv[i + 1]);
    }
    return p;
  }

  static CirQuerySpec parse(String... kv) {
    return CirQuerySpec.parse(local(kv), DEFAULTS);
  }

  static String rejected(String... kv) {
    SolrException e = assertThrows(SolrException.class, () -> parse(kv).mode(true));
    assertEquals(400, e.code(), e.getMessage());
    return e.getMessage();
  }

  static String base64(byte[] b) {
    return Base64.getEncoder().encodeToString(b);
  }

  @Test
  void parsesEveryParameter() {
    CirQuerySpec s = parse("f", "vec", "topK", "7", "bundle", "b", "ref", "x", "combine", "SUM", "keepRef", "true", "v", "w3 w4");
    assertEquals(new CirQuerySpec.Search("vec", 7, null), s.search(), "keepRef: nothing is excluded");
    assertEquals("b", s.bundle());
    assertEquals(new QueryReference.Document("x"), s.reference());
    assertEquals(CombineMode.SUM, s.combine());
    assertEquals("w3 w4", s.text());
    assertEquals("x", parse("ref", "x", "v", "t").search().excludedId());

    CirQuerySpec d = CirQuerySpec.parse(local("refVector", "[1, -2.5,3e-2]"), new CirQuerySpec.Defaults("clip_vector", 10, 5, 1000));
    assertEquals("clip_vector", d.search().field());
    assertEquals(5, d.search().topK(), "the default topK never exceeds the maximum");
    assertNull(d.search().excludedId());
    assertArrayEquals(new float[] {1f, -2.5f, 0.03f}, ((QueryReference.Features) d.reference()).vector());
    assertEquals("", d.text());
  }

  @Test
  void theModeFollowsWhatTheQueryHolds() {
    assertEquals(CombineMode.COMBINER, parse("ref", "a", "v", "red").mode(true));
    assertEquals(CombineMode.SUM, parse("ref", "a", "v", "red").mode(false), "a bundle without a Combiner sums");
    assertEquals(CombineMode.TEXT, parse("v", "red dress").mode(true));
    assertEquals(CombineMode.IMAGE, parse("ref", "a").mode(true));
    assertEquals(CombineMode.IMAGE, parse("ref", "a", "v", "  ").mode(true), "a blank text is no text");
    assertEquals(CombineMode.TEXT, parse("ref", "a", "v", "red", "combine", "text").mode(true), "the text-only baseline");
    assertEquals(CombineMode.IMAGE, parse("ref", "a", "v", "red", "combine", "image").mode(true), "the image-only baseline");
    assertEquals(CombineMode.SUM, parse("ref", "a", "combine", "sum").mode(true), "the sum takes an empty text");
    // an explicit mode the query cannot serve says what is missing
    assertTrue(rejected("v", "x", "combine", "combiner").contains("needs a reference image"));
    assertTrue(rejected("v", "x", "combine", "sum").contains("needs a reference image"));
    assertTrue(rejected("v", "x", "combine", "image").contains("needs a reference image"));
    assertTrue(rejected("ref", "a", "combine", "combiner").contains("the text is empty"));
    assertTrue(rejected("ref", "a", "combine", "text").contains("combine=text needs a text"));
    assertTrue(rejected().contains("needs a reference image, a text, or both"));
  }

  @Test
  void zeroShotQueriesTakeATemplateAndNeedAReferenceAndAText() {
    CirQuerySpec z = parse("ref", "a", "combine", "inversion", "v", "is red");
    assertEquals(CombineMode.INVERSION, z.mode(true, true));
    assertNull(z.template(), "no template: the bundle's");
    CirQuerySpec t = parse("ref", "a", "template", "a shirt like $ but {text}", "v", "is red");
    assertEquals(CombineMode.INVERSION, t.combine(), "a template asks for the zero-shot prompt");
    assertEquals("a shirt like $ but {text}", t.template().template());
    assertTrue(t.toString().contains("template='a shirt like $ but {text}'"), t.toString());
    assertEquals(CombineMode.INVERSION, parse("ref", "a", "v", "red").mode(false, true), "no Combiner, φ: zero-shot");
    assertEquals(CombineMode.COMBINER, parse("ref", "a", "v", "red").mode(true, true), "the Combiner first");
    assertEquals(CombineMode.TEXT, parse("v", "red").mode(false, true), "a text alone stays text");

    assertTrue(rejected("v", "x", "combine", "inversion").contains("needs a reference image"));
    assertTrue(rejected("ref", "a", "combine", "inversion").contains("the text is empty"));
    String noSlot = rejected("ref", "a", "template", "a photo of $", "v", "red");
    assertTrue(noSlot.contains("no {text}") && noSlot.contains("template"), noSlot);
    String noPlaceholder = rejected("ref", "a", "template", "a photo that {text}", "v", "red");
    assertTrue(noPlaceholder.contains("exactly once"), noPlaceholder);
    assertTrue(rejected("ref", "a", "template", "$ and $ {text}", "v", "red").contains("exactly once"));
    assertTrue(rejected("ref", "a", "template", "$ {text} {text}", "v", "red").contains("{text} 2 times"));
    String otherMode = rejected("ref", "a", "combine", "sum", "template", "$ that {text}", "v", "red");
    assertTrue(otherMode.contains("combine=inversion") && otherMode.contains("combine=sum"), otherMode);
  }

  @Test
  void everyMistakeIsA400SayingWhatToFix() {
    assertTrue(rejected("ref", "a", "refVector", "[1]").contains("gives ref and refVector"));
    assertTrue(rejected("ref", "a", "topK", "0").contains("between 1 and 100"));
    assertTrue(rejected("ref", "a", "topK", "101").contains("maxTopK"));
    assertTrue(rejected("ref", "a", "topK", "ten").contains("whole number"));
    assertTrue(rejected("ref", "a", "combine", "mean").contains("combine=") && rejected("ref", "a", "combine", "mean").contains("image"));
    assertTrue(rejected("ref", "a", "keepRef", "yes").contains("true or false"));
    assertTrue(rejected("refVector", "1,2").contains("[f1,f2,...]"));
    assertTrue(rejected("refVector", "[]").contains("empty"));
    assertTrue(rejected("refVector", "[1,x]").contains("element 1"));
    assertTrue(rejected("refVector", "[1,NaN]").contains("not finite"));
    assertTrue(rejected("ref", "").contains("empty"));
    assertTrue(rejected("ref", "a", "v", "red {!lucene}*:*").contains("local params"));
    assertTrue(rejected("ref", "{!join from=a to=b}x", "v", "red").contains("local params"));
  }

  @Test
  void refImageTakesBothAlphabetsWithOrWithoutPadding() {
    Random r = new Random(3);
    for (int n = 1; n < 40; n++) {
      byte[] b = new byte[n];
      r.nextBytes(b);
      String digest = ReferenceImages.digest(b);
      for (String text :
          List.of(
              Base64.getEncoder().encodeToString(b), Base64.getEncoder().withoutPadding().encodeToString(b),
              Base64.getUrlEncoder().encodeToString(b), Base64.getUrlEncoder().withoutPadding().encodeToString(b),
              Base64.getMimeEncoder(8, "\r\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(b),
              "data:image/png;base64," + Base64.getEncoder().encodeToString(b),
              Base64.getEncoder().encodeToString(b).replace('+', ' '))) {
        QueryReference.Image image = assertInstanceOf(QueryReference.Image.class, parse("refImage", text).reference());
        assertArrayEquals(b, image.bytes(), text);
        assertEquals(digest, image.digest());
        assertEquals(text, image.text(), "the text as sent, to keep it from the shards");
      }
    }
  }

  @Test
  void aBadRefImageIsA400SayingWhatToFix() {
    assertTrue(rejected("refImage", "").contains("refImage is empty"));
    assertTrue(rejected("refImage", "   ").contains("refImage is empty"));
    assertTrue(rejected("refImage", "not base64 at all!").contains("refImage is not base64"));
    assertTrue(rejected("refImage", "ab+c-d").contains("mixes the standard base64 alphabet"));
    assertTrue(rejected("refImage", "data:image/png,abc").contains("not a base64 one"));
    assertTrue(rejected("refImage", "=").contains("not base64"));
    String big = base64(new byte[1001]);
    assertTrue(rejected("refImage", big).contains("1001 bytes, more than maxImageBytes (1000)"), rejected("refImage", big));
    // refused from its length alone, before a copy is made
    assertTrue(rejected("refImage", "A".repeat(10_000)).contains("about 7500 bytes"));
    assertEquals(1000, ((QueryReference.Image) parse("refImage", base64(new byte[1000])).reference()).bytes().length);
    assertTrue(rejected("ref", "a", "refImage", base64(new byte[] {1})).contains("gives ref and refImage (refImage)"));
  }

  @Test
  void aFilePartOrRequestParameterNamedRefImageIsTheReferenceToo() {
    byte[] png = {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3};
    ContentStreamBase.ByteArrayStream part = new ContentStreamBase.ByteArrayStream(png, "photo.png", "image/png");
    part.setName("refImage");
    ContentStreamBase.ByteArrayStream other = new ContentStreamBase.ByteArrayStream(new byte[] {1}, "x", "text/plain");
    other.setName("somethingElse");
    List<ContentStream> parts = List.of(other, part);
    CirQuerySpec s = CirQuerySpec.parse(local("v", "make it red"), DEFAULTS, new ModifiableSolrParams(), parts);
    QueryReference.Image image = assertInstanceOf(QueryReference.Image.class, s.reference());
    assertArrayEquals(png, image.bytes());
    assertEquals("file part 'refImage' (photo.png)", image.origin());
    assertNull(image.text(), "a file part is not in the parameters the shards receive");
    assertEquals(CombineMode.COMBINER, s.mode(true));

    ModifiableSolrParams request = local("refImage", base64(png));
    CirQuerySpec byParam = CirQuerySpec.parse(local("v", "red"), DEFAULTS, request, List.of());
    assertArrayEquals(png, ((QueryReference.Image) byParam.reference()).bytes());
    // refImage=$refImage: the same parameter, one reference
    CirQuerySpec same = CirQuerySpec.parse(local("v", "red", "refImage", request.get("refImage")), DEFAULTS, request, List.of());
    assertArrayEquals(png, ((QueryReference.Image) same.reference()).bytes());

    SolrException two =
        assertThrows(SolrException.class, () -> CirQuerySpec.parse(local("ref", "doc1", "v", "red"), DEFAULTS, new ModifiableSolrParams(), parts));
    assertEquals(400, two.code());
    assertTrue(two.getMessage().contains("gives ref and refImage (file part 'refImage' (photo.png))"), two.getMessage());
    ContentStreamBase.ByteArrayStream empty = new ContentStreamBase.ByteArrayStream(new byte[0], "e.png", "image/png");
    empty.setName("refImage");
    SolrException e =
        assertThrows(SolrException.class, () -> CirQuerySpec.parse(local("v", "red"), DEFAULTS, new ModifiableSolrParams(), List.of(empty)));
    assertTrue(e.getMessage().contains("file part 'refImage' (e.png) is empty"), e.getMessage());
    ContentStreamBase.ByteArrayStream large = new ContentStreamBase.ByteArrayStream(new byte[1001], "l.png", "image/png");
    large.setName("refImage");
    e = assertThrows(SolrException.class, () -> CirQuerySpec.parse(local("v", "red"), DEFAULTS, new ModifiableSolrParams(), List.of(large)));
    assertTrue(e.getMessage().contains("more than maxImageBytes (1000)"), e.getMessage());
  }

  @Test
  void aShippedVectorServesOnlyTheQueryItWasMadeFor() {
    float[] v = {1f, 2f, -3f};
    FusedVector f = new FusedVector(v, CombineMode.TEXT, Float.NaN, "b", "none", "none", false, null, null, new FusedVector.Timings(0, 0, 0, 0));
    ModifiableSolrParams p = new ModifiableSolrParams();
    f.shipTo(p, "{!cir}red");
    assertArrayEquals(v, FusedVector.shipped(p, "{!cir}red"));
    assertNull(FusedVector.shipped(p, "{!cir}red "));
    assertNull(FusedVector.shipped(p, "{!cir}blue"));
    assertNull(FusedVector.shipped(new ModifiableSolrParams(), "{!cir}red"));
    assertNotEquals(FusedVector.key("a"), FusedVector.key("b"));
  }

  @Test
  void vectorsRoundTripExactlyThroughTheirText() {
    Random r = new Random(7);
    float[] v = new float[512];
    for (int i = 0; i < v.length; i++) {
      v[i] = Float.intBitsToFloat(r.nextInt()) % 1e3f;
      if (!Float.isFinite(v[i])) {
        v[i] = r.nextFloat();
      }
    }
    assertArrayEquals(v, CirQuerySpec.vector(FusedVector.format(v)));
  }
}
