package dev.cir.solr.update.processor;

import dev.cir.solr.search.CirQParserPlugin;
import java.nio.file.Path;
import org.apache.solr.common.SolrException;
import org.apache.solr.common.SolrException.ErrorCode;
import org.apache.solr.common.params.SolrParams;
import org.apache.solr.common.util.NamedList;
import org.apache.solr.core.SolrCore;
import org.apache.solr.request.SolrQueryRequest;
import org.apache.solr.response.SolrQueryResponse;
import org.apache.solr.update.processor.UpdateRequestProcessor;
import org.apache.solr.update.processor.UpdateRequestProcessorFactory;
import org.apache.solr.util.plugin.SolrCoreAware;

/**
 * Encodes each added document's image into its vector field.
 *
 * <pre>{@code
 * <updateRequestProcessorChain name="cir" default="true">
 *   <processor class="solr.TolerantUpdateProcessorFactory"><int name="maxErrors">-1</int></processor>
 *   <processor class="dev.cir.solr.update.processor.CirImageEncoderProcessorFactory">
 *     <str name="vectorField">clip_vector</str>
 *     <str name="bytesField">image_bytes</str>   <!-- the image itself: bytes, or base64 text -->
 *     <str name="pathField">image_path</str>     <!-- or a file under baseDir -->
 *     <str name="baseDir">${cir.image.dir:}</str>
 *     <str name="bundle">default</str>
 *   </processor>
 *   <processor class="solr.LogUpdateProcessorFactory"/>
 *   <processor class="solr.DistributedUpdateProcessorFactory"/>
 *   <processor class="solr.RunUpdateProcessorFactory"/>
 * </updateRequestProcessorChain>
 * }</pre>
 *
 * A document that already carries a vector keeps it ({@code cir index} sends vectors it encoded
 * in bulk). A document whose image cannot be read or decoded is rejected with its id and the
 * reason; with the tolerant processor first in the chain, the rest of the batch is indexed and the
 * response lists the rejected ones. Placed before the distributed processor, a document is
 * encoded once, on the node that receives it.
 */
public class CirImageEncoderProcessorFactory extends UpdateRequestProcessorFactory implements SolrCoreAware {
  private String parserName = CirQParserPlugin.NAME;
  private String bundle;
  private String vectorField = "clip_vector";
  private String bytesField = "image_bytes";
  private String pathField = "image_path";
  private boolean keepBytes;
  private ImageBaseDirectory baseDir;
  private String baseDirProblem;
  private CirQParserPlugin plugin;

  @Override
  public void init(NamedList<?> args) {
    SolrParams p = args.toSolrParams();
    parserName = p.get("parser", parserName);
    bundle = p.get("bundle");
    vectorField = p.get("vectorField", vectorField);
    bytesField = p.get("bytesField", bytesField);
    pathField = p.get("pathField", pathField);
    keepBytes = p.getBool("keepBytes", false);
    String dir = p.get("baseDir", "").trim();
    if (!dir.isEmpty()) {
      try {
        baseDir = new ImageBaseDirectory(Path.of(dir));
      } catch (IllegalArgumentException e) {
        // reported with each document that names a path, so the core still loads
        baseDirProblem = e.getMessage();
      }
    } else {
      baseDirProblem = "no image base directory is configured (baseDir of " + getClass().getSimpleName() + ")";
    }
  }

  @Override
  public void inform(SolrCore core) {
    plugin = CirQParserPlugin.of(core, parserName);
    if (core.getLatestSchema().getFieldOrNull(vectorField) == null) {
      throw new SolrException(ErrorCode.SERVER_ERROR, "image encoder: the schema has no field '" + vectorField + "'");
    }
  }

  @Override
  public UpdateRequestProcessor getInstance(SolrQueryRequest req, SolrQueryResponse rsp, UpdateRequestProcessor next) {
    return new CirImageEncoderProcessor(this, next);
  }

  CirQParserPlugin plugin() {
    return plugin;
  }

  String bundle() {
    return bundle;
  }

  String vectorField() {
    return vectorField;
  }

  String bytesField() {
    return bytesField;
  }

  String pathField() {
    return pathField;
  }

  boolean keepBytes() {
    return keepBytes;
  }

  /** @throws IllegalArgumentException when paths cannot be used */
  ImageBaseDirectory baseDir() {
    if (baseDir == null) {
      throw new IllegalArgumentException(baseDirProblem + "; send the image bytes in '" + bytesField + "' instead");
    }
    return baseDir;
  }
}
