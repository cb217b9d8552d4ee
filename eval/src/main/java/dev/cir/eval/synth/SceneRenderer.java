package dev.cir.eval.synth;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.geom.Point2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.util.SplittableRandom;

/**
 * Draws a scene with Java2D, antialiased, on a plain dark background: each object centered in its
 * grid cell, nudged by a small seeded jitter so that the same layout is not always pixel-aligned.
 * Large objects have about twice the radius of small ones and stay inside their cell, so objects
 * never overlap. The same scene, size and seed always give the same pixels.
 */
public final class SceneRenderer {
  static final Color BACKGROUND = new Color(50, 50, 50);

  private final int size;

  /**
   * @param size the width and height in pixels, at least 48 (so the thinnest arm of a small cross
   *     stays over a pixel wide)
   */
  public SceneRenderer(int size) {
    if (size < 48) {
      throw new IllegalArgumentException("image size must be at least 48 pixels, was " + size);
    }
    this.size = size;
  }

  public int size() {
    return size;
  }

  /** The radius of an object of this size, in pixels. */
  double radius(ObjectSize s) {
    return size * (s == ObjectSize.LARGE ? 0.13 : 0.08);
  }

  /** The drawn centers of the scene's objects, in scene order. */
  Point2D.Double[] centers(Scene scene, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    double cell = size / 3.0;
    double jitter = size / 40.0;
    Point2D.Double[] out = new Point2D.Double[scene.size()];
    for (int i = 0; i < out.length; i++) {
      Slot slot = scene.objects().get(i).slot();
      double dx = (random.nextDouble() * 2 - 1) * jitter;
      double dy = (random.nextDouble() * 2 - 1) * jitter;
      out[i] =
          new Point2D.Double((slot.column() + 0.5) * cell + dx, (slot.row() + 0.5) * cell + dy);
    }
    return out;
  }

  public BufferedImage render(Scene scene, long seed) {
    BufferedImage image = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
      g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
      g.setColor(BACKGROUND);
      g.fillRect(0, 0, size, size);
      Point2D.Double[] centers = centers(scene, seed);
      for (int i = 0; i < centers.length; i++) {
        SceneObject o = scene.objects().get(i);
        g.setColor(o.color().awt());
        g.fill(outline(o.shape(), centers[i].x, centers[i].y, radius(o.size())));
      }
    } finally {
      g.dispose();
    }
    return image;
  }

  /** The scene as PNG bytes. */
  public byte[] png(Scene scene, long seed) {
    return PngEncoder.encode(render(scene, seed));
  }

  /** Each shape fills about the same area for one radius, so size reads as size. */
  static java.awt.Shape outline(Shape shape, double cx, double cy, double r) {
    switch (shape) {
      case CIRCLE:
        return new Ellipse2D.Double(cx - r, cy - r, 2 * r, 2 * r);
      case SQUARE:
        return new Rectangle2D.Double(cx - 0.85 * r, cy - 0.85 * r, 1.7 * r, 1.7 * r);
      case TRIANGLE:
        // equilateral, pointing up, centroid on the center
        return polygon(cx, cy, 1.15 * r, 0, 3, -Math.PI / 2);
      case STAR:
        return polygon(cx, cy, 1.1 * r, 0.45 * 1.1 * r, 5, -Math.PI / 2);
      case CROSS:
        double a = 0.34 * r;
        Path2D.Double p = new Path2D.Double();
        p.moveTo(cx - a, cy - r);
        p.lineTo(cx + a, cy - r);
        p.lineTo(cx + a, cy - a);
        p.lineTo(cx + r, cy - a);
        p.lineTo(cx + r, cy + a);
        p.lineTo(cx + a, cy + a);
        p.lineTo(cx + a, cy + r);
        p.lineTo(cx - a, cy + r);
        p.lineTo(cx - a, cy + a);
        p.lineTo(cx - r, cy + a);
        p.lineTo(cx - r, cy - a);
        p.lineTo(cx - a, cy - a);
        p.closePath();
        return p;
      case DIAMOND:
        Path2D.Double d = new Path2D.Double();
        d.moveTo(cx, cy - 1.1 * r);
        d.lineTo(cx + 0.75 * r, cy);
        d.lineTo(cx, cy + 1.1 * r);
        d.lineTo(cx - 0.75 * r, cy);
        d.closePath();
        return d;
      default:
        throw new IllegalArgumentException("no outline for " + shape);
    }
  }

  /**
   * A regular polygon ({@code inner == 0}) or star ({@code inner > 0}) of {@code points} points.
   */
  private static Path2D.Double polygon(
      double cx, double cy, double outer, double inner, int points, double start) {
    Path2D.Double p = new Path2D.Double();
    int vertices = inner > 0 ? 2 * points : points;
    for (int i = 0; i < vertices; i++) {
      double radius = inner > 0 && i % 2 == 1 ? inner : outer;
      double angle = start + i * 2 * Math.PI / vertices;
      double x = cx + radius * Math.cos(angle);
      double y = cy + radius * Math.sin(angle);
      if (i == 0) {
        p.moveTo(x, y);
      } else {
        p.lineTo(x, y);
      }
    }
    p.closePath();
    return p;
  }
}
