package dev.cir.eval.data;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import dev.cir.clip.io.JsonBinding;
import dev.cir.clip.io.JsonBinding.Optional;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Reads the generic JSON Lines format for users' own composed-retrieval data.
 *
 * <pre>
 * root/{split}/triplets.jsonl   {"reference": id, "target": id, "caption": text,
 *                                "members": [id, ...], "id": id}
 * root/{split}/images.jsonl     {"id": id, "path": "relative/to/root.png", "colors_ss": [...], ...}
 * root/{split}/captions.jsonl   {"image": id, "caption": text}
 * </pre>
 *
 * <p>A split is a folder; {@code images.jsonl} and {@code captions.jsonl} may instead sit at the
 * root, shared by every split that has none of its own. In {@code triplets.jsonl}, {@code target}
 * is absent where it is withheld (test), {@code captions} (a list of alternative phrasings) may
 * replace {@code caption}, {@code members} is a CIRR-style candidate set, and {@code id} (string or
 * integer) defaults to {@code {split}:{line}}. In {@code images.jsonl}, every field besides {@code
 * id} and {@code path} is metadata: a string, a list of strings, an integer or a float; a name
 * ending in {@code _s}, {@code _ss}, {@code _i} (32-bit) or {@code _f} must carry that Solr dynamic
 * field's type. Blank lines are skipped. Paths are relative to the root and stay inside it.
 */
public final class JsonlReader {
  public static final String TRIPLETS = "triplets.jsonl";
  public static final String IMAGES = "images.jsonl";
  public static final String CAPTIONS = "captions.jsonl";

  private static final Pattern SPLIT_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");

  private final Path root;

  /** Longest string (and list) that {@link #shared} keeps one instance of. */
  private static final int SHARED_LENGTH = 32;

  /**
   * Most distinct values {@link #shared} keeps: a field unique to each image (a SKU, a price)
   * would otherwise add an entry per image for as long as the reader lives.
   */
  static final int SHARED_VALUES = 65_536;

  private final Map<Object, Object> canonical = new ConcurrentHashMap<>();
  private final boolean checkImageFiles;
  private final boolean keepMetadata;
  private final Map<String, SplitGallery> galleries = new ConcurrentHashMap<>();

  /** A split's gallery and the file it was read from. */
  private record SplitGallery(Path file, Gallery gallery) {}

  /** A reader that also checks that every image file exists. */
  public JsonlReader(Path root) {
    this(root, true);
  }

  public JsonlReader(Path root, boolean checkImageFiles) {
    this(root, checkImageFiles, true);
  }

  private JsonlReader(Path root, boolean checkImageFiles, boolean keepMetadata) {
    this.root = Objects.requireNonNull(root, "root").toAbsolutePath().normalize();
    this.checkImageFiles = checkImageFiles;
    this.keepMetadata = keepMetadata;
  }

  /**
   * A reader like this one whose images carry no metadata (their fields besides {@code id} and
   * {@code path} are skipped, unchecked): what training reads, which never looks at them, and
   * which then holds a few hundred bytes less per image for the whole run.
   */
  public JsonlReader withoutMetadata() {
    return new JsonlReader(root, checkImageFiles, false);
  }

