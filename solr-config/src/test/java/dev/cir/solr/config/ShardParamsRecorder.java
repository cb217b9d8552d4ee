package dev.cir.solr.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.solr.common.params.ModifiableSolrParams;
import org.apache.solr.common.params.ShardParams;
import org.apache.solr.handler.component.ResponseBuilder;
import org.apache.solr.handler.component.SearchComponent;

/** Keeps a copy of the parameters of every shard request a core receives: what the shards were sent. */
public class ShardParamsRecorder extends SearchComponent {
  static final List<ModifiableSolrParams> RECEIVED = Collections.synchronizedList(new ArrayList<>());

  @Override
  public void prepare(ResponseBuilder rb) {
    if (rb.req.getParams().getBool(ShardParams.IS_SHARD, false)) {
      RECEIVED.add(new ModifiableSolrParams(rb.req.getParams()));
    }
  }

  @Override
  public void process(ResponseBuilder rb) {}

  /** The shard requests received since the last call, emptied. */
  static List<ModifiableSolrParams> take() {
    synchronized (RECEIVED) {
      List<ModifiableSolrParams> out = new ArrayList<>(RECEIVED);
      RECEIVED.clear();
      return out;
    }
  }

  @Override
  public String getDescription() {
    return "records the parameters of shard requests (tests)";
  }
}
