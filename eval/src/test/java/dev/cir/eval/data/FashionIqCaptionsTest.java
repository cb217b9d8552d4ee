package dev.cir.eval.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class FashionIqCaptionsTest {
  private static final FashionIqCaptions STYLE = FashionIqCaptions.INSTANCE;

  private static Triplet triplet(String c1, String c2) {
    return new Triplet("dress.val.0", "a", "b", List.of(c1, c2), List.of());
  }

  @Test
  void stripRemovesOnlyDotQuestionCommaAndSpaceFromBothEnds() {
    assertEquals("is red", FashionIqCaptions.strip(" .?,is red, .?"));
    assertEquals("a, b. c", FashionIqCaptions.strip("a, b. c."));
    // Python's strip('.?, ') leaves tabs, newlines and '!' alone
    assertEquals("\tis red!", FashionIqCaptions.strip("\tis red!"));
    assertEquals("is red\n", FashionIqCaptions.strip("is red\n"));
    assertEquals("", FashionIqCaptions.strip(" ., ?"));
  }

  @Test
  void capitalizeUppercasesTheFirstAndLowercasesTheRest() {
    assertEquals("Is red", FashionIqCaptions.capitalize("is red"));
    assertEquals(
        "Is red and has a v-neck", FashionIqCaptions.capitalize("IS Red and has a V-Neck"));
    assertEquals("", FashionIqCaptions.capitalize(""));
    assertEquals("1 strap", FashionIqCaptions.capitalize("1 STRAP"));
    // title case, not upper case, as Python 3.8+ does: U+01C6 'ǆ' becomes U+01C5 'ǅ'
    assertEquals("\u01c5a", FashionIqCaptions.capitalize("\u01c6A"));
  }

  @Test
  void evaluationTextCapitalizesOnlyTheFirstCaption() {
    // validate.py: f"{c1.strip('.?, ').capitalize()} and {c2.strip('.?, ')}"
    assertEquals(
        "Is shorter and has Long Sleeves",
        STYLE.evaluationText(triplet("is SHORTER.", " has Long Sleeves?")));
  }

  @Test
  void trainingVariantsFollowClip4CirOrder() {
    List<String> v = STYLE.trainingVariants(triplet("is Blue.", "has STRIPES"));
    assertEquals(
        List.of("Is blue and has STRIPES", "Has stripes and is Blue", "Is blue", "Has stripes"), v);
  }

  @Test
  void variantThresholdsAreClip4CirsStrictComparisons() {
    assertEquals(0, FashionIqCaptions.variantFor(0.0));
    assertEquals(0, FashionIqCaptions.variantFor(Math.nextDown(0.25)));
    assertEquals(3, FashionIqCaptions.variantFor(0.25));
    assertEquals(1, FashionIqCaptions.variantFor(Math.nextUp(0.25)));
    assertEquals(3, FashionIqCaptions.variantFor(0.5));
    assertEquals(2, FashionIqCaptions.variantFor(0.6));
    assertEquals(3, FashionIqCaptions.variantFor(0.75));
    assertEquals(3, FashionIqCaptions.variantFor(0.99));
  }

  @Test
  void drawsAreUniformOverTheFourVariantsAndSeedable() {
    Triplet t = triplet("a", "b");
    int[] counts = new int[4];
    SplittableRandom random = new SplittableRandom(7);
    int n = 40_000;
    for (int i = 0; i < n; i++) {
      counts[STYLE.drawTrainingVariant(t, random)]++;
    }
    for (int c : counts) {
      assertTrue(Math.abs(c - n / 4) < n / 50, "counts " + java.util.Arrays.toString(counts));
    }
    SplittableRandom a = new SplittableRandom(3);
    SplittableRandom b = new SplittableRandom(3);
    for (int i = 0; i < 100; i++) {
      assertEquals(STYLE.trainingText(t, a), STYLE.trainingText(t, b));
    }
  }

  @Test
  void refusesTripletsWithoutTwoCaptions() {
    Triplet one = Triplet.of("x", "a", "b", "is red");
    assertThrows(IllegalArgumentException.class, () -> STYLE.evaluationText(one));
  }

  @Test
  void alternativeCaptionsUseTheFirstForEvaluationAndDrawNothingForOne() {
    AlternativeCaptions alt = AlternativeCaptions.INSTANCE;
    Triplet one = Triplet.of("x", "a", "b", "Make It Red");
    SplittableRandom random = new SplittableRandom(1);
    SplittableRandom untouched = new SplittableRandom(1);
    assertEquals("Make It Red", alt.evaluationText(one));
    assertEquals("Make It Red", alt.trainingText(one, random));
    assertEquals(untouched.nextLong(), random.nextLong());
    Triplet two = new Triplet("y", "a", "b", List.of("p", "q"), List.of());
    assertEquals("p", alt.evaluationText(two));
    boolean sawQ = false;
    for (int i = 0; i < 64; i++) {
      sawQ |= alt.trainingText(two, random).equals("q");
    }
    assertTrue(sawQ);
  }
}
