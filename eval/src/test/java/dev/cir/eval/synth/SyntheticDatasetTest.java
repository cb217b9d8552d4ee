package dev.cir.eval.synth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cir.eval.data.CirDataset;
import dev.cir.eval.data.GalleryImage;
import dev.cir.eval.data.ImageCaption;
import dev.cir.eval.data.JsonlReader;
import dev.cir.eval.data.Triplet;
import dev.cir.eval.metrics.GalleryIndex;
import dev.cir.eval.metrics.RecallProtocol;
import dev.cir.eval.metrics.RecallReport;
import dev.cir.eval.metrics.RetrievalQuery;
import dev.cir.eval.metrics.ScoreMatrix;
import java.awt.geom.Point2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyntheticDatasetTest {
  private static final SyntheticDataset.Options OPTIONS =
      SyntheticDataset.Options.defaults().withSize(400).withSeed(7);

  @TempDir static Path tmp;
  static Path root;
  static SyntheticDataset dataset;

  @BeforeAll
  static void write() throws IOException {
    dataset = SyntheticDataset.generate(OPTIONS);
    root = tmp.resolve("synth");
    dataset.writeTo(root);
  }

  /** Every file under {@code dir}, relative path to bytes. */
  private static Map<String, byte[]> tree(Path dir) throws IOException {
    Map<String, byte[]> out = new HashMap<>();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        out.put(dir.relativize(f).toString(), Files.readAllBytes(f));
      }
    }
    return out;
  }

  @Test
  void sameSeedGivesByteIdenticalFilesAndAnotherSeedDoesNot() throws IOException {
    Path again = tmp.resolve("again");
    SyntheticDataset.generate(OPTIONS).writeTo(again);
    Map<String, byte[]> a = tree(root);
    Map<String, byte[]> b = tree(again);
    assertEquals(a.keySet(), b.keySet());
    for (String name : a.keySet()) {
      assertArrayEquals(a.get(name), b.get(name), name);
    }
    Path other = tmp.resolve("other");
    SyntheticDataset.generate(OPTIONS.withSeed(8)).writeTo(other);
    for (String file : List.of("val/triplets.jsonl", "train/captions.jsonl", "test/images.jsonl")) {
      assertFalse(
          Files.readString(root.resolve(file)).equals(Files.readString(other.resolve(file))), file);
    }
  }

  @Test
  void readersLoadEverySplitBack() throws IOException {
    JsonlReader reader = new JsonlReader(root);
    assertEquals(List.of("test", "train", "val"), reader.splits());
    for (SyntheticSplit split : dataset.splits()) {
      CirDataset ds = reader.read(split.name());
      assertEquals(split.triplets().size(), ds.triplets().size());
      assertEquals(split.gallery().size(), ds.gallery().size());
      assertEquals(OPTIONS.triplets(split.name()), ds.triplets().size());
      assertTrue(ds.hasTargets());
      List<ImageCaption> captions = reader.readCaptions(split.name());
      assertEquals(split.gallery().size(), captions.size());
      BufferedImage first = ImageIO.read(ds.gallery().images().get(0).path().toFile());
      assertEquals(OPTIONS.imageSize(), first.getWidth());
    }
    String card = Files.readString(root.resolve("README.md"));
    assertTrue(card.contains("| val | 40 | " + dataset.split("val").gallery().size() + " |"), card);
  }

  @Test
  void eachQueryHasExactlyOneCorrectImageInItsGallery() throws IOException {
    JsonlReader reader = new JsonlReader(root);
    for (String split : SyntheticDataset.SPLITS) {
      // everything from the files alone: scenes parsed from captions, edits from the query text
      Map<String, Scene> sceneById = new HashMap<>();
      for (ImageCaption c : reader.readCaptions(split)) {
        sceneById.put(c.image(), SceneText.parseCaption(c.caption()));
      }
      Map<Scene, List<String>> idsByScene =
          sceneById.entrySet().stream()
              .collect(
                  Collectors.groupingBy(
                      Map.Entry::getValue,
                      Collectors.mapping(Map.Entry::getKey, Collectors.toList())));
      assertEquals(sceneById.size(), idsByScene.size(), split + ": a scene appears twice");
      for (Triplet t : reader.read(split).triplets()) {
        Edit edit = SceneText.parseInstruction(t.captions().get(0));
        Scene wanted = edit.apply(sceneById.get(t.reference()));
        assertEquals(List.of(t.target()), idsByScene.get(wanted), t.id());
        assertEquals(6, t.members().size(), t.id());
        assertEquals(6, new HashSet<>(t.members()).size(), t.id());
        assertTrue(t.members().contains(t.reference()) && t.members().contains(t.target()), t.id());
      }
    }
  }

  @Test
  void splitsShareNoScenesImagesOrTriplets() {
    Set<Scene> scenes = new HashSet<>();
    Set<String> imageIds = new HashSet<>();
    Set<String> tripletIds = new HashSet<>();
    Set<String> queries = new HashSet<>();
    int images = 0;
    for (SyntheticSplit s : dataset.splits()) {
      Map<String, SyntheticImage> byId = s.imagesById();
      for (SyntheticImage i : s.gallery()) {
        assertTrue(scenes.add(i.scene()), i.id() + " repeats a scene");
        assertTrue(imageIds.add(i.id()));
        images++;
      }
      for (SyntheticTriplet t : s.triplets()) {
        assertTrue(tripletIds.add(t.id()));
        assertTrue(queries.add(byId.get(t.reference()).caption() + " / " + t.caption()), t.id());
      }
    }
    assertEquals(images, scenes.size());
  }

  @Test
  void captionsMetadataAndPixelsDescribeTheScenes() throws IOException {
    JsonlReader reader = new JsonlReader(root);
    SceneRenderer renderer = new SceneRenderer(OPTIONS.imageSize());
    for (SyntheticSplit split : dataset.splits()) {
      Map<String, SyntheticImage> byId = split.imagesById();
      for (ImageCaption c : reader.readCaptions(split.name())) {
        assertEquals(byId.get(c.image()).scene(), SceneText.parseCaption(c.caption()));
      }
      List<GalleryImage> gallery = reader.readGallery(split.name()).images();
      for (int i = 0; i < gallery.size(); i++) {
        GalleryImage g = gallery.get(i);
        Scene s = byId.get(g.id()).scene();
        Map<String, Object> m = g.metadata();
        assertEquals((long) s.size(), m.get("objects_i"));
        assertEquals(s.colors().stream().map(NamedColor::word).toList(), m.get("colors_ss"));
        assertEquals(s.shapes().stream().map(Shape::word).toList(), m.get("shapes_ss"));
        assertEquals(s.sizes().stream().map(ObjectSize::word).toList(), m.get("sizes_ss"));
        if (i % 25 == 0) {
          BufferedImage img = ImageIO.read(g.path().toFile());
          Point2D.Double[] centers = renderer.centers(s, byId.get(g.id()).renderSeed());
          for (int k = 0; k < s.size(); k++) {
            int rgb = img.getRGB((int) centers[k].x, (int) centers[k].y) & 0xffffff;
            assertEquals(s.objects().get(k).color().rgb(), rgb, g.id());
          }
        }
      }
    }
  }

  /** Scores gallery scenes for one query, from the query's reference scene and edit. */
  private interface Oracle {
    ToDoubleFunction<Scene> forQuery(Scene reference, Edit edit);
  }

  /** Recall of one oracle on a split, CIRR protocol. */
  private static RecallReport evaluate(SyntheticSplit split, Oracle oracle) {
    List<String> names = split.gallery().stream().map(SyntheticImage::id).toList();
    Map<String, SyntheticImage> byId = split.imagesById();
    float[][] scores = new float[split.triplets().size()][names.size()];
    List<RetrievalQuery> queries = new ArrayList<>();
    for (int q = 0; q < scores.length; q++) {
      SyntheticTriplet t = split.triplets().get(q);
      ToDoubleFunction<Scene> score = oracle.forQuery(byId.get(t.reference()).scene(), t.edit());
      for (int g = 0; g < names.size(); g++) {
        scores[q][g] = (float) score.applyAsDouble(split.gallery().get(g).scene());
      }
      queries.add(new RetrievalQuery(t.id(), t.reference(), t.target(), t.members()));
    }
    return RecallProtocol.CIRR.evaluate(ScoreMatrix.of(scores), GalleryIndex.of(names), queries);
  }

  @Test
  void compositionIsNeededTextAloneAndImageAloneFail() {
    for (SyntheticSplit split : dataset.splits()) {
      RecallReport composed = evaluate(split, Oracles::composed);
      RecallReport text = evaluate(split, (r, e) -> g -> Oracles.textOnly(e, g));
      RecallReport image = evaluate(split, (r, e) -> g -> Oracles.imageOnly(r, g));
      RecallReport sum =
          evaluate(split, (r, e) -> g -> Oracles.textOnly(e, g) + Oracles.imageOnly(r, g));
      System.out.printf(
          "%s: R@1 composed %.1f, text %.1f, image %.1f, text+image %.1f;"
              + " Rs@1 text %.1f, image %.1f%n",
          split.name(),
          composed.get("recall@1"),
          text.get("recall@1"),
          image.get("recall@1"),
          sum.get("recall@1"),
          text.get("recall_subset@1"),
          image.get("recall_subset@1"));
      assertEquals(100.0, composed.get("recall@1"), split.name());
      assertEquals(100.0, composed.get("recall_subset@1"), split.name());
      assertTrue(composed.misses().isEmpty());
      assertTrue(text.get("recall@1") < 40, split.name() + " text-only " + text.metrics());
      assertTrue(image.get("recall@1") < 40, split.name() + " image-only " + image.metrics());
      assertTrue(text.get("recall_subset@1") < 60, split.name() + " text-only " + text.metrics());
      assertTrue(
          image.get("recall_subset@1") < 60, split.name() + " image-only " + image.metrics());
    }
  }

  /**
   * A split drawn after another finds many small scenes taken; the mix of references must not
   * depend on the order (with the number of objects drawn with the scene, test had 29-32%
   * one-object references and train 2-3%).
   */
  @Test
  void everySplitHasTheMixOfReferencesOfTrain() {
    SyntheticDataset d = SyntheticDataset.generate(OPTIONS.withSize(5000).withHeldOut(500));
    Map<Integer, Double> train = referenceObjects(split(d, "train"));
    assertTrue(train.getOrDefault(1, 0.0) > 0.01, "train " + train);
    for (String name : List.of("val", "test")) {
      Map<Integer, Double> held = referenceObjects(split(d, name));
      for (int n = 1; n <= Scene.MAX_OBJECTS; n++) {
        double a = train.getOrDefault(n, 0.0);
        double b = held.getOrDefault(n, 0.0);
        // 500 queries: about 2 points of sampling noise at a share of 40-60%
        assertTrue(Math.abs(a - b) < (n == 1 ? 0.03 : 0.07), name + " " + held + " against train " + train);
      }
    }
  }

  private static Map<Integer, Double> referenceObjects(SyntheticSplit s) {
    Map<String, SyntheticImage> byId = s.imagesById();
    Map<Integer, Double> shares = new java.util.TreeMap<>();
    for (SyntheticTriplet t : s.triplets()) {
      shares.merge(byId.get(t.reference()).scene().size(), 1.0 / s.triplets().size(), Double::sum);
    }
    return shares;
  }

  @Test
  void heldOutSplitsStayTheSameWhenTrainGrows() {
    SyntheticDataset small = SyntheticDataset.generate(OPTIONS.withSize(60).withHeldOut(6));
    SyntheticDataset large = SyntheticDataset.generate(OPTIONS.withSize(300).withHeldOut(6));
    for (String name : List.of("val", "test")) {
      SyntheticSplit a = split(small, name);
      SyntheticSplit b = split(large, name);
      assertEquals(6, a.triplets().size());
      assertEquals(a, b, name + " differs when only train grows");
    }
    assertEquals(48, split(small, "train").triplets().size());
    assertEquals(288, split(large, "train").triplets().size());
    assertThrows(IllegalArgumentException.class, () -> OPTIONS.withSize(60).withHeldOut(30));
    assertThrows(IllegalArgumentException.class, () -> OPTIONS.withHeldOut(-1));
  }

  private static SyntheticSplit split(SyntheticDataset d, String name) {
    return d.splits().stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
  }

  @Test
  void optionsAreCheckedAndOutputMustBeEmpty() {
    assertThrows(IllegalArgumentException.class, () -> OPTIONS.withSize(2));
    assertThrows(IllegalArgumentException.class, () -> OPTIONS.withImageSize(40));
    assertEquals(19000, SyntheticDataset.Options.defaults().triplets("train"));
    assertEquals(500, SyntheticDataset.Options.defaults().triplets("test"));
    // a tenth up to 500: the default dataset shares val and test with every size from 5000 up
    assertEquals(500, SyntheticDataset.Options.defaults().withSize(5000).triplets("val"));
    assertEquals(300, SyntheticDataset.Options.defaults().withSize(3000).triplets("val"));
    assertEquals(1, OPTIONS.withSize(3).triplets("val"));
    IOException e =
        assertThrows(
            IOException.class, () -> SyntheticDataset.generate(OPTIONS.withSize(3)).writeTo(root));
    assertTrue(e.getMessage().contains("is not empty"), e.getMessage());
  }
}
