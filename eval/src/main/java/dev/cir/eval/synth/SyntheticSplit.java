package dev.cir.eval.synth;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** One split of the synthetic dataset: its own gallery, in id order, and its triplets. */
public record SyntheticSplit(
    String name, List<SyntheticImage> gallery, List<SyntheticTriplet> triplets) {
  public SyntheticSplit {
    gallery = List.copyOf(gallery);
    triplets = List.copyOf(triplets);
  }

  /** The images by id. */
  public Map<String, SyntheticImage> imagesById() {
    Map<String, SyntheticImage> out = new HashMap<>(gallery.size() * 2);
    gallery.forEach(i -> out.put(i.id(), i));
    return out;
  }

  /** The image file's path relative to the dataset root. */
  public String imagePath(SyntheticImage image) {
    return "images/" + name + "/" + image.id() + ".png";
  }
}
