package dev.cir.eval.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The images a split retrieves from, in the dataset's own order.
 *
 * <p>The order matters: it is the order of CLIP4Cir's index features ({@code image_splits} list
 * order for FashionIQ, key order of {@code split.rc2.*.json} for CIRR, line order for JSONL), and
 * the tie rule of the metrics falls back on it. Ids are unique.
 */
public final class Gallery implements Iterable<GalleryImage> {
  private final List<GalleryImage> images;
  private final Map<String, Integer> indexById;

  private Gallery(List<GalleryImage> images, Map<String, Integer> indexById) {
    this.images = images;
    this.indexById = indexById;
  }

  /**
   * A gallery of {@code images} in the given order.
   *
   * @throws IllegalArgumentException if two images share an id
   */
  public static Gallery of(List<GalleryImage> images) {
    List<GalleryImage> copy = List.copyOf(images);
    Map<String, Integer> index = new HashMap<>(copy.size() * 2);
    for (int i = 0; i < copy.size(); i++) {
      Integer previous = index.putIfAbsent(copy.get(i).id(), i);
      if (previous != null) {
        throw new IllegalArgumentException(
            "duplicate image id '" + copy.get(i).id() + "' at positions " + previous + " and " + i);
      }
    }
    return new Gallery(copy, index);
  }

  public int size() {
    return images.size();
  }

  public List<GalleryImage> images() {
    return images;
  }

  /** The ids in gallery order. */
  public List<String> ids() {
    List<String> ids = new ArrayList<>(images.size());
    for (GalleryImage image : images) {
      ids.add(image.id());
    }
    return Collections.unmodifiableList(ids);
  }

  public boolean contains(String id) {
    return indexById.containsKey(id);
  }

  /** The position of {@code id}, or -1 when the gallery does not hold it. */
  public int indexOf(String id) {
    Integer i = indexById.get(id);
    return i == null ? -1 : i;
  }

  /**
   * The image with this id.
   *
   * @throws IllegalArgumentException if the gallery does not hold it
   */
  public GalleryImage get(String id) {
    Integer i = indexById.get(id);
    if (i == null) {
      throw new IllegalArgumentException("image '" + id + "' is not in the gallery");
    }
    return images.get(i);
  }

  @Override
  public Iterator<GalleryImage> iterator() {
    return images.iterator();
  }
}
