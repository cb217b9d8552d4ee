package dev.cir.eval.data;

import java.nio.file.Files;

/** Checks that the files behind a gallery exist, reporting all that are missing at once. */
final class ImageFiles {
  private ImageFiles() {}

  /**
   * @param source the file that listed the images, for the message
   * @throws DatasetException naming every missing image (the first {@value Problems#SHOWN}, then a
   *     count)
   */
  static void requireAllExist(Gallery gallery, String source) {
    Problems missing = new Problems();
    for (GalleryImage image : gallery) {
      if (!Files.isRegularFile(image.path())) {
        missing.add("'" + image.id() + "' -> " + image.path());
      }
    }
    missing.throwIfAny(
        "{n} of " + gallery.size() + " image files listed in " + source + " do not exist",
        "check the dataset root, fetch the missing images, or read with the image-file check off");
  }

  /** Reports every image id a triplet mentions that the gallery does not hold. */
  static void requireKnownIds(
      Problems unknown, Gallery gallery, String where, String field, Iterable<String> ids) {
    for (String id : ids) {
      if (!gallery.contains(id)) {
        unknown.add(where + ": " + field + " '" + id + "' is not in the gallery");
      }
    }
  }
}
