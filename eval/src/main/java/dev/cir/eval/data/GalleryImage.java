package dev.cir.eval.data;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One image of a gallery: its id, the file it lives in, and metadata a search engine may filter on.
 *
 * <p>Metadata values are {@code String}, {@code Long}, {@code Double} or {@code List<String>}; the
 * names follow Solr's dynamic-field suffixes where they carry one ({@code _s}, {@code _ss}, {@code
 * _i}, {@code _f}). The map keeps the order in which fields were given.
 */
public record GalleryImage(String id, Path path, Map<String, Object> metadata) {

  public GalleryImage {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(path, "path");
    metadata =
        metadata == null || metadata.isEmpty()
            ? Map.of()
            : Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    for (Map.Entry<String, Object> e : metadata.entrySet()) {
      Object v = e.getValue();
      boolean ok =
          v instanceof String
              || v instanceof Long
              || v instanceof Double
              || (v instanceof List<?> l && l.stream().allMatch(String.class::isInstance));
      if (!ok) {
        throw new IllegalArgumentException(
            "image '" + id + "': metadata field '" + e.getKey() + "' has unsupported value " + v);
      }
    }
  }

  /** An image without metadata. */
  public static GalleryImage of(String id, Path path) {
    return new GalleryImage(id, path, Map.of());
  }
}
