package dev.cir.eval.data;

import static dev.cir.eval.data.DatasetFiles.json;
import static dev.cir.eval.data.DatasetFiles.touch;
import static dev.cir.eval.data.DatasetFiles.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonlReaderTest {
  @TempDir Path root;

  @BeforeEach
  void writeDataset() {
    write(
        root.resolve("val/images.jsonl"),
        json(
            "{'id': 'a', 'path': 'img/a.png', 'colors_ss': ['red'], 'objects_i': 2,"
                + " 'score_f': 1, 'label_s': 'x', 'weight': 0.5}\n"
                + "\n"
                + "{'id': 'b', 'path': 'img/b.png'}\n"
                + "{'id': 'c', 'path': './img/../img/c.png'}\n"));
    write(
        root.resolve("val/triplets.jsonl"),
        json(
            "{'reference': 'a', 'target': 'b', 'caption': 'make it blue', 'id': 'q1'}\n"
                + "{'reference': 'b', 'target': 'c', 'captions': ['p', 'q'], 'members': ['a', 'b',"
                + " 'c']}\n"
                + "{'reference': 'c', 'target': 'a', 'caption': 'z', 'id': 17}\n"));
    write(
        root.resolve("val/captions.jsonl"),
        json("{'image': 'a', 'caption': 'a red thing'}\n{'image': 'b', 'caption': 'b'}\n"));
    for (String id : List.of("a", "b", "c")) {
      touch(root.resolve("img/" + id + ".png"));
    }
  }

  @Test
  void readsTripletsGalleryAndCaptions() {
    JsonlReader reader = new JsonlReader(root);
    assertEquals(List.of("val"), reader.splits());
    CirDataset ds = reader.read("val");
    assertEquals(List.of("a", "b", "c"), ds.gallery().ids());
    assertEquals(root.toAbsolutePath().resolve("img/c.png"), ds.gallery().get("c").path());
    assertEquals(
        Map.of(
            "colors_ss",
            List.of("red"),
            "objects_i",
            2L,
            "score_f",
            1.0,
            "label_s",
            "x",
            "weight",
            0.5),
        ds.gallery().get("a").metadata());
    List<Triplet> t = ds.triplets();
    assertEquals(List.of("q1", "val:2", "17"), t.stream().map(Triplet::id).toList());
    assertEquals(List.of("p", "q"), t.get(1).captions());
    assertEquals("p", ds.captions().evaluationText(t.get(1)));
    assertEquals(List.of("a", "b", "c"), t.get(1).members());
    assertTrue(t.get(0).members().isEmpty());
    assertEquals(
        List.of(new ImageCaption("a", "a red thing"), new ImageCaption("b", "b")),
        reader.readCaptions("val"));
  }

  @Test
  void imagesShareOneInstanceOfEachRepeatedShortValue() {
    write(
        root.resolve("test/images.jsonl"),
        json(
            "{'id': 'd', 'path': 'img/a.png', 'colors_ss': ['red', 'blue'], 'label_s': 'x', 'note_s': '"
                + "y".repeat(40) + "'}\n"
                + "{'id': 'e', 'path': 'img/b.png', 'colors_ss': ['red', 'blue'], 'label_s': 'x', 'note_s': '"
                + "y".repeat(40) + "'}\n"));
    write(root.resolve("test/triplets.jsonl"), json("{'reference': 'd', 'target': 'e', 'caption': 'c'}\n"));
    Gallery g = new JsonlReader(root).read("test").gallery();
    Map<String, Object> d = g.get("d").metadata();
    Map<String, Object> e = g.get("e").metadata();
    assertEquals(d, e);
    assertSame(d.get("colors_ss"), e.get("colors_ss"));
    assertSame(d.get("label_s"), e.get("label_s"));
    assertSame(d.keySet().iterator().next(), e.keySet().iterator().next());
    // a long value (a title, a description) is unique to its image: kept as parsed
    assertFalse(d.get("note_s") == e.get("note_s"));
    assertEquals(List.of("colors_ss", "label_s", "note_s"), List.copyOf(d.keySet()));
  }

  @Test
  void valuesUniqueToEachImageDoNotGrowTheSharedSetPastItsBound() {
    int n = JsonlReader.SHARED_VALUES + 500;
    StringBuilder images = new StringBuilder();
    for (int i = 0; i < n; i++) {
      images.append("{\"id\": \"i").append(i).append("\", \"path\": \"img/a.png\", \"sku_s\": \"sku-")
          .append(i).append("\", \"label_s\": \"shirt\"}\n");
    }
    write(root.resolve("test/images.jsonl"), images.toString());
    write(root.resolve("test/triplets.jsonl"), json("{'reference': 'i0', 'target': 'i1', 'caption': 'c'}\n"));
    JsonlReader reader = new JsonlReader(root);
    Gallery g = reader.read("test").gallery();
    assertEquals(JsonlReader.SHARED_VALUES, reader.sharedValues());
    // the repeated value, seen first, stays shared by every image, also past the bound
    assertSame(g.get("i0").metadata().get("label_s"), g.get("i" + (n - 1)).metadata().get("label_s"));
    assertEquals("sku-" + (n - 1), g.get("i" + (n - 1)).metadata().get("sku_s"));
  }

  @Test
  void aReaderWithoutMetadataKeepsTheImagesAndNothingElse() {
    Gallery full = new JsonlReader(root).read("val").gallery();
    Gallery bare = new JsonlReader(root).withoutMetadata().read("val").gallery();
    assertEquals(full.ids(), bare.ids());
    for (String id : full.ids()) {
      assertEquals(full.get(id).path(), bare.get(id).path());
      assertTrue(bare.get(id).metadata().isEmpty(), id);
    }
    assertFalse(full.get("a").metadata().isEmpty());
  }

  @Test
  void aReaderReadsEachGalleryOnce() throws Exception {
    JsonlReader reader = new JsonlReader(root);
    Gallery first = reader.readGallery("val");
    // triplets and captions of the split refer to the gallery already read, not to the file again
    java.nio.file.Files.delete(root.resolve("val/images.jsonl"));
    assertSame(first, reader.read("val").gallery());
    assertEquals(2, reader.readCaptions("val").size());
    DatasetException e = assertThrows(DatasetException.class, () -> new JsonlReader(root).read("val"));
    assertTrue(e.getMessage().contains("images.jsonl"), e.getMessage());
  }

  @Test
  void sharedRootGalleryServesSplitsWithoutTheirOwn() {
    write(root.resolve("images.jsonl"), json("{'id': 'a', 'path': 'img/a.png'}\n"));
    write(root.resolve("test/triplets.jsonl"), json("{'reference': 'a', 'caption': 'x'}\n"));
    CirDataset test = new JsonlReader(root).read("test");
    assertNull(test.triplets().get(0).target());
    assertFalse(test.hasTargets());
    assertEquals(List.of("test", "val"), new JsonlReader(root).splits());
  }

  @Test
  void missingFilesNameTheLayout() {
    DatasetException e =
        assertThrows(DatasetException.class, () -> new JsonlReader(root).read("train"));
    assertTrue(e.getMessage().contains("train/images.jsonl"), e.getMessage());
    assertTrue(e.getMessage().contains("JSONL layout"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new JsonlReader(root).read("../x"));
  }

  private String failureFor(String file, String text) {
    write(root.resolve(file), json(text));
    return assertThrows(DatasetException.class, () -> new JsonlReader(root).read("val"))
        .getMessage();
  }

  @Test
  void malformedLinesNameFileLineAndProblem() {
    String m =
        failureFor("val/triplets.jsonl", "{'reference': 'a', 'caption': 'x'}\n{'reference': ");
    assertTrue(m.contains("triplets.jsonl:2: malformed JSON"), m);
    m = failureFor("val/triplets.jsonl", "{'reference': 'a', 'caption': 'x'} {}\n");
    assertTrue(m.contains("triplets.jsonl:1: malformed JSON"), m);
    m = failureFor("val/triplets.jsonl", "{'reference': 'a', 'caption': 'x'}\n['a']\n");
    assertTrue(m.contains("triplets.jsonl:2: expected a JSON object, found a list"), m);
    m = failureFor("val/triplets.jsonl", "{'reference': 'a'}\n");
    assertTrue(m.contains("triplets.jsonl:1: missing field 'caption'"), m);
    m = failureFor("val/triplets.jsonl", "{'reference': 'a', 'caption': 'x', 'captions': ['y']}\n");
    assertTrue(m.contains("either 'caption' or 'captions'"), m);
    m = failureFor("val/triplets.jsonl", "{'reference': 3, 'caption': 'x'}\n");
    assertTrue(m.contains(":1: field 'reference' must be a string, found a number (3)"), m);
    m =
        failureFor(
            "val/triplets.jsonl", "{'reference': 'a', 'caption': 'x', 'members': ['a', 1]}\n");
    assertTrue(m.contains("'members' must be a list of strings, element 1"), m);
    m =
        failureFor(
            "val/triplets.jsonl",
            "{'reference': 'a', 'caption': 'x', 'id': 'k'}\n"
                + "{'reference': 'b', 'caption': 'x', 'id': 'k'}\n");
    assertTrue(m.contains(":2: triplet id 'k' repeats the one on line 1"), m);
  }

  @Test
  void unknownIdsNameFileLineAndId() {
    String m =
        failureFor(
            "val/triplets.jsonl",
            "{'reference': 'a', 'target': 'b', 'caption': 'x'}\n"
                + "{'reference': 'zz', 'target': 'b', 'caption': 'x'}\n"
                + "{'reference': 'a', 'target': 'yy', 'caption': 'x', 'members': ['ww']}\n");
    assertTrue(m.startsWith("3 image ids"), m);
    assertTrue(m.contains("triplets.jsonl:2: reference 'zz'"), m);
    assertTrue(m.contains("triplets.jsonl:3: target 'yy'"), m);
    assertTrue(m.contains("triplets.jsonl:3: member 'ww'"), m);
  }

  @Test
  void badMetadataAndPathsAreRefused() {
    String m = failureFor("val/images.jsonl", "{'id': 'a', 'path': 'img/a.png', 'n_i': 1.5}\n");
    assertTrue(m.contains("images.jsonl:1: metadata field 'n_i' (Solr *_i) must be a 32-bit"), m);
    m = failureFor("val/images.jsonl", "{'id': 'a', 'path': 'img/a.png', 'n_i': 3000000000}\n");
    assertTrue(m.contains("must be a 32-bit integer"), m);
    m = failureFor("val/images.jsonl", "{'id': 'a', 'path': 'img/a.png', 'c_ss': 'red'}\n");
    assertTrue(m.contains("'c_ss' (Solr *_ss) must be a list of strings"), m);
    m = failureFor("val/images.jsonl", "{'id': 'a', 'path': 'img/a.png', 'flag': true}\n");
    assertTrue(m.contains("'flag' must be a string, a list of strings, an integer or a float"), m);
    m = failureFor("val/images.jsonl", "{'id': 'a', 'path': 'img/a.png', 'nested': {'x': 1}}\n");
    assertTrue(m.contains("found an object"), m);
    m = failureFor("val/images.jsonl", "{'id': 'a', 'path': '/etc/passwd'}\n");
    assertTrue(m.contains("must be relative to the dataset root"), m);
    m = failureFor("val/images.jsonl", "{'id': 'a', 'path': '../outside.png'}\n");
    assertTrue(m.contains("leads outside the dataset root"), m);
    m =
        failureFor(
            "val/images.jsonl",
            "{'id': 'a', 'path': 'img/a.png'}\n{'id': 'a', 'path': 'img/b.png'}\n");
    assertTrue(m.contains("images.jsonl:2: image id 'a' repeats the one on line 1"), m);
  }

  @Test
  void missingImageFilesAreAllCountedAndTheFirstListed() {
    StringBuilder lines = new StringBuilder();
    for (int i = 0; i < 25; i++) {
      lines.append(json("{'id': 'm" + i + "', 'path': 'img/missing" + i + ".png'}\n"));
    }
    lines.append(json("{'id': 'a', 'path': 'img/a.png'}\n"));
    write(root.resolve("val/images.jsonl"), lines.toString());
    write(root.resolve("val/triplets.jsonl"), json("{'reference': 'a', 'caption': 'x'}\n"));
    String m =
        assertThrows(DatasetException.class, () -> new JsonlReader(root).read("val")).getMessage();
    assertTrue(m.startsWith("25 of 26 image files listed in"), m);
    assertTrue(m.contains("'m0'") && m.contains("'m9'") && !m.contains("'m10'"), m);
    assertTrue(m.contains("... and 15 more"), m);
    assertEquals(26, new JsonlReader(root, false).read("val").gallery().size());
  }

  @Test
  void captionsMustNameGalleryImages() {
    write(root.resolve("val/captions.jsonl"), json("{'image': 'q', 'caption': 'x'}\n"));
    String m =
        assertThrows(DatasetException.class, () -> new JsonlReader(root).readCaptions("val"))
            .getMessage();
    assertTrue(m.contains("captions.jsonl:1: image 'q' is not in the gallery"), m);
  }
}
