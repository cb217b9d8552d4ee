package dev.cir.eval.synth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class EditTest {
  private static final SceneObject CIRCLE =
      new SceneObject(Shape.CIRCLE, NamedColor.RED, ObjectSize.LARGE, Slot.TOP_LEFT);
  private static final SceneObject STAR =
      new SceneObject(Shape.STAR, NamedColor.BLUE, ObjectSize.SMALL, Slot.CENTER);
  private static final Scene TWO = Scene.of(CIRCLE, STAR);

  @Test
  void scenesAreCanonical() {
    assertEquals(Scene.of(CIRCLE, STAR), Scene.of(STAR, CIRCLE));
    assertEquals(Slot.TOP_LEFT, Scene.of(STAR, CIRCLE).objects().get(0).slot());
    assertThrows(
        IllegalArgumentException.class, () -> Scene.of(CIRCLE, CIRCLE.withSlot(Slot.LEFT)));
    assertThrows(
        IllegalArgumentException.class, () -> Scene.of(CIRCLE, STAR.withSlot(Slot.TOP_LEFT)));
    assertThrows(IllegalArgumentException.class, Scene::of);
  }

  @Test
  void recolorChangesOnlyTheNamedObjectsColor() {
    Edit e = new Edit.Recolor(NamedColor.RED, Shape.CIRCLE, NamedColor.GREEN);
    assertEquals(Scene.of(CIRCLE.withColor(NamedColor.GREEN), STAR), e.apply(TWO));
    assertFalse(new Edit.Recolor(NamedColor.BLUE, Shape.CIRCLE, NamedColor.GREEN).appliesTo(TWO));
    assertFalse(new Edit.Recolor(NamedColor.RED, Shape.CROSS, NamedColor.GREEN).appliesTo(TWO));
  }

  @Test
  void addNeedsRoomAFreeSlotAndANewShape() {
    SceneObject sq = new SceneObject(Shape.SQUARE, NamedColor.GREEN, ObjectSize.SMALL, Slot.LEFT);
    Scene three = new Edit.Add(sq).apply(TWO);
    assertEquals(Scene.of(CIRCLE, STAR, sq), three);
    assertFalse(new Edit.Add(sq.withShape(Shape.CROSS).withSlot(Slot.BOTTOM)).appliesTo(three));
    assertFalse(new Edit.Add(sq.withSlot(Slot.CENTER)).appliesTo(TWO));
    assertFalse(new Edit.Add(sq.withShape(Shape.STAR)).appliesTo(TWO));
  }

  @Test
  void removeKeepsAtLeastOneObject() {
    assertEquals(Scene.of(STAR), new Edit.Remove(NamedColor.RED, Shape.CIRCLE).apply(TWO));
    assertFalse(new Edit.Remove(NamedColor.BLUE, Shape.STAR).appliesTo(Scene.of(STAR)));
    assertFalse(new Edit.Remove(NamedColor.RED, Shape.STAR).appliesTo(TWO));
  }

  @Test
  void replaceKeepsColorSizeAndPlace() {
    assertEquals(
        Scene.of(CIRCLE.withShape(Shape.DIAMOND), STAR),
        new Edit.Replace(Shape.CIRCLE, Shape.DIAMOND).apply(TWO));
    assertFalse(new Edit.Replace(Shape.CIRCLE, Shape.STAR).appliesTo(TWO));
  }

  @Test
  void moveNeedsAFreeSlotAndResizeAChange() {
    assertEquals(
        Scene.of(CIRCLE.withSlot(Slot.BOTTOM_RIGHT), STAR),
        new Edit.Move(Shape.CIRCLE, Slot.BOTTOM_RIGHT).apply(TWO));
    assertFalse(new Edit.Move(Shape.CIRCLE, Slot.CENTER).appliesTo(TWO));
    assertEquals(
        Scene.of(CIRCLE.withSize(ObjectSize.SMALL), STAR),
        new Edit.Resize(Shape.CIRCLE, ObjectSize.SMALL).apply(TWO));
    assertFalse(new Edit.Resize(Shape.CIRCLE, ObjectSize.LARGE).appliesTo(TWO));
    assertThrows(
        IllegalArgumentException.class,
        () -> new Edit.Resize(Shape.CIRCLE, ObjectSize.LARGE).apply(TWO));
  }

  @Test
  void sampledEditsAlwaysApplyAndChangeTheScene() {
    SceneSampler sampler = new SceneSampler(new SplittableRandom(5));
    int[] kinds = new int[Edit.Kind.values().length];
    for (int i = 0; i < 5000; i++) {
      Scene s = sampler.scene();
      Edit e = sampler.edit(s);
      assertTrue(e.appliesTo(s), e + " on " + s);
      assertFalse(e.apply(s).equals(s), e + " leaves " + s + " as it was");
      kinds[e.kind().ordinal()]++;
    }
    for (Edit.Kind k : Edit.Kind.values()) {
      assertTrue(kinds[k.ordinal()] > 400, k + " drawn " + kinds[k.ordinal()] + " times");
    }
  }
}
