package dev.cir.eval.data;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import dev.cir.clip.io.JsonBinding;
import dev.cir.clip.io.JsonBinding.Optional;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Reads CIRR in its published layout, as CLIP4Cir's {@code CIRRDataset} ({@code data_utils.py})
 * does.
 *
 * <pre>
 * root/cirr/captions/cap.rc2.{train,val,test1}.json
 *     [{pairid, reference, target_hard, caption, img_set: {members: [...]}}]
 *     (test1: no target_hard)
 * root/cirr/image_splits/split.rc2.{train,val,test1}.json
 *     {"name": "./train/34/name.png", ...}   paths relative to root
 * </pre>
 *
 * <p>The gallery is the split file's entries in key order (CLIP4Cir's index order). Triplet ids are
 * the {@code pairid} as a decimal integer (the submission's keys); the captions are the single
 * caption, used unchanged. Reference, target and members must be in the split's gallery.
 */
public final class CirrReader {
  public static final List<String> SPLITS = List.of("train", "val", "test1");

  private final Path root;
  private final boolean checkImageFiles;

  /** A reader that also checks that every image file exists. */
  public CirrReader(Path root) {
    this(root, true);
  }

  public CirrReader(Path root, boolean checkImageFiles) {
    this.root = Objects.requireNonNull(root, "root");
    this.checkImageFiles = checkImageFiles;
  }

  /**
   * Reads one split.
   *
   * @throws IllegalArgumentException for an unknown split
   * @throws DatasetException for missing files, malformed entries, unknown ids or missing images
   */
  public CirDataset read(String split) {
    if (!SPLITS.contains(split)) {
      throw new IllegalArgumentException(
          "unknown CIRR split '" + split + "'; expected one of " + SPLITS);
    }
    Gallery gallery = readGallery(split);
    Path file = root.resolve("cirr").resolve("captions").resolve("cap.rc2." + split + ".json");
    JsonArray entries =
        JsonBinding.array(JsonInput.parseFile(file, layout("the " + split + " captions")), file + "", JsonInput.ERRORS);
    List<Triplet> triplets = new ArrayList<>(entries.size());
    Map<String, Integer> entryByPairId = new HashMap<>();
    Problems unknown = new Problems();
    for (int i = 0; i < entries.size(); i++) {
      String where = file + " $[" + i + "]";
      CaptionEntry o = JsonInput.bind(entries.get(i), CaptionEntry.class, where);
      String pairId = pairId(o.pairid(), where);
      Integer previous = entryByPairId.putIfAbsent(pairId, i);
      if (previous != null) {
        throw new DatasetException(
            where + ": pairid " + pairId + " repeats the one of entry $[" + previous + "]");
      }
      String reference = o.reference();
      String target = o.targetHard();
      if (target == null && !split.equals("test1")) {
        throw new DatasetException(where + ": missing field 'target_hard'");
      }
      String caption = o.caption();
      List<String> members = o.imgSet() == null ? null : o.imgSet().members();
      if (members == null) {
        throw new DatasetException(where + ": missing field 'img_set.members'");
      }
      ImageFiles.requireKnownIds(unknown, gallery, where, "reference", List.of(reference));
      if (target != null) {
        ImageFiles.requireKnownIds(unknown, gallery, where, "target_hard", List.of(target));
      }
      ImageFiles.requireKnownIds(unknown, gallery, where, "member", members);
      triplets.add(new Triplet(pairId, reference, target, List.of(caption), members));
    }
    unknown.throwIfAny(
        "{n} image ids in " + file + " are not in " + splitFile(split),
        "the captions and image_splits files must come from the same CIRR release");
    return new CirDataset("cirr", split, triplets, gallery, AlternativeCaptions.INSTANCE);
  }

  /** The split's images in the file's key order. */
  public Gallery readGallery(String split) {
    Path file = splitFile(split);
    JsonObject names =
        JsonBinding.object(JsonInput.parseFile(file, layout("the " + split + " image list")), file + "", JsonInput.ERRORS);
    List<GalleryImage> images = new ArrayList<>(names.size());
    for (Map.Entry<String, JsonElement> e : names.entrySet()) {
      if (!JsonBinding.isString(e.getValue())) {
        throw new DatasetException(
            file
                + " $."
                + e.getKey()
                + ": expected a relative image path, found "
                + JsonBinding.describe(e.getValue()));
      }
      Path path = root.resolve(e.getValue().getAsString()).normalize();
      images.add(GalleryImage.of(e.getKey(), path));
    }
    Gallery gallery = Gallery.of(images);
    if (checkImageFiles) {
      ImageFiles.requireAllExist(gallery, file.toString());
    }
    return gallery;
  }

  /** CLIP4Cir writes {@code str(int(pair_id))}: the pairid as a plain decimal integer. */
  private static String pairId(JsonElement e, String where) {
    if (e == null || e.isJsonNull()) {
      throw new DatasetException(where + ": missing field 'pairid'");
    }
    if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()) {
      JsonPrimitive p = e.getAsJsonPrimitive();
      try {
        return new BigDecimal(p.getAsString()).toBigIntegerExact().toString();
      } catch (ArithmeticException | NumberFormatException ex) {
        // falls through to the error below
      }
    }
    throw new DatasetException(
        where + ": field 'pairid' must be an integer, found " + JsonBinding.describe(e));
  }

  /** An entry of {@code cap.rc2.SPLIT.json}; {@code target_hard} is absent in test1. */
  private record CaptionEntry(
      JsonElement pairid, String reference, @Optional String targetHard, String caption, @Optional ImageSet imgSet) {}

  /** {@code img_set}: the reference's group of near variants. */
  private record ImageSet(@Optional List<String> members) {}

  private Path splitFile(String split) {
    return root.resolve("cirr").resolve("image_splits").resolve("split.rc2." + split + ".json");
  }

  private String layout(String what) {
    return what
        + " in CIRR's layout (cirr/captions/cap.rc2.{split}.json,"
        + " cirr/image_splits/split.rc2.{split}.json, image paths relative to "
        + root
        + ")";
  }
}
