package dev.cir.solr.codec;

import java.util.HashMap;
import java.util.Map;
import org.apache.lucene.codecs.Codec;
import org.apache.lucene.codecs.DocValuesFormat;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.PostingsFormat;
import org.apache.lucene.codecs.lucene912.Lucene912Codec;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;
import org.apache.lucene.index.VectorEncoding;
import org.apache.solr.common.SolrException;
import org.apache.solr.common.SolrException.ErrorCode;
import org.apache.solr.common.util.NamedList;
import org.apache.solr.core.SchemaCodecFactory;
import org.apache.solr.core.SolrCore;
import org.apache.solr.schema.DenseVectorField;
import org.apache.solr.schema.SchemaField;

/**
 * Solr's schema codec, whose float vector fields can keep their HNSW graph over scalar-quantized
 * vectors ({@link VectorFormat}): {@code int8} or {@code int4}, the raw floats kept for {@code
 * {!cir}}'s exact rescoring. Everything else (postings, doc values, a field's {@code hnswMaxConnections}
 * and {@code hnswBeamWidth}) is the schema codec's.
 *
 * <pre>{@code
 * <codecFactory class="dev.cir.solr.codec.CirCodecFactory">
 *   <str name="vectorFormat">int8</str>             <!-- float (default), int8 or int4: every float vector field -->
 *   <str name="vectorFormat.other_vector">float</str>  <!-- one field otherwise -->
 * </codecFactory>
 * }</pre>
 *
 * A collection's format is fixed when it is created: segments written with one format are read
 * with it, but a changed setting only applies to new segments (and a reindex), so change it in a
 * new collection.
 */
public class CirCodecFactory extends SchemaCodecFactory {
  private VectorFormat defaultFormat = VectorFormat.FLOAT;
  private final Map<String, VectorFormat> perField = new HashMap<>();
  private volatile SolrCore core;
  private Codec codec;

  @Override
  public void init(NamedList<?> args) {
    NamedList<Object> rest = new NamedList<>();
    for (Map.Entry<String, ?> e : args) {
      String k = e.getKey();
      try {
        if (k.equals("vectorFormat")) {
          defaultFormat = VectorFormat.parse(String.valueOf(e.getValue()));
        } else if (k.startsWith("vectorFormat.")) {
          perField.put(k.substring("vectorFormat.".length()), VectorFormat.parse(String.valueOf(e.getValue())));
        } else {
          rest.add(k, e.getValue());
        }
      } catch (IllegalArgumentException ex) {
        throw new SolrException(ErrorCode.SERVER_ERROR, "codecFactory " + k + ": " + ex.getMessage());
      }
    }
    super.init(rest);
  }

  @Override
  public void inform(SolrCore core) {
    super.inform(core);
    this.core = core;
    Codec schemaCodec = super.getCodec();
    this.codec = new CirCodec(schemaCodec);
    // refuse what Lucene would refuse later, when the first segment is written: at core load, with the field named
    for (SchemaField f : core.getLatestSchema().getFields().values()) {
      if (f.getType() instanceof DenseVectorField dv && dv.getVectorEncoding() == VectorEncoding.FLOAT32) {
        try {
          format(f.getName()).luceneFormat(f.getName(), dv.getDimension(), 16, 100);
        } catch (IllegalArgumentException e) {
          throw new SolrException(ErrorCode.SERVER_ERROR, "cir codec: " + e.getMessage());
        }
      }
    }
  }

  @Override
  public Codec getCodec() {
    if (codec == null) {
      throw new IllegalStateException("the cir codec is used before its core informed it");
    }
    return codec;
  }

  /** The format of {@code field} as configured (float for fields that are not float vectors). */
  public VectorFormat format(String field) {
    return perField.getOrDefault(field, defaultFormat);
  }

  /**
   * Whether {@code field} of the core whose codec is {@code codec} keeps its graph over quantized
   * vectors (so that {@code {!cir}} rescores its candidates).
   */
  public static VectorFormat formatOf(Codec codec, String field) {
    return codec instanceof CirCodec c ? c.factory().formatFor(field) : VectorFormat.FLOAT;
  }

  private VectorFormat formatFor(String field) {
    SolrCore c = core;
    SchemaField f = c == null ? null : c.getLatestSchema().getFieldOrNull(field);
    if (f == null || !(f.getType() instanceof DenseVectorField dv) || dv.getVectorEncoding() != VectorEncoding.FLOAT32) {
      return VectorFormat.FLOAT;
    }
    return format(field);
  }

  /** The schema codec with the vector formats of {@link VectorFormat}; Lucene's codec name, so no SPI entry is needed. */
  private final class CirCodec extends Lucene912Codec {
    private final Lucene912Codec schema;

    CirCodec(Codec schemaCodec) {
      super(SOLR_DEFAULT_COMPRESSION_MODE);
      this.schema = (Lucene912Codec) schemaCodec;
    }

    CirCodecFactory factory() {
      return CirCodecFactory.this;
    }

    @Override
    public PostingsFormat getPostingsFormatForField(String field) {
      return schema.getPostingsFormatForField(field);
    }

    @Override
    public DocValuesFormat getDocValuesFormatForField(String field) {
      return schema.getDocValuesFormatForField(field);
    }

    @Override
    public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
      VectorFormat f = formatFor(field);
      if (!f.quantized()) {
        return schema.getKnnVectorsFormatForField(field);
      }
      DenseVectorField dv = (DenseVectorField) core.getLatestSchema().getField(field).getType();
      int maxConn = dv.getHnswMaxConn() == null ? Lucene99HnswVectorsFormat.DEFAULT_MAX_CONN : dv.getHnswMaxConn();
      int beam = dv.getHnswBeamWidth() == null ? Lucene99HnswVectorsFormat.DEFAULT_BEAM_WIDTH : dv.getHnswBeamWidth();
      return f.luceneFormat(field, dv.getDimension(), maxConn, beam);
    }
  }
}
