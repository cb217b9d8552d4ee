package dev.cir.solr.update.processor;

import dev.cir.clip.image.InvalidImageException;
import dev.cir.clip.io.InvalidModelException;
import dev.cir.solr.model.CirModel;
import dev.cir.solr.model.UnknownBundleException;
import dev.cir.solr.search.ReferenceVectorLookup;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.apache.solr.common.SolrException;
import org.apache.solr.common.SolrException.ErrorCode;
import org.apache.solr.common.SolrInputDocument;
import org.apache.solr.update.AddUpdateCommand;
import org.apache.solr.update.processor.UpdateRequestProcessor;

/** Fills one request's documents' vectors; see {@link CirImageEncoderProcessorFactory}. */
final class CirImageEncoderProcessor extends UpdateRequestProcessor {
  private final CirImageEncoderProcessorFactory config;

  CirImageEncoderProcessor(CirImageEncoderProcessorFactory config, UpdateRequestProcessor next) {
    super(next);
    this.config = config;
  }

  @Override
  public void processAdd(AddUpdateCommand cmd) throws IOException {
    SolrInputDocument doc = cmd.getSolrInputDocument();
    Object bytes = doc.getFieldValue(config.bytesField());
    Object path = doc.getFieldValue(config.pathField());
    if (!config.keepBytes()) {
      doc.removeField(config.bytesField());
    }
    if (doc.getFieldValue(config.vectorField()) == null && (bytes != null || path != null)) {
      String id = cmd.getPrintableId();
      try (CirModel.Use use = use(id)) {
        CirModel model = use.model();
        float[] features = encode(model, id, bytes, path);
        List<Float> v = new ArrayList<>(features.length);
        for (float f : features) {
          v.add(f);
        }
        doc.setField(config.vectorField(), v);
        // which image tower made the vector, so a query with another one is refused, not quietly wrong
        if (cmd.getReq().getSchema().getFieldOrNull(ReferenceVectorLookup.MODEL_FIELD) != null) {
          doc.setField(ReferenceVectorLookup.MODEL_FIELD, model.imageFingerprint());
        }
      }
    }
    super.processAdd(cmd);
  }

  private CirModel.Use use(String id) {
    CirModel.Use model;
    try {
      model = config.plugin().bundles().use(config.bundle());
    } catch (UnknownBundleException e) {
      throw new SolrException(ErrorCode.BAD_REQUEST, "document '" + id + "': " + e.getMessage());
    } catch (InvalidModelException | IllegalArgumentException | IllegalStateException e) {
      throw new SolrException(ErrorCode.SERVICE_UNAVAILABLE, "document '" + id + "': the bundle cannot be loaded: " + e.getMessage());
    }
    return model;
  }

  private float[] encode(CirModel model, String id, Object bytes, Object path) {
    try {
      if (bytes != null) {
        return model.encoder().encodeImage(imageBytes(id, bytes), "document '" + id + "'");
      }
      return model.encoder().encodeImage(config.baseDir().resolve(path.toString()));
    } catch (InvalidImageException e) {
      throw new SolrException(ErrorCode.BAD_REQUEST, "document '" + id + "': image cannot be decoded: " + e.getMessage());
    } catch (IllegalArgumentException e) {
      throw new SolrException(ErrorCode.BAD_REQUEST, "document '" + id + "': " + e.getMessage());
    }
  }

  private byte[] imageBytes(String id, Object value) {
    if (value instanceof byte[] b) {
      return b;
    }
    if (value instanceof ByteBuffer buf) {
      byte[] b = new byte[buf.remaining()];
      buf.duplicate().get(b);
      return b;
    }
    if (value instanceof CharSequence s) {
      try {
        return Base64.getMimeDecoder().decode(s.toString());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "field '" + config.bytesField() + "' is text but not base64: " + e.getMessage());
      }
    }
    throw new IllegalArgumentException(
        "field '" + config.bytesField() + "' must hold the image as bytes or base64 text, not " + value.getClass().getSimpleName());
  }
}
