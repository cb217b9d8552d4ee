package dev.cir.eval.data;

import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Captions that are alternative phrasings of one modification (CIRR's single caption, the JSONL
 * format's {@code caption} or {@code captions}).
 *
 * <p>Evaluation uses the first caption unchanged, as CLIP4Cir passes CIRR's caption to the
 * tokenizer as it is. Training draws one caption uniformly; a triplet with one caption draws
 * nothing from the generator, so adding CIRR data does not shift other random streams.
 */
public enum AlternativeCaptions implements CaptionStyle {
  INSTANCE;

  @Override
  public String evaluationText(Triplet triplet) {
    return triplet.captions().get(0);
  }

  @Override
  public List<String> trainingVariants(Triplet triplet) {
    return triplet.captions();
  }

  @Override
  public int drawTrainingVariant(Triplet triplet, RandomGenerator random) {
    int n = triplet.captions().size();
    return n == 1 ? 0 : random.nextInt(n);
  }
}
