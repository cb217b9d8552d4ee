package dev.cir.eval.data;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import dev.cir.clip.io.JsonBinding;
import dev.cir.clip.io.JsonBinding.Optional;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Reads FashionIQ in its published layout, one category and split at a time, as CLIP4Cir's {@code
 * FashionIQDataset} ({@code data_utils.py}) does.
 *
 * <pre>
 * root/captions/cap.{dress,shirt,toptee}.{train,val,test}.json   [{candidate, target, captions[2]}]
 * root/image_splits/split.{category}.{split}.json                 ["B00006M009", ...]
 * root/images/{id}.jpg
 * </pre>
 *
 * <p>The gallery is the category's split list in file order (CLIP4Cir's index for validation); each
 * image carries the metadata {@code category_s}. Triplet ids are {@code <category>.<split>.<entry>}
 * with the 0-based entry of the captions file. The target is optional only in the test split. Every
 * candidate and target must be in the split list, and every image file must exist (that check can
 * be turned off for partial downloads).
 */
public final class FashionIqReader {
  public static final List<String> CATEGORIES = List.of("dress", "shirt", "toptee");
  public static final List<String> SPLITS = List.of("train", "val", "test");

  private final Path root;
  private final boolean checkImageFiles;

  /** A reader that also checks that every image file exists. */
  public FashionIqReader(Path root) {
    this(root, true);
  }

  public FashionIqReader(Path root, boolean checkImageFiles) {
    this.root = Objects.requireNonNull(root, "root");
    this.checkImageFiles = checkImageFiles;
  }

  /** Reads each of {@code categories} for {@code split}, in the given order. */
  public List<CirDataset> read(List<String> categories, String split) {
    List<CirDataset> out = new ArrayList<>();
    for (String category : categories) {
      out.add(read(category, split));
    }
    return out;
  }

  /**
   * Reads one category's split.
   *
   * @throws IllegalArgumentException for an unknown category or split
   * @throws DatasetException for missing files, malformed entries, unknown ids or missing images
   */
  public CirDataset read(String category, String split) {
    if (!CATEGORIES.contains(category)) {
      throw new IllegalArgumentException(
          "unknown FashionIQ category '" + category + "'; expected one of " + CATEGORIES);
    }
    if (!SPLITS.contains(split)) {
      throw new IllegalArgumentException(
          "unknown FashionIQ split '" + split + "'; expected one of " + SPLITS);
    }
    Gallery gallery = readGallery(category, split);
    Path captionsFile = root.resolve("captions").resolve("cap." + category + "." + split + ".json");
    JsonArray entries =
        JsonBinding.array(
            JsonInput.parseFile(captionsFile, layout("the captions of " + category + "/" + split)),
            captionsFile.toString(), JsonInput.ERRORS);
    List<Triplet> triplets = new ArrayList<>(entries.size());
    Problems unknown = new Problems();
    for (int i = 0; i < entries.size(); i++) {
      String where = captionsFile + " $[" + i + "]";
      CaptionEntry o = JsonInput.bind(entries.get(i), CaptionEntry.class, where);
      String candidate = o.candidate();
      String target = o.target();
      if (target == null && !split.equals("test")) {
        throw new DatasetException(where + ": missing field 'target'");
      }
      List<String> captions = o.captions();
      if (captions.size() != 2) {
        throw new DatasetException(
            where + ": field 'captions' must hold 2 captions, has " + captions.size());
      }
      ImageFiles.requireKnownIds(unknown, gallery, where, "candidate", List.of(candidate));
      if (target != null) {
        ImageFiles.requireKnownIds(unknown, gallery, where, "target", List.of(target));
      }
      String id = category + "." + split + "." + i;
      triplets.add(new Triplet(id, candidate, target, captions, List.of()));
    }
    unknown.throwIfAny(
        "{n} image ids in " + captionsFile + " are not in " + splitFile(category, split),
        "the captions and image_splits files must come from the same FashionIQ release");
    return new CirDataset(
        "fashioniq." + category, split, triplets, gallery, FashionIqCaptions.INSTANCE);
  }

  /** The category's split images in file order, paths {@code images/{id}.jpg}. */
  public Gallery readGallery(String category, String split) {
    Path file = splitFile(category, split);
    JsonArray names =
        JsonBinding.array(
            JsonInput.parseFile(file, layout("the image list of " + category + "/" + split)),
            file.toString(), JsonInput.ERRORS);
    List<GalleryImage> images = new ArrayList<>(names.size());
    Path imageDir = root.resolve("images");
    for (int i = 0; i < names.size(); i++) {
      JsonElement e = names.get(i);
      if (!JsonBinding.isString(e)) {
        throw new DatasetException(
            file + " $[" + i + "]: expected an image name, found " + JsonBinding.describe(e));
      }
      String id = e.getAsString();
      images.add(
          new GalleryImage(id, imageDir.resolve(id + ".jpg"), Map.of("category_s", category)));
    }
    Gallery gallery;
    try {
      gallery = Gallery.of(images);
    } catch (IllegalArgumentException e) {
      throw new DatasetException(file + ": " + e.getMessage(), e);
    }
    if (checkImageFiles) {
      ImageFiles.requireAllExist(gallery, file.toString());
    }
    return gallery;
  }

  private Path splitFile(String category, String split) {
    return root.resolve("image_splits").resolve("split." + category + "." + split + ".json");
  }

  private String layout(String what) {
    return what
        + " in FashionIQ's layout (captions/cap.{category}.{split}.json,"
        + " image_splits/split.{category}.{split}.json, images/{id}.jpg under "
        + root
        + ")";
  }

  /** An entry of {@code cap.CATEGORY.SPLIT.json}; {@code target} is absent in test. */
  private record CaptionEntry(String candidate, @Optional String target, List<String> captions) {}
}
