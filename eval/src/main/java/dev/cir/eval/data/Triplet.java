package dev.cir.eval.data;

import java.util.List;
import java.util.Objects;

/**
 * One composed query: a reference image, the modification text, and the image it should retrieve.
 *
 * <p>{@code target} is {@code null} where the dataset withholds it (CIRR {@code test1}, FashionIQ
 * test). {@code captions} holds the texts as the dataset gives them (FashionIQ: two relative
 * captions; CIRR: one); how they become one query text is the dataset's {@link CaptionStyle}.
 * {@code members} is CIRR's {@code img_set.members} (the reference included), empty when the
 * dataset has none. {@code id} is the dataset's own id where it has one (CIRR {@code pairid}),
 * otherwise a positional id documented by each reader; it is unique within a split.
 */
public record Triplet(
    String id, String reference, String target, List<String> captions, List<String> members) {

  public Triplet {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(reference, "reference");
    captions = List.copyOf(Objects.requireNonNull(captions, "captions"));
    members = members == null ? List.of() : List.copyOf(members);
    if (captions.isEmpty()) {
      throw new IllegalArgumentException("triplet '" + id + "' has no caption");
    }
  }

  /** A triplet with one caption and no members. */
  public static Triplet of(String id, String reference, String target, String caption) {
    return new Triplet(id, reference, target, List.of(caption), List.of());
  }

  /** Whether the target is known (it is withheld in test splits). */
  public boolean hasTarget() {
    return target != null;
  }
}
