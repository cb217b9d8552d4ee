package dev.cir.clip.encoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Dot products of query vectors against a gallery, computed by the engine's matrix product in
 * chunks of queries (a retrieval evaluation is one [queries × d]·[d × gallery] product).
 */
public final class Similarity {
  private static final long CHUNK_ELEMENTS = 16L << 20;

  private Similarity() {}

  /** scores[q][g] = queries[q] · gallery[g]. */
  public static float[][] dot(float[][] queries, float[][] gallery) {
    int n = queries.length;
    float[][] out = new float[n][];
    if (n == 0) {
      return out;
    }
    int g = gallery.length;
    int d = gallery.length > 0 ? gallery[0].length : queries[0].length;
    if (g == 0) {
      for (int i = 0; i < n; i++) {
        out[i] = new float[0];
      }
      return out;
    }
    int chunk = (int) Math.max(1, Math.min(n, CHUNK_ELEMENTS / Math.max(1, g)));
    try (NDManager m = Engines.pytorch().newBaseManager();
        AutoCloseable noGrad = Engines.noGrad()) {
      NDArray galleryT = m.create(flatten(gallery, d), new Shape(g, d)).transpose();
      for (int start = 0; start < n; start += chunk) {
        int end = Math.min(n, start + chunk);
        float[][] part = java.util.Arrays.copyOfRange(queries, start, end);
        try (NDArray q = m.create(flatten(part, d), new Shape(end - start, d));
            NDArray s = q.matMul(galleryT)) {
          float[] flat = s.toFloatArray();
          for (int i = start; i < end; i++) {
            out[i] = java.util.Arrays.copyOfRange(flat, (i - start) * g, (i - start + 1) * g);
          }
        }
      }
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    return out;
  }

  /** Copies of the rows, each scaled to unit length (as {@code F.normalize}). */
  public static float[][] normalizedRows(float[][] rows) {
    float[][] out = new float[rows.length][];
    for (int i = 0; i < rows.length; i++) {
      out[i] = Fusion.normalize(rows[i].clone());
    }
    return out;
  }

  private static float[] flatten(float[][] rows, int d) {
    float[] flat = new float[rows.length * d];
    for (int i = 0; i < rows.length; i++) {
      if (rows[i].length != d) {
        throw new IllegalArgumentException("row " + i + " has dimension " + rows[i].length + ", expected " + d);
      }
      System.arraycopy(rows[i], 0, flat, i * d, d);
    }
    return flat;
  }
}
