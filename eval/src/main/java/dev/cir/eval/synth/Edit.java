package dev.cir.eval.synth;

import java.util.Locale;
import java.util.Objects;

/**
 * A modification as its text states it. Each edit names the object it changes by what the text says
 * ("the red circle", "the square"), so applying the same text to another scene is well defined:
 * that is how the dataset builds negatives that satisfy the text but not the reference. {@link
 * #appliesTo} is true exactly when the text makes sense for a scene and yields a valid scene.
 */
public sealed interface Edit {

  /** The kinds of edit, one per sentence template family. */
  enum Kind {
    RECOLOR,
    ADD,
    REMOVE,
    REPLACE,
    MOVE,
    RESIZE;

    public String word() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  Kind kind();

  /** The shape the text is about: the object changed, or the one added. */
  Shape subject();

  boolean appliesTo(Scene scene);

  /**
   * The scene the text asks for.
   *
   * @throws IllegalArgumentException if the edit does not apply to {@code scene}
   */
  Scene apply(Scene scene);

  private static IllegalArgumentException notApplicable(Edit e, Scene s) {
    return new IllegalArgumentException(e + " does not apply to " + s);
  }

  /** "make the red circle blue". */
  record Recolor(NamedColor from, Shape shape, NamedColor to) implements Edit {
    public Recolor {
      Objects.requireNonNull(shape);
      if (from == to) {
        throw new IllegalArgumentException("recolor to the same color " + to);
      }
    }

    @Override
    public Kind kind() {
      return Kind.RECOLOR;
    }

    @Override
    public Shape subject() {
      return shape;
    }

    @Override
    public boolean appliesTo(Scene s) {
      return s.find(shape).filter(o -> o.color() == from).isPresent();
    }

    @Override
    public Scene apply(Scene s) {
      if (!appliesTo(s)) {
        throw notApplicable(this, s);
      }
      SceneObject o = s.find(shape).orElseThrow();
      return s.replace(o, o.withColor(to));
    }
  }

  /** "add a small green square on the left". */
  record Add(SceneObject object) implements Edit {
    public Add {
      Objects.requireNonNull(object);
    }

    @Override
    public Kind kind() {
      return Kind.ADD;
    }

    @Override
    public Shape subject() {
      return object.shape();
    }

    @Override
    public boolean appliesTo(Scene s) {
      return s.size() < Scene.MAX_OBJECTS && !s.has(object.shape()) && s.isFree(object.slot());
    }

    @Override
    public Scene apply(Scene s) {
      if (!appliesTo(s)) {
        throw notApplicable(this, s);
      }
      return s.with(object);
    }
  }

  /** "remove the yellow triangle"; a scene keeps at least one object. */
  record Remove(NamedColor color, Shape shape) implements Edit {
    public Remove {
      Objects.requireNonNull(color);
      Objects.requireNonNull(shape);
    }

    @Override
    public Kind kind() {
      return Kind.REMOVE;
    }

    @Override
    public Shape subject() {
      return shape;
    }

    @Override
    public boolean appliesTo(Scene s) {
      return s.size() > 1 && s.find(shape).filter(o -> o.color() == color).isPresent();
    }

    @Override
    public Scene apply(Scene s) {
      if (!appliesTo(s)) {
        throw notApplicable(this, s);
      }
      return s.without(s.find(shape).orElseThrow());
    }
  }

  /** "replace the square with a star": the new shape keeps color, size and place. */
  record Replace(Shape from, Shape to) implements Edit {
    public Replace {
      Objects.requireNonNull(from);
      if (from == to) {
        throw new IllegalArgumentException("replace a shape by itself: " + to);
      }
    }

    @Override
    public Kind kind() {
      return Kind.REPLACE;
    }

    @Override
    public Shape subject() {
      return from;
    }

    @Override
    public boolean appliesTo(Scene s) {
      return s.has(from) && !s.has(to);
    }

    @Override
    public Scene apply(Scene s) {
      if (!appliesTo(s)) {
        throw notApplicable(this, s);
      }
      SceneObject o = s.find(from).orElseThrow();
      return s.replace(o, o.withShape(to));
    }
  }

  /** "move the circle to the left": to a free slot. */
  record Move(Shape shape, Slot to) implements Edit {
    public Move {
      Objects.requireNonNull(shape);
      Objects.requireNonNull(to);
    }

    @Override
    public Kind kind() {
      return Kind.MOVE;
    }

    @Override
    public Shape subject() {
      return shape;
    }

    @Override
    public boolean appliesTo(Scene s) {
      return s.has(shape) && s.isFree(to);
    }

    @Override
    public Scene apply(Scene s) {
      if (!appliesTo(s)) {
        throw notApplicable(this, s);
      }
      SceneObject o = s.find(shape).orElseThrow();
      return s.replace(o, o.withSlot(to));
    }
  }

  /** "make the star large": the object is the other size now. */
  record Resize(Shape shape, ObjectSize to) implements Edit {
    public Resize {
      Objects.requireNonNull(shape);
      Objects.requireNonNull(to);
    }

    @Override
    public Kind kind() {
      return Kind.RESIZE;
    }

    @Override
    public Shape subject() {
      return shape;
    }

    @Override
    public boolean appliesTo(Scene s) {
      return s.find(shape).filter(o -> o.size() != to).isPresent();
    }

    @Override
    public Scene apply(Scene s) {
      if (!appliesTo(s)) {
        throw notApplicable(this, s);
      }
      SceneObject o = s.find(shape).orElseThrow();
      return s.replace(o, o.withSize(to));
    }
  }
}
