package dev.cir.eval.data;

import java.util.List;
import java.util.random.RandomGenerator;

/**
 * How a triplet's captions become the one text that is encoded.
 *
 * <p>Evaluation always uses one fixed text. Training may draw among a few variants per step; a
 * feature cache encodes {@link #trainingVariants} once and then only draws the index, so {@link
 * #drawTrainingVariant} must be the only place randomness enters.
 */
public interface CaptionStyle {

  /** The text used for validation and test queries. */
  String evaluationText(Triplet triplet);

  /** Every text a training step may use for this triplet, in a fixed order. */
  List<String> trainingVariants(Triplet triplet);

  /** The index into {@link #trainingVariants} that one training step uses. */
  int drawTrainingVariant(Triplet triplet, RandomGenerator random);

  /** The text one training step uses: the drawn variant. */
  default String trainingText(Triplet triplet, RandomGenerator random) {
    return trainingVariants(triplet).get(drawTrainingVariant(triplet, random));
  }
}
