package dev.cir.solr.search;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cir.clip.encoder.CombineMode;
import org.apache.solr.common.SolrException;
import org.apache.solr.common.params.ModifiableSolrParams;
import org.junit.jupiter.api.Test;

class CirQuerySpecTest {
  static ModifiableSolrParams local(String... kv) {
    ModifiableSolrParams p = new ModifiableSolrParams();
    for (int i = 0; i < kv.length; i += 2) {
      p.add(kv[i], kv[i + 1]);
    }
    return p;
  }

  static String rejected(String... kv) {
    SolrException e = assertThrows(SolrException.class, () -> CirQuerySpec.parse(local(kv), "clip_vector", 100));
    assertEquals(400, e.code(), e.getMessage());
    return e.getMessage();
  }

  @Test
  void parsesEveryParameter() {
    CirQuerySpec s =
        CirQuerySpec.parse(local("f", "vec", "topK", "7", "bundle", "b", "ref", "x", "combine", "SUM", "keepRef", "true", "v", "w3 w4"), "clip_vector", 100);
    assertEquals("vec", s.field());
    assertEquals(7, s.topK());
    assertEquals("b", s.bundle());
    assertEquals("x", s.ref());
    assertNull(s.refVector());
    assertEquals(CombineMode.SUM, s.combine());
    assertTrue(s.keepRef());
    assertEquals("w3 w4", s.text());

    CirQuerySpec d = CirQuerySpec.parse(local("refVector", "[1, -2.5,3e-2]"), "clip_vector", 5);
    assertEquals("clip_vector", d.field());
    assertEquals(5, d.topK(), "the default topK never exceeds the maximum");
    assertEquals(100, CirQuerySpec.parse(local("ref", "a"), "f", 100, 1000).topK());
    assertArrayEquals(new float[] {1f, -2.5f, 0.03f}, d.refVector());
    assertEquals(CombineMode.COMBINER, d.combineFor(true));
    assertEquals(CombineMode.SUM, d.combineFor(false));
    assertEquals("", d.text());
  }

  @Test
  void everyMistakeIsA400SayingWhatToFix() {
    assertTrue(rejected("v", "x").contains("ref=ID"));
    assertTrue(rejected("ref", "a", "refVector", "[1]").contains("either ref or refVector"));
    assertTrue(rejected("ref", "a", "topK", "0").contains("between 1 and 100"));
    assertTrue(rejected("ref", "a", "topK", "101").contains("maxTopK"));
    assertTrue(rejected("ref", "a", "topK", "ten").contains("whole number"));
    assertTrue(rejected("ref", "a", "combine", "image").contains("combine=sum"));
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
  void theKeyChangesWithEveryInputOfTheVectorAndOnlyWithThem() {
    String base = CirQuerySpec.parse(local("ref", "a", "v", "red"), "f", 100).key();
    assertEquals(base, CirQuerySpec.parse(local("ref", "a", "v", "red", "topK", "9", "keepRef", "true"), "f", 100).key());
    for (String[] other :
        new String[][] {{"ref", "b", "v", "red"}, {"ref", "a", "v", "red "}, {"ref", "a", "v", "red", "bundle", "x"},
          {"ref", "a", "v", "red", "combine", "sum"}, {"refVector", "[1]", "v", "red"}, {"ref", "a", "v", "red", "f", "g"}}) {
      assertNotEquals(base, CirQuerySpec.parse(local(other), "f", 100).key(), String.join(" ", other));
    }
  }

  @Test
  void vectorsRoundTripExactlyThroughTheirText() {
    java.util.Random r = new java.util.Random(7);
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
