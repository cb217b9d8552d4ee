package dev.cir.eval.metrics;

/** A query whose target could not be retrieved at all, and why; it counts as a miss at every K. */
public record Miss(String queryId, String target, Reason reason) {

  /** Why a target cannot be retrieved. */
  public enum Reason {
    /** The target is not in the gallery (CLIP4Cir asserts that it is; here it is reported). */
    NOT_IN_GALLERY("not in the gallery"),
    /** The target is the reference, which the CIRR protocol removes from the ranking. */
    IS_REFERENCE("the reference itself, removed from the ranking"),
    /** The target is not among the query's members, so Recall_subset cannot find it. */
    NOT_IN_MEMBERS("not among the members");

    private final String description;

    Reason(String description) {
      this.description = description;
    }

    public String description() {
      return description;
    }
  }
}
