package dev.cir.train.data;

import dev.cir.eval.data.CirDataset;
import dev.cir.eval.data.CirrReader;
import dev.cir.eval.data.FashionIqReader;
import dev.cir.eval.data.Gallery;
import dev.cir.eval.data.GalleryImage;
import dev.cir.eval.data.ImageCaption;
import dev.cir.eval.data.JsonlReader;
import dev.cir.eval.data.Triplet;
import dev.cir.eval.validate.DatasetValidation.Kind;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The training side of a dataset: its triplets, read by eval's readers, with FashionIQ's categories
 * trained together as CLIP4Cir trains them; and the image–caption pairs of a JSONL dataset. Each
 * split is read once per instance (a run asks for the same split's triplets, captions, gallery and
 * texts at several points; the default synthetic training split lists 125,137 images).
 */
public final class TrainingData {
  private final Kind kind;
  private final Path root;
  private final List<String> categories;
  private final JsonlReader jsonl;
  private final Map<String, CirDataset> triplets = new ConcurrentHashMap<>();
  private final Map<String, List<ImageCaption>> captions = new ConcurrentHashMap<>();

  public TrainingData(Kind kind, Path root, List<String> categories) {
    this.kind = kind;
    this.root = root;
    this.categories = List.copyOf(categories);
    // training never reads an image's metadata: not keeping it saves a few hundred bytes an image
    this.jsonl = kind == Kind.JSONL ? new JsonlReader(root).withoutMetadata() : null;
  }

  public Kind kind() {
    return kind;
  }

  public Path root() {
    return root;
  }

  public List<String> categories() {
    return categories;
  }

  /** Triplets of {@code split}; for FashionIQ every category's, over the union of their galleries. */
  public CirDataset triplets(String split) {
    return triplets.computeIfAbsent(split, this::readTriplets);
  }

  private CirDataset readTriplets(String split) {
    return switch (kind) {
      case JSONL -> jsonl.read(split);
      case CIRR -> new CirrReader(root).read(split);
      case FASHIONIQ -> {
        List<CirDataset> parts = new FashionIqReader(root).read(categories, split);
        List<Triplet> triplets = new ArrayList<>();
        Map<String, GalleryImage> images = new LinkedHashMap<>();
        for (CirDataset d : parts) {
          triplets.addAll(d.triplets());
          d.gallery().images().forEach(i -> images.putIfAbsent(i.id(), i));
        }
        yield new CirDataset("fashioniq", split, triplets, Gallery.of(new ArrayList<>(images.values())), parts.get(0).captions());
      }
    };
  }

  /**
   * Image–caption pairs of {@code split} and the gallery they refer to.
   *
   * @throws IllegalArgumentException for FashionIQ and CIRR, which have no image captions
   */
  public List<ImageCaption> captions(String split) {
    if (kind != Kind.JSONL) {
      throw new IllegalArgumentException(
          "the captions objective needs image captions, which only the JSONL format has ("
              + JsonlReader.CAPTIONS + "); " + kind.id() + " has none: use --objective composed");
    }
    return captions.computeIfAbsent(split, jsonl::readCaptions);
  }

  public Gallery gallery(String split) {
    if (kind != Kind.JSONL) {
      return triplets(split).gallery();
    }
    return jsonl.readGallery(split);
  }

  /** Every text a model trained on {@code split} reads (for building a vocabulary from scratch). */
  public List<String> texts(String split) {
    List<String> texts = new ArrayList<>();
    if (kind == Kind.JSONL) {
      captions(split).forEach(c -> texts.add(c.caption()));
    }
    CirDataset ds = triplets(split);
    ds.triplets().forEach(t -> texts.addAll(ds.captions().trainingVariants(t)));
    return texts;
  }
}
