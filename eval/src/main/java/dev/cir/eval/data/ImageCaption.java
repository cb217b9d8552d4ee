package dev.cir.eval.data;

import java.util.Objects;

/** An image paired with a text that describes it, for contrastive training on image–text pairs. */
public record ImageCaption(String image, String caption) {
  public ImageCaption {
    Objects.requireNonNull(image, "image");
    Objects.requireNonNull(caption, "caption");
  }
}
