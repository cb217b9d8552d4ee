package dev.cir.solr.codec;

import java.util.Locale;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.lucene99.Lucene99HnswScalarQuantizedVectorsFormat;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;

/**
 * How a float vector field's HNSW graph is stored: over the float vectors themselves, or over
 * scalar-quantized copies (Lucene's {@link Lucene99HnswScalarQuantizedVectorsFormat}) with the raw
 * floats kept beside them for exact rescoring.
 *
 * <ul>
 *   <li>{@code float}: 4 bytes a dimension, exact scores (Solr's default format);
 *   <li>{@code int8}: one byte a dimension, 7 bits of it used (Lucene's default scalar quantization);
 *   <li>{@code int4}: half a byte a dimension (two dimensions a byte), which Lucene requires an even
 *       dimension for.
 * </ul>
 */
public enum VectorFormat {
  FLOAT("float", 32),
  INT8("int8", 7),
  INT4("int4", 4);

  private final String label;
  private final int bits;

  VectorFormat(String label, int bits) {
    this.label = label;
    this.bits = bits;
  }

  public String label() {
    return label;
  }

  public boolean quantized() {
    return this != FLOAT;
  }

  /** {@code float}, {@code int8} or {@code int4} (any case); null or blank is float. */
  public static VectorFormat parse(String s) {
    if (s == null || s.isBlank()) {
      return FLOAT;
    }
    for (VectorFormat f : values()) {
      if (f.label.equals(s.trim().toLowerCase(Locale.ROOT))) {
        return f;
      }
    }
    throw new IllegalArgumentException("vector format must be float, int8 or int4, got '" + s + "'");
  }

  /**
   * The Lucene format of a field of {@code dimension} with the field's HNSW parameters.
   *
   * @throws IllegalArgumentException for int4 with an odd dimension
   */
  KnnVectorsFormat luceneFormat(String field, int dimension, int maxConn, int beamWidth) {
    if (this == FLOAT) {
      return new Lucene99HnswVectorsFormat(maxConn, beamWidth);
    }
    if (this == INT4 && dimension % 2 != 0) {
      throw new IllegalArgumentException(
          "field '" + field + "' has dimension " + dimension + ", but int4 packs two dimensions a byte and needs an even"
              + " dimension; use int8 (or float) for this field");
    }
    return new Lucene99HnswScalarQuantizedVectorsFormat(maxConn, beamWidth, 1, bits, this == INT4, null, null);
  }
}
