package dev.cir.solr.search;

import java.util.ArrayList;
import java.util.List;
import org.apache.solr.common.SolrException;
import org.apache.solr.common.SolrException.ErrorCode;
import org.apache.solr.common.params.CommonParams;
import org.apache.solr.common.params.ModifiableSolrParams;
import org.apache.solr.common.params.ShardParams;
import org.apache.solr.common.util.NamedList;
import org.apache.solr.handler.component.ResponseBuilder;
import org.apache.solr.handler.component.ShardHandler;
import org.apache.solr.handler.component.ShardRequest;
import org.apache.solr.handler.component.ShardResponse;

/**
 * Finds the reference on whichever shard holds it: asks every shard of the request at once (the
 * id need not follow the collection's routing) and takes the live document that answers. A shard
 * answers through {@link CirSearchComponent} in the same request handler.
 */
final class ShardReferenceSource implements ReferenceSource {
  private final ResponseBuilder rb;
  private final String collection;

  ShardReferenceSource(ResponseBuilder rb, String collection) {
    this.rb = rb;
    this.collection = collection;
  }

  @Override
  public Reference find(String id, String vectorField) {
    ShardHandler handler = rb.req.getCoreContainer().getShardHandlerFactory().getShardHandler();
    ShardRequest sreq = new ShardRequest();
    sreq.purpose = ShardRequest.PURPOSE_PRIVATE;
    sreq.shards = rb.shards;
    sreq.actualShards = rb.shards;
    sreq.responses = new ArrayList<>(rb.shards.length);
    ModifiableSolrParams p = new ModifiableSolrParams();
    p.set(CommonParams.Q, "-*:*");
    p.set(CommonParams.ROWS, 0);
    p.set(CommonParams.DISTRIB, false);
    p.set(ShardParams.IS_SHARD, true);
    p.set(CirSearchComponent.LOOKUP_PARAM, id);
    p.set(CirSearchComponent.LOOKUP_FIELD_PARAM, vectorField);
    Object path = rb.req.getContext().get(CommonParams.PATH);
    if (path instanceof String s && s.startsWith("/")) {
      p.set(CommonParams.QT, s);
    }
    sreq.params = p;
    for (String shard : rb.shards) {
      handler.submit(sreq, shard, new ModifiableSolrParams(p));
    }
    handler.takeCompletedIncludingErrors();
    List<String> failed = new ArrayList<>();
    boolean withoutVector = false;
    for (ShardResponse r : sreq.responses) {
      if (r.getException() != null) {
        failed.add(r.getShard() + " (" + r.getException().getMessage() + ")");
        continue;
      }
      NamedList<?> answer = (NamedList<?>) r.getSolrResponse().getResponse().get(CirSearchComponent.LOOKUP_RESPONSE);
      if (answer == null) {
        failed.add(r.getShard() + " (no answer to the reference lookup: is dev.cir.solr.search.CirSearchComponent"
            + " among its request handler's components?)");
        continue;
      }
      String status = (String) answer.get("status");
      if (ReferenceVectorLookup.Status.FOUND.name().equals(status)) {
        List<?> values = (List<?>) answer.get("vector");
        float[] v = new float[values.size()];
        for (int i = 0; i < v.length; i++) {
          v[i] = ((Number) values.get(i)).floatValue();
        }
        return new Reference(v, "document '" + id + "' on " + describe(r), (String) answer.get("model"));
      }
      withoutVector |= ReferenceVectorLookup.Status.NO_VECTOR.name().equals(status);
    }
    if (withoutVector) {
      throw LocalReferenceSource.noVector(id, vectorField);
    }
    if (!failed.isEmpty()) {
      throw new SolrException(
          ErrorCode.SERVICE_UNAVAILABLE,
          "reference document '" + id + "' not found on the shards that answered; " + failed.size() + " of "
              + rb.shards.length + " did not: " + String.join(", ", failed) + "; retry when they are back");
    }
    throw LocalReferenceSource.notFound(id, collection);
  }

  /** The shard's name (in SolrCloud) and the replica that answered. */
  private String describe(ShardResponse r) {
    String name = r.getShard();
    if (rb.slices != null) {
      for (int i = 0; i < rb.shards.length && i < rb.slices.length; i++) {
        if (rb.shards[i].equals(r.getShard()) && rb.slices[i] != null) {
          name = rb.slices[i];
        }
      }
    }
    String address = r.getShardAddress();
    return address == null || address.equals(name) ? name : name + " (" + address + ")";
  }
}
