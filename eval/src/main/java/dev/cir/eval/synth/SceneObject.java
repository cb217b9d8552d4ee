package dev.cir.eval.synth;

import java.util.Objects;

/** One drawn object: what it is (shape, color, size) and where (slot). */
public record SceneObject(Shape shape, NamedColor color, ObjectSize size, Slot slot) {

  public SceneObject {
    Objects.requireNonNull(shape, "shape");
    Objects.requireNonNull(color, "color");
    Objects.requireNonNull(size, "size");
    Objects.requireNonNull(slot, "slot");
  }

  /** "a large red circle in the center". */
  public String phrase() {
    return "a " + size.word() + " " + color.word() + " " + shape.word() + " " + slot.at();
  }

  public SceneObject withColor(NamedColor c) {
    return new SceneObject(shape, c, size, slot);
  }

  public SceneObject withShape(Shape s) {
    return new SceneObject(s, color, size, slot);
  }

  public SceneObject withSize(ObjectSize z) {
    return new SceneObject(shape, color, z, slot);
  }

  public SceneObject withSlot(Slot p) {
    return new SceneObject(shape, color, size, p);
  }
}
