package dev.cir.eval.synth;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * The synthetic composed-retrieval dataset: procedurally drawn scenes of 1–3 colored shapes on a 3
 * x 3 grid, with edit instructions whose answer exists exactly once in the gallery, built so that
 * neither the reference image alone nor the text alone finds it.
 *
 * <p>Strategy, per query: draw a reference scene R and an edit E; the target is E(R). The gallery
 * also receives three <em>near-reference variants</em> E'(R), other edits of R (two of E's kind
 * where one exists): as close to R as the target is, but not what the text asks. It receives two
 * <em>text matches</em> E(R'), the same edit applied to a variant R' of R that differs in another
 * object: they satisfy the text but not the reference. Scenes are canonical and the gallery is
 * deduplicated, so E(R) is the one image showing that scene. The gallery is shuffled before ids are
 * assigned, so neither ids nor gallery order (the tie rule of the metrics) leak the target.
 *
 * <p>{@code size} counts triplets: a tenth each (at least one, at most {@value #DEFAULT_HELD_OUT})
 * for {@code val} and {@code test} unless chosen, the rest for {@code train}. Each split has its own gallery, and no scene appears in two splits.
 * Test triplets keep their targets (this dataset is scored locally). Randomness comes from one
 * {@link SplittableRandom} seeded with {@code seed}, split once per split (test, val, then train,
 * so the held-out splits pick scenes first); the same options give byte-identical files on the same
 * JDK. Images are drawn in parallel, each from its own seed.
 */
public final class SyntheticDataset {
  public static final int DEFAULT_SIZE = 20000;

  /** The most triplets {@code val} and {@code test} each get when their size is not chosen. */
  public static final int DEFAULT_HELD_OUT = 500;
  public static final long DEFAULT_SEED = 0;
  public static final int DEFAULT_IMAGE_SIZE = 48;
  public static final List<String> SPLITS = List.of("train", "val", "test");

  /** Near-reference variants per query, of which {@value #MEMBER_SIBLINGS} join the members. */
  static final int SIBLINGS = 3;

  /** Text matches per query; all join the members. */
  static final int TEXT_MATCHES = 2;

  static final int MEMBER_SIBLINGS = 2;
  private static final int ATTEMPTS = 60;

  /** Failed draws after which a query's number of reference objects is drawn again. */
  private static final int EXHAUSTED = 5000;

  private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

  /**
   * @param size the number of triplets over all splits, at least 3
   * @param seed fixes every draw
   * @param imageSize image width and height in pixels, at least 48
   * @param heldOut triplets of {@code val} and of {@code test} each; 0 for a tenth of {@code size}
   *     each (at least one, at most {@value #DEFAULT_HELD_OUT}). The held-out splits draw first, so the same seed and held-out size give
   *     the same {@code val} and {@code test} whatever the size of {@code train}.
   */
  public record Options(int size, long seed, int imageSize, int heldOut) {
    public Options {
      if (size < 3) {
        throw new IllegalArgumentException("size must be at least 3 triplets, was " + size);
      }
      if (imageSize < 48) {
        throw new IllegalArgumentException(
            "image size must be at least 48 pixels, was " + imageSize);
      }
      if (heldOut < 0 || 2 * heldOut >= size) {
        throw new IllegalArgumentException(
            "held-out triplets per split must be between 0 and " + ((size - 1) / 2) + " for " + size + " triplets, was " + heldOut);
      }
    }

    public Options(int size, long seed, int imageSize) {
      this(size, seed, imageSize, 0);
    }

    public static Options defaults() {
      return new Options(DEFAULT_SIZE, DEFAULT_SEED, DEFAULT_IMAGE_SIZE);
    }

    public Options withSize(int n) {
      return new Options(n, seed, imageSize, heldOut);
    }

    public Options withSeed(long s) {
      return new Options(size, s, imageSize, heldOut);
    }

    public Options withImageSize(int px) {
      return new Options(size, seed, px, heldOut);
    }

    public Options withHeldOut(int n) {
      return new Options(size, seed, imageSize, n);
    }

    /** Triplets of one split. */
    public int triplets(String split) {
      int held = heldOut > 0 ? heldOut : Math.max(1, Math.min(DEFAULT_HELD_OUT, size / 10));
      return split.equals("train") ? size - 2 * held : held;
    }
  }

  /** What {@link #writeTo} wrote. */
  public record Summary(Path root, Map<String, Integer> images, Map<String, Integer> triplets) {}

  private final Options options;
  private final List<SyntheticSplit> splits;

  private SyntheticDataset(Options options, List<SyntheticSplit> splits) {
    this.options = options;
    this.splits = List.copyOf(splits);
  }

  /** Draws the scenes and triplets (no images yet). */
  public static SyntheticDataset generate(Options options) {
    SplittableRandom root = new SplittableRandom(options.seed());
    Map<Scene, String> owner = new HashMap<>();
    Map<String, SyntheticSplit> built = new HashMap<>();
    // held-out splits draw first: scenes are claimed by the first split that uses them, and the
    // few one-object scenes would otherwise all go to train
    for (String name : List.of("test", "val", "train")) {
      SceneSampler sampler = new SceneSampler(root.split());
      built.put(name, new SplitBuilder(name, sampler, owner).build(options.triplets(name)));
    }
    return new SyntheticDataset(options, SPLITS.stream().map(built::get).toList());
  }

  public Options options() {
    return options;
  }

  public List<SyntheticSplit> splits() {
    return splits;
  }

  public SyntheticSplit split(String name) {
    return splits.stream()
        .filter(s -> s.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no split '" + name + "'; have " + SPLITS));
  }

  /**
   * Writes the dataset in the JSONL layout of {@link dev.cir.eval.data.JsonlReader}, PNG images
   * under {@code images/<split>/}, and a {@code README.md} dataset card.
   *
   * @throws IOException if {@code out} exists and is not empty, or on a write failure
   */
  public Summary writeTo(Path out) throws IOException {
    if (Files.exists(out)) {
      try (Stream<Path> entries = Files.list(out)) {
        if (entries.findAny().isPresent()) {
          throw new IOException(
              "output folder " + out + " is not empty; choose a new or empty one");
        }
      }
    }
    Files.createDirectories(out);
    SceneRenderer renderer = new SceneRenderer(options.imageSize());
    Map<String, Integer> images = new LinkedHashMap<>();
    Map<String, Integer> triplets = new LinkedHashMap<>();
    for (SyntheticSplit split : splits) {
      Files.createDirectories(out.resolve("images").resolve(split.name()));
      writeImages(out, split, renderer);
      Path dir = Files.createDirectories(out.resolve(split.name()));
      writeLines(
          dir.resolve("images.jsonl"),
          split.gallery().stream().map(i -> imageJson(split, i)).toList());
      writeLines(
          dir.resolve("captions.jsonl"),
          split.gallery().stream().map(SyntheticDataset::captionJson).toList());
      writeLines(
          dir.resolve("triplets.jsonl"),
          split.triplets().stream().map(SyntheticDataset::tripletJson).toList());
      images.put(split.name(), split.gallery().size());
      triplets.put(split.name(), split.triplets().size());
    }
    Files.writeString(out.resolve("README.md"), DatasetCard.markdown(this), StandardCharsets.UTF_8);
    return new Summary(out, images, triplets);
  }

  private static void writeImages(Path out, SyntheticSplit split, SceneRenderer renderer) {
    List<SyntheticImage> gallery = split.gallery();
    IntStream.range(0, gallery.size())
        .parallel()
        .forEach(
            i -> {
              SyntheticImage image = gallery.get(i);
              try {
                Files.write(
                    out.resolve(split.imagePath(image)),
                    renderer.png(image.scene(), image.renderSeed()));
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            });
  }

  private static void writeLines(Path file, List<JsonObject> lines) throws IOException {
    try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      for (JsonObject line : lines) {
        w.write(GSON.toJson(line));
        w.write('\n');
      }
    }
  }

  private static JsonObject imageJson(SyntheticSplit split, SyntheticImage image) {
    Scene s = image.scene();
    JsonObject o = new JsonObject();
    o.addProperty("id", image.id());
    o.addProperty("path", split.imagePath(image));
    o.addProperty("objects_i", s.size());
    o.add("colors_ss", words(s.colors().stream().map(NamedColor::word).toList()));
    o.add("shapes_ss", words(s.shapes().stream().map(Shape::word).toList()));
    o.add("sizes_ss", words(s.sizes().stream().map(ObjectSize::word).toList()));
    return o;
  }

  private static JsonObject captionJson(SyntheticImage image) {
    JsonObject o = new JsonObject();
    o.addProperty("image", image.id());
    o.addProperty("caption", image.caption());
    return o;
  }

  private static JsonObject tripletJson(SyntheticTriplet t) {
    JsonObject o = new JsonObject();
    o.addProperty("id", t.id());
    o.addProperty("reference", t.reference());
    o.addProperty("target", t.target());
    o.addProperty("caption", t.caption());
    o.add("members", words(t.members()));
    o.addProperty("edit", t.edit().kind().word());
    return o;
  }

  private static JsonArray words(List<String> words) {
    JsonArray a = new JsonArray();
    words.forEach(a::add);
    return a;
  }

  /** Builds one split: queries first, then a shuffled, deduplicated gallery with ids. */
  private static final class SplitBuilder {
    private final String name;
    private final SceneSampler sampler;
    private final Map<Scene, String> owner;
    private final LinkedHashSet<Scene> scenes = new LinkedHashSet<>();
    private final Set<List<Object>> queries = new HashSet<>();
    private final List<Query> drawn = new ArrayList<>();

    /** A query before gallery ids exist. */
    private record Query(
        Scene reference, Scene target, Edit edit, String caption, List<Scene> members) {}

    SplitBuilder(String name, SceneSampler sampler, Map<Scene, String> owner) {
      this.name = name;
      this.sampler = sampler;
      this.owner = owner;
    }

    SyntheticSplit build(int count) {
      int attempts = 0;
      Edit.Kind[] kinds = Edit.Kind.values();
      while (drawn.size() < count) {
        // the kind and the reference's number of objects are fixed before drawing, so that
        // rejected draws do not skew the mix: a split drawn after another finds many small scenes
        // taken and would otherwise end up with fewer of them (test, drawn first, had 29-32%
        // one-object references and train 2-3% when the number was drawn with the scene). Only
        // where no query of that number can be drawn any more is the number drawn again.
        Edit.Kind kind = kinds[sampler.random().nextInt(kinds.length)];
        int objects = sampler.referenceObjects(kind);
        Query q = null;
        for (int tries = 1; q == null; tries++) {
          if (++attempts > 100 * count + 1000) {
            throw new IllegalStateException(
                "cannot draw " + count + " distinct queries for " + name);
          }
          if (tries % EXHAUSTED == 0) {
            objects = sampler.referenceObjects(kind);
          }
          q = draw(kind, objects);
        }
        drawn.add(q);
      }
      List<Scene> order = sampler.shuffled(new ArrayList<>(scenes));
      int width = Math.max(5, Integer.toString(order.size() - 1).length());
      Map<Scene, String> ids = new HashMap<>(order.size() * 2);
      List<SyntheticImage> gallery = new ArrayList<>(order.size());
      for (int i = 0; i < order.size(); i++) {
        String id = String.format(Locale.ROOT, "%s-%0" + width + "d", name, i);
        ids.put(order.get(i), id);
        gallery.add(new SyntheticImage(id, order.get(i), sampler.random().nextLong()));
      }
      List<SyntheticTriplet> triplets = new ArrayList<>(drawn.size());
      for (int i = 0; i < drawn.size(); i++) {
        Query q = drawn.get(i);
        List<String> members = q.members().stream().map(ids::get).toList();
        String id = String.format(Locale.ROOT, "%s-q%05d", name, i);
        triplets.add(
            new SyntheticTriplet(
                id, ids.get(q.reference()), ids.get(q.target()), q.edit(), q.caption(), members));
      }
      return new SyntheticSplit(name, gallery, triplets);
    }

    /** One query with its hard negatives, or null when this draw cannot be used. */
    private Query draw(Edit.Kind kind, int objects) {
      Scene r = sampler.scene(objects);
      Edit e = sampler.edit(r, kind);
      if (e == null) {
        return null;
      }
      Scene t = e.apply(r);
      if (!queries.add(List.of(r, e))) {
        return null;
      }
      LinkedHashSet<Scene> chosen = new LinkedHashSet<>(List.of(r, t));
      List<Scene> siblings = new ArrayList<>();
      for (int a = 0; a < ATTEMPTS && siblings.size() < SIBLINGS; a++) {
        // two of the edit's own kind where the scene allows, then any kind
        Edit x =
            siblings.size() < 2 && a < ATTEMPTS / 2 ? sampler.edit(r, e.kind()) : sampler.edit(r);
        if (x != null && !x.equals(e) && chosen.add(x.apply(r))) {
          siblings.add(x.apply(r));
        }
      }
      List<Scene> textMatches = new ArrayList<>();
      for (int a = 0; a < ATTEMPTS && textMatches.size() < TEXT_MATCHES; a++) {
        Edit y = sampler.edit(r);
        if (y.subject() == e.subject()) {
          continue;
        }
        Scene base = y.apply(r);
        if (e.appliesTo(base) && chosen.add(e.apply(base))) {
          textMatches.add(e.apply(base));
        }
      }
      if (siblings.size() < SIBLINGS || textMatches.size() < TEXT_MATCHES) {
        return null;
      }
      for (Scene s : chosen) {
        String o = owner.get(s);
        if (o != null && !o.equals(name)) {
          return null;
        }
      }
      for (Scene s : chosen) {
        owner.put(s, name);
        scenes.add(s);
      }
      List<Scene> members = new ArrayList<>(List.of(r, t));
      members.addAll(siblings.subList(0, MEMBER_SIBLINGS));
      members.addAll(textMatches);
      String caption =
          SceneText.instruction(e, sampler.random().nextInt(SceneText.phrasings(e.kind())));
      return new Query(r, t, e, caption, sampler.shuffled(members));
    }
  }
}
