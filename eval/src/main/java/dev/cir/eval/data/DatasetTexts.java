package dev.cir.eval.data;

import java.util.ArrayList;
import java.util.List;

/**
 * Every text of a JSONL dataset's split that a model trained on it will read: image captions and
 * every caption variant of the triplets. A tokenizer built from scratch takes its vocabulary from
 * these.
 */
public final class DatasetTexts {
  private DatasetTexts() {}

  public static List<String> of(JsonlReader reader, String split) {
    List<String> texts = new ArrayList<>();
    for (ImageCaption c : reader.readCaptions(split)) {
      texts.add(c.caption());
    }
    CirDataset ds = reader.read(split);
    for (Triplet t : ds.triplets()) {
      texts.addAll(ds.captions().trainingVariants(t));
    }
    return texts;
  }
}
