package dev.cir.eval.synth;

import java.util.List;
import java.util.Objects;

/**
 * A composed query of the synthetic dataset: the target is the reference with {@code edit} applied,
 * {@code caption} states the edit, and {@code members} are six candidates (reference, target, two
 * near-reference variants, two images that satisfy the text elsewhere) in random order, like CIRR's
 * {@code img_set}.
 */
public record SyntheticTriplet(
    String id, String reference, String target, Edit edit, String caption, List<String> members) {
  public SyntheticTriplet {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(reference, "reference");
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(edit, "edit");
    Objects.requireNonNull(caption, "caption");
    members = List.copyOf(members);
  }
}
