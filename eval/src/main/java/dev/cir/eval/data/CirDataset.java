package dev.cir.eval.data;

import java.util.List;
import java.util.Objects;

/**
 * One split of a composed-retrieval dataset: its queries, the gallery they retrieve from, and how
 * their captions become query text.
 *
 * <p>{@code name} says which dataset this is ({@code fashioniq.dress}, {@code cirr}, {@code
 * jsonl}); {@code split} is the split as named on disk. Every image id a triplet mentions is in the
 * gallery: the readers refuse data where that is not so.
 */
public record CirDataset(
    String name, String split, List<Triplet> triplets, Gallery gallery, CaptionStyle captions) {

  public CirDataset {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(split, "split");
    triplets = List.copyOf(triplets);
    Objects.requireNonNull(gallery, "gallery");
    Objects.requireNonNull(captions, "captions");
  }

  /** Whether every triplet has a target, which Recall@K needs. */
  public boolean hasTargets() {
    return triplets.stream().allMatch(Triplet::hasTarget);
  }
}
