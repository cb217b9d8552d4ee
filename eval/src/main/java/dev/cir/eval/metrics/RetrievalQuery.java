package dev.cir.eval.metrics;

import dev.cir.eval.data.Triplet;
import java.util.List;
import java.util.Objects;

/**
 * What the metrics need of a query: its id, the reference (removed from CIRR rankings), the target
 * (null where withheld) and the candidate members for Recall_subset (empty for none).
 */
public record RetrievalQuery(String id, String reference, String target, List<String> members) {

  public RetrievalQuery {
    Objects.requireNonNull(id, "id");
    members = members == null ? List.of() : List.copyOf(members);
  }

  public static RetrievalQuery of(Triplet t) {
    return new RetrievalQuery(t.id(), t.reference(), t.target(), t.members());
  }

  public static List<RetrievalQuery> of(List<Triplet> triplets) {
    return triplets.stream().map(RetrievalQuery::of).toList();
  }
}
