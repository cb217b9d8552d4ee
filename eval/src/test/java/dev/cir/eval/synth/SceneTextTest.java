package dev.cir.eval.synth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SceneTextTest {
  private static final SceneObject RED_CIRCLE =
      new SceneObject(Shape.CIRCLE, NamedColor.RED, ObjectSize.LARGE, Slot.TOP_LEFT);
  private static final SceneObject BLUE_STAR =
      new SceneObject(Shape.STAR, NamedColor.BLUE, ObjectSize.SMALL, Slot.CENTER);
  private static final SceneObject GREEN_SQUARE =
      new SceneObject(Shape.SQUARE, NamedColor.GREEN, ObjectSize.SMALL, Slot.RIGHT);

  @Test
  void captionsListObjectsInReadingOrder() {
    assertEquals("a small blue star in the center", SceneText.caption(Scene.of(BLUE_STAR)));
    assertEquals(
        "a large red circle at the top left and a small blue star in the center",
        SceneText.caption(Scene.of(BLUE_STAR, RED_CIRCLE)));
    assertEquals(
        "a large red circle at the top left, a small blue star in the center and a small green"
            + " square on the right",
        SceneText.caption(Scene.of(GREEN_SQUARE, BLUE_STAR, RED_CIRCLE)));
  }

  @Test
  void instructionsReadAsTheIssueDescribes() {
    assertEquals(
        "make the red circle blue",
        SceneText.instruction(new Edit.Recolor(NamedColor.RED, Shape.CIRCLE, NamedColor.BLUE), 0));
    assertEquals(
        "add a small green square on the left",
        SceneText.instruction(
            new Edit.Add(
                new SceneObject(Shape.SQUARE, NamedColor.GREEN, ObjectSize.SMALL, Slot.LEFT)),
            0));
    assertEquals(
        "remove the yellow triangle",
        SceneText.instruction(new Edit.Remove(NamedColor.YELLOW, Shape.TRIANGLE), 0));
    assertEquals(
        "replace the square with a star",
        SceneText.instruction(new Edit.Replace(Shape.SQUARE, Shape.STAR), 0));
    assertEquals(
        "move the circle to the left",
        SceneText.instruction(new Edit.Move(Shape.CIRCLE, Slot.LEFT), 0));
    assertEquals(
        "make the star large",
        SceneText.instruction(new Edit.Resize(Shape.STAR, ObjectSize.LARGE), 0));
  }

  @Test
  void everyCaptionParsesBackToItsScene() {
    SceneSampler sampler = new SceneSampler(new SplittableRandom(11));
    for (int i = 0; i < 2000; i++) {
      Scene s = sampler.scene();
      assertEquals(s, SceneText.parseCaption(SceneText.caption(s)));
    }
  }

  @Test
  void everyInstructionInEveryPhrasingParsesBackToItsEdit() {
    SceneSampler sampler = new SceneSampler(new SplittableRandom(12));
    Set<String> texts = new HashSet<>();
    for (int i = 0; i < 3000; i++) {
      Scene s = sampler.scene();
      Edit e = sampler.edit(s);
      for (int p = 0; p < SceneText.phrasings(e.kind()); p++) {
        String text = SceneText.instruction(e, p);
        assertEquals(e, SceneText.parseInstruction(text), text);
        texts.add(text);
      }
    }
    // many distinct sentences, not a handful of templates
    assertEquals(true, texts.size() > 2000, "distinct texts: " + texts.size());
  }

  @Test
  void unknownTextIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> SceneText.parseInstruction("make it pop"));
    assertThrows(
        IllegalArgumentException.class,
        () -> SceneText.parseCaption("a huge red circle in the center"));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            SceneText.parseCaption(
                "a small red circle in the center, a small red star on the left"));
  }
}
