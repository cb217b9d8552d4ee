package dev.cir.clip.encoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslatorContext;
import java.util.Arrays;

/**
 * What each tower's predictor is fed and what it gives back: Java rows in, one engine batch through
 * the block, rows of floats out. The arrays they create belong to the predictor's per-call manager
 * and go when the call returns.
 */
final class Translators {
  private Translators() {}

  /** One zero-shot query for the inversion tower: its prompt's tokens, the placeholder's position, the reference. */
  record ZeroShotRow(long[] tokens, int position, float[] image) {}

  /** The rows of a [n, ...] array as float32, one row per first index. */
  static float[][] rows(NDArray a) {
    long[] shape = a.getShape().getShape();
    int n = (int) shape[0];
    int d = (int) (a.size() / Math.max(1, n));
    float[] flat = a.toType(DataType.FLOAT32, false).toFloatArray();
    float[][] out = new float[n][];
    for (int i = 0; i < n; i++) {
      out[i] = Arrays.copyOfRange(flat, i * d, (i + 1) * d);
    }
    return out;
  }

  private static NDArray matrix(NDManager m, float[][] rows) {
    int d = rows[0].length;
    float[] flat = new float[rows.length * d];
    for (int i = 0; i < rows.length; i++) {
      System.arraycopy(rows[i], 0, flat, i * d, d);
    }
    return m.create(flat, new Shape(rows.length, d));
  }

  /** A batch of preprocessed images → the image tower. */
  static final class Pixels implements NoBatchifyTranslator<float[][], float[][]> {
    private final int resolution;

    Pixels(int resolution) {
      this.resolution = resolution;
    }

    @Override
    public NDList processInput(TranslatorContext ctx, float[][] batch) {
      int per = 3 * resolution * resolution;
      float[] flat = new float[batch.length * per];
      for (int i = 0; i < batch.length; i++) {
        System.arraycopy(batch[i], 0, flat, i * per, per);
      }
      NDManager m = ctx.getNDManager();
      return new NDList(m.create(flat, new Shape(batch.length, 3, resolution, resolution)));
    }

    @Override
    public float[][] processOutput(TranslatorContext ctx, NDList list) {
      return rows(list.singletonOrThrow());
    }
  }

  /** A batch of token rows → the text tower. */
  static final class Tokens implements NoBatchifyTranslator<long[][], float[][]> {
    @Override
    public NDList processInput(TranslatorContext ctx, long[][] batch) {
      int n = batch[0].length;
      long[] flat = new long[batch.length * n];
      for (int i = 0; i < batch.length; i++) {
        System.arraycopy(batch[i], 0, flat, i * n, n);
      }
      return new NDList(ctx.getNDManager().create(flat, new Shape(batch.length, n)));
    }

    @Override
    public float[][] processOutput(TranslatorContext ctx, NDList list) {
      return rows(list.singletonOrThrow());
    }
  }

  /** (image rows, text rows) → Combiner → rows of [combined..., λ]. */
  static final class Combine implements NoBatchifyTranslator<float[][][], float[][]> {
    @Override
    public NDList processInput(TranslatorContext ctx, float[][][] pair) {
      NDManager m = ctx.getNDManager();
      return new NDList(matrix(m, pair[0]), matrix(m, pair[1]));
    }

    @Override
    public float[][] processOutput(TranslatorContext ctx, NDList list) {
      return rows(list.get(0).concat(list.get(1), 1));
    }
  }

  /** Zero-shot rows → (tokens [b, n], positions [b], image features [b, d]) → the inversion tower. */
  static final class ZeroShot implements NoBatchifyTranslator<ZeroShotRow[], float[][]> {
    @Override
    public NDList processInput(TranslatorContext ctx, ZeroShotRow[] batch) {
      NDManager m = ctx.getNDManager();
      int n = batch[0].tokens().length;
      int d = batch[0].image().length;
      long[] tokens = new long[batch.length * n];
      long[] positions = new long[batch.length];
      float[] image = new float[batch.length * d];
      for (int i = 0; i < batch.length; i++) {
        System.arraycopy(batch[i].tokens(), 0, tokens, i * n, n);
        positions[i] = batch[i].position();
        System.arraycopy(batch[i].image(), 0, image, i * d, d);
      }
      return new NDList(
          m.create(tokens, new Shape(batch.length, n)), m.create(positions), m.create(image, new Shape(batch.length, d)));
    }

    @Override
    public float[][] processOutput(TranslatorContext ctx, NDList list) {
      return rows(list.singletonOrThrow());
    }
  }
}
