package dev.cir.eval.metrics;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The gallery's image names in scoring order (column {@code j} of a score matrix is image {@code
 * names.get(j)}), with a name-to-column lookup. Names are unique.
 */
public final class GalleryIndex {
  private final List<String> names;
  private final Map<String, Integer> columnByName;

  private GalleryIndex(List<String> names, Map<String, Integer> columnByName) {
    this.names = names;
    this.columnByName = columnByName;
  }

  /**
   * @throws IllegalArgumentException if a name is null or repeats
   */
  public static GalleryIndex of(List<String> names) {
    List<String> copy = List.copyOf(names);
    Map<String, Integer> index = new HashMap<>(copy.size() * 2);
    for (int i = 0; i < copy.size(); i++) {
      Integer previous = index.putIfAbsent(copy.get(i), i);
      if (previous != null) {
        throw new IllegalArgumentException(
            "gallery name '" + copy.get(i) + "' repeats at columns " + previous + " and " + i);
      }
    }
    return new GalleryIndex(copy, index);
  }

  public int size() {
    return names.size();
  }

  public List<String> names() {
    return names;
  }

  public String name(int column) {
    return names.get(column);
  }

  /** The column of {@code name}, or -1 when the gallery does not hold it (or it is null). */
  public int columnOf(String name) {
    if (name == null) {
      return -1;
    }
    Integer i = columnByName.get(name);
    return i == null ? -1 : i;
  }

  public boolean contains(String name) {
    return columnOf(name) >= 0;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof GalleryIndex g && names.equals(g.names);
  }

  @Override
  public int hashCode() {
    return Objects.hash(names);
  }

  @Override
  public String toString() {
    return "GalleryIndex(" + names.size() + " images)";
  }
}
