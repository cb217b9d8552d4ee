package dev.cir.eval.synth;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Draws random scenes and random edits of a scene from one seeded {@link SplittableRandom}, so a
 * seed fixes every draw. An edit is drawn only where it applies; {@code null} says a kind has no
 * edit for the scene.
 */
final class SceneSampler {
  private final SplittableRandom random;

  SceneSampler(SplittableRandom random) {
    this.random = random;
  }

  SplittableRandom random() {
    return random;
  }

  /** 1 to 3 objects, uniformly many; distinct shapes and slots; colors and sizes independent. */
  Scene scene() {
    return scene(1 + random.nextInt(Scene.MAX_OBJECTS));
  }

  /**
   * Shares of references with 1, 2 and 3 objects, in fiftieths: 2%, 40%, 58%. There are only 864
   * one-object scenes (6 shapes x 8 colors x 2 sizes x 9 cells) against hundreds of thousands with
   * two objects, and a scene belongs to one split, so a third of 20,000 queries cannot start from
   * them.
   */
  private static final int[] REFERENCE_OBJECTS = {1, 20, 29};

  /**
   * The number of objects of a reference for an edit of {@code kind}: drawn from {@link
   * #REFERENCE_OBJECTS} among the counts the kind applies to (add needs a free cell, remove a
   * second object).
   */
  int referenceObjects(Edit.Kind kind) {
    int lo = kind == Edit.Kind.REMOVE ? 2 : 1;
    int hi = kind == Edit.Kind.ADD ? Scene.MAX_OBJECTS - 1 : Scene.MAX_OBJECTS;
    int total = 0;
    for (int n = lo; n <= hi; n++) {
      total += REFERENCE_OBJECTS[n - 1];
    }
    int r = random.nextInt(total);
    for (int n = lo; n < hi; n++) {
      r -= REFERENCE_OBJECTS[n - 1];
      if (r < 0) {
        return n;
      }
    }
    return hi;
  }

  /** {@code n} objects; distinct shapes and slots; colors and sizes independent. */
  Scene scene(int n) {
    List<Shape> shapes = shuffled(List.of(Shape.values()));
    List<Slot> slots = shuffled(List.of(Slot.values()));
    List<SceneObject> objects = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      objects.add(
          new SceneObject(
              shapes.get(i), pick(NamedColor.values()), pick(ObjectSize.values()), slots.get(i)));
    }
    return new Scene(objects);
  }

  /** An edit of any kind that applies to {@code scene}, the kind drawn uniformly. */
  Edit edit(Scene scene) {
    for (Edit.Kind kind : shuffled(List.of(Edit.Kind.values()))) {
      Edit e = edit(scene, kind);
      if (e != null) {
        return e;
      }
    }
    throw new IllegalStateException("no edit applies to " + scene);
  }

  /** An edit of {@code kind} that applies to {@code scene}, or null when none does. */
  Edit edit(Scene scene, Edit.Kind kind) {
    SceneObject o = pick(scene.objects());
    switch (kind) {
      case RECOLOR:
        return new Edit.Recolor(o.color(), o.shape(), pickOther(NamedColor.values(), o.color()));
      case ADD:
        if (scene.size() >= Scene.MAX_OBJECTS) {
          return null;
        }
        Shape shape = pick(absentShapes(scene));
        Slot slot = pick(freeSlots(scene));
        return new Edit.Add(
            new SceneObject(shape, pick(NamedColor.values()), pick(ObjectSize.values()), slot));
      case REMOVE:
        return scene.size() > 1 ? new Edit.Remove(o.color(), o.shape()) : null;
      case REPLACE:
        return new Edit.Replace(o.shape(), pick(absentShapes(scene)));
      case MOVE:
        return new Edit.Move(o.shape(), pick(freeSlots(scene)));
      case RESIZE:
        return new Edit.Resize(o.shape(), o.size().other());
      default:
        throw new IllegalArgumentException("unknown kind " + kind);
    }
  }

  private static List<Shape> absentShapes(Scene scene) {
    Set<Shape> s = EnumSet.allOf(Shape.class);
    scene.objects().forEach(o -> s.remove(o.shape()));
    return List.copyOf(s);
  }

  private static List<Slot> freeSlots(Scene scene) {
    Set<Slot> s = EnumSet.allOf(Slot.class);
    scene.objects().forEach(o -> s.remove(o.slot()));
    return List.copyOf(s);
  }

  <T> T pick(T[] values) {
    return values[random.nextInt(values.length)];
  }

  <T> T pick(List<T> values) {
    return values.get(random.nextInt(values.size()));
  }

  private <T> T pickOther(T[] values, T not) {
    T v;
    do {
      v = pick(values);
    } while (v == not);
    return v;
  }

  /** A Fisher–Yates shuffle driven by this sampler's generator. */
  <T> List<T> shuffled(List<T> values) {
    List<T> out = new ArrayList<>(values);
    for (int i = out.size() - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      T tmp = out.get(i);
      out.set(i, out.get(j));
      out.set(j, tmp);
    }
    return out;
  }
}
