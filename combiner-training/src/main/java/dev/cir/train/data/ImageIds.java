package dev.cir.train.data;

import dev.cir.eval.data.GalleryImage;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The positions of a run's training images, by id: what every {@link TrainingImages} answers with. */
final class ImageIds {
  private final Map<String, Integer> index = new LinkedHashMap<>();

  ImageIds(List<GalleryImage> images) {
    for (int i = 0; i < images.size(); i++) {
      index.put(images.get(i).id(), i);
    }
  }

  int size() {
    return index.size();
  }

  boolean contains(String id) {
    return index.containsKey(id);
  }

  /** @param where what the images are, for the message of an unknown id */
  int indexOf(String id, String where) {
    Integer i = index.get(id);
    if (i == null) {
      throw new IllegalArgumentException("image '" + id + "' is not among " + where);
    }
    return i;
  }
}
