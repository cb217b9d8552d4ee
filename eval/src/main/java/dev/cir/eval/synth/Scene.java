package dev.cir.eval.synth;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A canonical scene: 1 to {@value #MAX_OBJECTS} objects on a plain background, each in its own
 * slot, no two of the same shape, kept in slot order. Because the form is canonical, two scenes are
 * equal exactly when they depict the same thing, which is what lets the dataset promise one correct
 * target. Distinct shapes make "the circle" name one object.
 */
public record Scene(List<SceneObject> objects) {
  public static final int MAX_OBJECTS = 3;

  public Scene {
    List<SceneObject> sorted = new ArrayList<>(objects);
    sorted.sort(Comparator.comparing(SceneObject::slot));
    objects = List.copyOf(sorted);
    if (objects.isEmpty() || objects.size() > MAX_OBJECTS) {
      throw new IllegalArgumentException(
          "a scene has 1 to " + MAX_OBJECTS + " objects, not " + objects.size());
    }
    Set<Slot> slots = EnumSet.noneOf(Slot.class);
    Set<Shape> shapes = EnumSet.noneOf(Shape.class);
    for (SceneObject o : objects) {
      if (!slots.add(o.slot())) {
        throw new IllegalArgumentException("two objects " + o.slot().at());
      }
      if (!shapes.add(o.shape())) {
        throw new IllegalArgumentException("two objects are a " + o.shape().word());
      }
    }
  }

  public static Scene of(SceneObject... objects) {
    return new Scene(List.of(objects));
  }

  public int size() {
    return objects.size();
  }

  /** The object of this shape, if any. */
  public Optional<SceneObject> find(Shape shape) {
    return objects.stream().filter(o -> o.shape() == shape).findFirst();
  }

  public boolean has(Shape shape) {
    return find(shape).isPresent();
  }

  public boolean isFree(Slot slot) {
    return objects.stream().noneMatch(o -> o.slot() == slot);
  }

  /** This scene with {@code old} replaced by {@code replacement}. */
  public Scene replace(SceneObject old, SceneObject replacement) {
    List<SceneObject> list = new ArrayList<>(objects);
    list.set(list.indexOf(old), replacement);
    return new Scene(list);
  }

  public Scene without(SceneObject o) {
    List<SceneObject> list = new ArrayList<>(objects);
    list.remove(o);
    return new Scene(list);
  }

  public Scene with(SceneObject o) {
    List<SceneObject> list = new ArrayList<>(objects);
    list.add(o);
    return new Scene(list);
  }

  /** The distinct colors, in palette order. */
  public List<NamedColor> colors() {
    Set<NamedColor> s = EnumSet.noneOf(NamedColor.class);
    objects.forEach(o -> s.add(o.color()));
    return List.copyOf(s);
  }

  /** The shapes, in declaration order. */
  public List<Shape> shapes() {
    Set<Shape> s = EnumSet.noneOf(Shape.class);
    objects.forEach(o -> s.add(o.shape()));
    return List.copyOf(s);
  }

  /** The distinct sizes, small first. */
  public List<ObjectSize> sizes() {
    Set<ObjectSize> s = EnumSet.noneOf(ObjectSize.class);
    objects.forEach(o -> s.add(o.size()));
    return List.copyOf(s);
  }
}
