package dev.cir.eval.metrics;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/** A ranking given as a list of names, best first, possibly truncated. */
final class ListedRanking implements Ranking {
  private final List<String> ranked;
  private final Map<String, Integer> placeByName;
  private final GalleryIndex gallery;

  ListedRanking(List<String> ranked, GalleryIndex gallery) {
    this.ranked = List.copyOf(new LinkedHashSet<>(ranked));
    this.placeByName = new HashMap<>(this.ranked.size() * 2);
    for (int i = 0; i < this.ranked.size(); i++) {
      String name = this.ranked.get(i);
      if (gallery != null && !gallery.contains(name)) {
        throw new IllegalArgumentException("ranked image '" + name + "' is not in the gallery");
      }
      placeByName.put(name, i);
    }
    this.gallery = gallery;
  }

  @Override
  public int positionOf(String image, String removed) {
    Integer p = image == null ? null : placeByName.get(image);
    if (p == null || image.equals(removed)) {
      return NOT_RANKED;
    }
    Integer r = removed == null ? null : placeByName.get(removed);
    return r != null && r < p ? p - 1 : p;
  }

  @Override
  public int positionAmong(String image, Collection<String> candidates, String removed) {
    if (image == null || image.equals(removed) || !candidates.contains(image)) {
      return NOT_RANKED;
    }
    int position = 0;
    for (String name : ranked) {
      if (name.equals(image)) {
        return position;
      }
      if (!name.equals(removed) && candidates.contains(name)) {
        position++;
      }
    }
    return NOT_RANKED;
  }

  @Override
  public List<String> top(int k, String removed) {
    return topAmong(k, null, removed);
  }

  @Override
  public List<String> topAmong(int k, Collection<String> candidates, String removed) {
    ScoredRanking.checkK(k);
    List<String> out = new ArrayList<>(Math.min(k, ranked.size()));
    for (String name : ranked) {
      if (out.size() == k) {
        break;
      }
      if (!name.equals(removed) && (candidates == null || candidates.contains(name))) {
        out.add(name);
      }
    }
    return out;
  }

  @Override
  public boolean covers(String image) {
    return gallery == null || gallery.contains(image);
  }
}