  /** The splits under the root: the folders that hold a {@value #TRIPLETS}, sorted by name. */
  public List<String> splits() {
    List<String> splits = new ArrayList<>();
    if (!Files.isDirectory(root)) {
      throw new DatasetException("missing dataset folder " + root);
    }
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root, Files::isDirectory)) {
      for (Path dir : dirs) {
        if (Files.isRegularFile(dir.resolve(TRIPLETS))) {
          splits.add(dir.getFileName().toString());
        }
      }
    } catch (IOException e) {
      throw new DatasetException("cannot list " + root + ": " + e.getMessage(), e);
    }
    splits.sort(null);
    return splits;
  }

  /**
   * Reads one split's triplets and gallery.
   *
   * @throws DatasetException for missing files, malformed lines, unknown ids or missing images
   */
  public CirDataset read(String split) {
    SplitGallery read = splitGallery(split);
    Gallery gallery = read.gallery();
    Path file = splitDir(split).resolve(TRIPLETS);
    JsonInput.requireFile(file, "the " + split + " triplets (" + layout() + ")");
    List<Triplet> triplets = new ArrayList<>();
    Map<String, Integer> lineById = new HashMap<>();
    Problems unknown = new Problems();
    forEachLine(
        file,
        (o, where, line) -> {
          Triplet t = triplet(o, where, split + ":" + line);
          Integer previous = lineById.putIfAbsent(t.id(), line);
          if (previous != null) {
            throw new DatasetException(
                where + ": triplet id '" + t.id() + "' repeats the one on line " + previous);
          }
          ImageFiles.requireKnownIds(unknown, gallery, where, "reference", List.of(t.reference()));
          if (t.hasTarget()) {
            ImageFiles.requireKnownIds(unknown, gallery, where, "target", List.of(t.target()));
          }
          ImageFiles.requireKnownIds(unknown, gallery, where, "member", t.members());
          triplets.add(t);
        });
    unknown.throwIfAny(
        "{n} image ids in " + file + " are not in the gallery " + read.file(),
        "add the images to " + IMAGES + " or fix the ids");
    return new CirDataset("jsonl", split, triplets, gallery, AlternativeCaptions.INSTANCE);
  }

  /**
   * The split's gallery: its own {@value #IMAGES}, else the root's. A reader reads each split's
   * gallery once: its triplets and captions refer to the same one.
   */
  public Gallery readGallery(String split) {
    return splitGallery(split).gallery();
  }

  private SplitGallery splitGallery(String split) {
    return galleries.computeIfAbsent(split, this::parseGallery);
  }

  private SplitGallery parseGallery(String split) {
    Path file = galleryFile(split);
    List<GalleryImage> images = new ArrayList<>();
    Map<String, Integer> lineById = new HashMap<>();
    forEachLine(
        file,
        (o, where, line) -> {
          GalleryImage image = image(o, where);
          Integer previous = lineById.putIfAbsent(image.id(), line);
          if (previous != null) {
            throw new DatasetException(
                where + ": image id '" + image.id() + "' repeats the one on line " + previous);
          }
          images.add(image);
        });
    Gallery gallery = Gallery.of(images);
    if (checkImageFiles) {
      ImageFiles.requireAllExist(gallery, file.toString());
    }
    return new SplitGallery(file, gallery);
  }

  /**
   * The split's image–text pairs: its own {@value #CAPTIONS}, else the root's. Every image must be
   * in the split's gallery.
   */
  public List<ImageCaption> readCaptions(String split) {
    Gallery gallery = readGallery(split);
    Path file = sharedOrOwn(split, CAPTIONS);
    List<ImageCaption> out = new ArrayList<>();
    Problems unknown = new Problems();
    forEachLine(
        file,
        (o, where, line) -> {
          ImageCaption c = JsonInput.bind(o, ImageCaption.class, where);
          ImageFiles.requireKnownIds(unknown, gallery, where, "image", List.of(c.image()));
          out.add(c);
        });
    unknown.throwIfAny("{n} image ids in " + file + " are not in the gallery", null);
    return out;
  }

  /** A line of {@code triplets.jsonl}. */
  private record TripletLine(
      String reference,
      @Optional String target,
      @Optional String caption,
      @Optional List<String> captions,
      @Optional List<String> members,
      @Optional JsonElement id) {}

  /** The fixed fields of a line of {@code images.jsonl}; the others are the image's metadata. */
  private record ImageLine(String id, String path) {}

  private static Triplet triplet(JsonObject json, String where, String defaultId) {
    TripletLine o = JsonInput.bind(json, TripletLine.class, where);
    String reference = o.reference();
    String target = o.target();
    String caption = o.caption();
    List<String> captions = o.captions();
    if (caption != null && captions != null) {
      throw new DatasetException(where + ": give either 'caption' or 'captions', not both");
    }
    if (caption == null && captions == null) {
      throw new DatasetException(where + ": missing field 'caption' (or 'captions')");
    }
    if (captions != null && captions.isEmpty()) {
      throw new DatasetException(where + ": field 'captions' is empty");
    }
    List<String> members = o.members();
    String id = tripletId(o.id(), where, defaultId);
    return new Triplet(
        id, reference, target, captions != null ? captions : List.of(caption), members);
  }

  private static String tripletId(JsonElement e, String where, String defaultId) {
    if (e == null || e.isJsonNull()) {
      return defaultId;
    }
    if (JsonBinding.isString(e)) {
      return e.getAsString();
    }
    if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()) {
      try {
        return new BigDecimal(e.getAsString()).toBigIntegerExact().toString();
      } catch (ArithmeticException ex) {
        // falls through to the error below
      }
    }
    throw new DatasetException(
        where + ": field 'id' must be a string or an integer, found " + JsonBinding.describe(e));
  }

  private GalleryImage image(JsonObject o, String where) {
    ImageLine line = JsonInput.bind(o, ImageLine.class, where);
    String id = line.id();
    String relative = line.path();
    Path path;
    try {
      Path p = Path.of(relative);
      if (p.isAbsolute()) {
        throw new DatasetException(
            where + ": path '" + relative + "' must be relative to the dataset root " + root);
      }
      path = root.resolve(p).normalize();
    } catch (InvalidPathException e) {
      throw new DatasetException(where + ": path '" + relative + "' is not a valid path", e);
    }
    if (!path.startsWith(root)) {
      throw new DatasetException(
          where + ": path '" + relative + "' leads outside the dataset root " + root);
    }
    if (!keepMetadata) {
      return new GalleryImage(id, path, Map.of());
    }
    Map<String, Object> metadata = new LinkedHashMap<>();
    for (Map.Entry<String, JsonElement> e : o.entrySet()) {
      if (!e.getKey().equals("id") && !e.getKey().equals("path")) {
        String name = (String) shared(e.getKey());
        metadata.put(name, shared(metadataValue(name, e.getValue(), where)));
      }
    }
    return new GalleryImage(id, path, metadata);
  }

  /**
   * One instance of each metadata name and of each short value (a colour, a category, a list of
   * them) for the whole reader: a gallery of a million images repeats the same few, and each
   * parsed copy would otherwise stay on the heap for as long as the gallery does. At most
   * {@link #SHARED_VALUES} distinct values are kept; once that many are held, a value not yet
   * among them stays the image's own.
   */
  private Object shared(Object value) {
    boolean small =
        value instanceof String s && s.length() <= SHARED_LENGTH
            || value instanceof Long
            || value instanceof List<?> l && l.size() <= SHARED_LENGTH
                && l.stream().allMatch(x -> ((String) x).length() <= SHARED_LENGTH);
    if (!small) {
      return value;
    }
    Object v = value instanceof List<?> l ? List.copyOf(l.stream().map(this::shared).toList()) : value;
    Object kept = canonical.get(v);
    if (kept != null) {
      return kept;
    }
    if (canonical.size() >= SHARED_VALUES) {
      return v;
    }
    kept = canonical.putIfAbsent(v, v);
    return kept != null ? kept : v;
  }

  /** Distinct values {@link #shared} holds (for tests). */
  int sharedValues() {
    return canonical.size();
  }

  /** A metadata value in its Java form, checked against the Solr suffix its name carries. */
  static Object metadataValue(String name, JsonElement e, String where) {
    String field = where + ": metadata field '" + name + "'";
    Object value;
    if (JsonBinding.isString(e)) {
      value = e.getAsString();
    } else if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()) {
      value = number(e.getAsJsonPrimitive());
    } else if (e.isJsonArray()) {
      value = JsonBinding.stringList(e, field, JsonInput.ERRORS);
    } else {
      throw new DatasetException(
          field
              + " must be a string, a list of strings, an integer or a float, found "
              + JsonBinding.describe(e));
    }
    if (name.endsWith("_ss") && !(value instanceof List)) {
      throw new DatasetException(field + " (Solr *_ss) must be a list of strings");
    } else if (name.endsWith("_s") && !(value instanceof String)) {
      throw new DatasetException(field + " (Solr *_s) must be a string");
    } else if (name.endsWith("_i")) {
      if (!(value instanceof Long l) || l < Integer.MIN_VALUE || l > Integer.MAX_VALUE) {
        throw new DatasetException(field + " (Solr *_i) must be a 32-bit integer");
      }
    } else if (name.endsWith("_f")) {
      if (value instanceof Long l) {
        value = l.doubleValue();
      } else if (!(value instanceof Double)) {
        throw new DatasetException(field + " (Solr *_f) must be a number");
      }
    }
    return value;
  }

  /** An integer literal becomes a {@code Long}; anything with a fraction or exponent a double. */
  private static Object number(JsonPrimitive p) {
    String literal = p.getAsString();
    if (literal.indexOf('.') < 0 && literal.indexOf('e') < 0 && literal.indexOf('E') < 0) {
      try {
        return Long.parseLong(literal);
      } catch (NumberFormatException e) {
        // too large for a long: kept as a double
      }
    }
    return Double.parseDouble(literal);
  }

  private Path splitDir(String split) {
    if (split == null || !SPLIT_NAME.matcher(split).matches()) {
      throw new IllegalArgumentException(
          "invalid split name '" + split + "': letters, digits, '_', '.' and '-' only");
    }
    return root.resolve(split);
  }

  private Path galleryFile(String split) {
    return sharedOrOwn(split, IMAGES);
  }

  private Path sharedOrOwn(String split, String name) {
    Path own = splitDir(split).resolve(name);
    if (Files.isRegularFile(own)) {
      return own;
    }
    Path shared = root.resolve(name);
    if (Files.isRegularFile(shared)) {
      return shared;
    }
    throw new DatasetException(
        "missing file " + own + " (nor a shared " + shared + "): expected " + layout());
  }

  private static String layout() {
    return "the JSONL layout {root}/{split}/"
        + TRIPLETS
        + ", {root}/{split}/"
        + IMAGES
        + " (or {root}/"
        + IMAGES
        + "), {root}/{split}/"
        + CAPTIONS;
  }

  /** What to do with one parsed line; {@code where} is {@code file:line}. */
  @FunctionalInterface
  private interface LineHandler {
    void accept(JsonObject object, String where, int line);
  }

  private static void forEachLine(Path file, LineHandler handler) {
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String text;
      int line = 0;
      while ((text = in.readLine()) != null) {
        line++;
        if (text.isBlank()) {
          continue;
        }
        String where = file + ":" + line;
        handler.accept(JsonInput.parseLine(text, where), where, line);
      }
    } catch (IOException | UncheckedIOException e) {
      throw new DatasetException(file + ": cannot read: " + e.getMessage(), e);
    }
  }
}
