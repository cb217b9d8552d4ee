package dev.cir.eval.data;

import static dev.cir.eval.data.DatasetFiles.json;
import static dev.cir.eval.data.DatasetFiles.touch;
import static dev.cir.eval.data.DatasetFiles.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
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

class FashionIqReaderTest {
  @TempDir Path root;

  @BeforeEach
  void writeDataset() {
    write(root.resolve("image_splits/split.dress.val.json"), json("['d3', 'd1', 'd2']"));
    write(
        root.resolve("captions/cap.dress.val.json"),
        json(
            "[{'candidate': 'd1', 'target': 'd2', 'captions': ['is RED.', 'has sleeves']},"
                + " {'candidate': 'd2', 'target': 'd3', 'captions': ['is shorter', 'is blue?']}]"));
    write(root.resolve("image_splits/split.dress.test.json"), json("['d1', 'd2']"));
    write(
        root.resolve("captions/cap.dress.test.json"),
        json("[{'candidate': 'd1', 'captions': ['a', 'b']}]"));
    for (String id : List.of("d1", "d2", "d3")) {
      touch(root.resolve("images/" + id + ".jpg"));
    }
  }

  @Test
  void readsTripletsAndGalleryInFileOrder() {
    CirDataset ds = new FashionIqReader(root).read("dress", "val");
    assertEquals("fashioniq.dress", ds.name());
    assertEquals("val", ds.split());
    assertEquals(List.of("d3", "d1", "d2"), ds.gallery().ids());
    assertEquals(root.resolve("images/d3.jpg"), ds.gallery().get("d3").path());
    assertEquals(Map.of("category_s", "dress"), ds.gallery().get("d3").metadata());
    assertEquals(2, ds.triplets().size());
    Triplet t = ds.triplets().get(0);
    assertEquals("dress.val.0", t.id());
    assertEquals("d1", t.reference());
    assertEquals("d2", t.target());
    assertEquals(List.of("is RED.", "has sleeves"), t.captions());
    assertEquals("Is red and has sleeves", ds.captions().evaluationText(t));
    assertEquals("Is shorter and is blue", ds.captions().evaluationText(ds.triplets().get(1)));
    assertTrue(ds.hasTargets());
  }

  @Test
  void testSplitHasNoTarget() {
    CirDataset ds = new FashionIqReader(root).read("dress", "test");
    assertNull(ds.triplets().get(0).target());
    assertFalse(ds.hasTargets());
  }

  @Test
  void missingFileNamesTheFileAndTheLayout() {
    DatasetException e =
        assertThrows(DatasetException.class, () -> new FashionIqReader(root).read("shirt", "val"));
    assertTrue(e.getMessage().contains("split.shirt.val.json"), e.getMessage());
    assertTrue(e.getMessage().contains("FashionIQ's layout"), e.getMessage());
  }

  @Test
  void unknownCategoryOrSplitIsRefused() {
    FashionIqReader reader = new FashionIqReader(root);
    assertThrows(IllegalArgumentException.class, () -> reader.read("shoes", "val"));
    assertThrows(IllegalArgumentException.class, () -> reader.read("dress", "dev"));
  }

  @Test
  void malformedEntryNamesTheEntryAndTheProblem() {
    write(
        root.resolve("captions/cap.dress.val.json"),
        json("[{'candidate': 'd1', 'target': 'd2', 'captions': ['only one']}]"));
    DatasetException e =
        assertThrows(DatasetException.class, () -> new FashionIqReader(root).read("dress", "val"));
    assertTrue(e.getMessage().contains("cap.dress.val.json $[0]"), e.getMessage());
    assertTrue(e.getMessage().contains("must hold 2 captions, has 1"), e.getMessage());

    write(root.resolve("captions/cap.dress.val.json"), json("[{'candidate': 'd1', 'captions': "));
    e = assertThrows(DatasetException.class, () -> new FashionIqReader(root).read("dress", "val"));
    assertTrue(e.getMessage().contains("malformed JSON"), e.getMessage());

    write(
        root.resolve("captions/cap.dress.val.json"),
        json("[{'candidate': 'd1', 'captions': ['a', 'b']}]"));
    e = assertThrows(DatasetException.class, () -> new FashionIqReader(root).read("dress", "val"));
    assertTrue(e.getMessage().contains("missing field 'target'"), e.getMessage());
  }

  @Test
  void unknownIdsAreAllNamedWithTheirEntry() {
    write(
        root.resolve("captions/cap.dress.val.json"),
        json(
            "[{'candidate': 'd1', 'target': 'nope', 'captions': ['a', 'b']},"
                + " {'candidate': 'gone', 'target': 'd2', 'captions': ['a', 'b']}]"));
    DatasetException e =
        assertThrows(DatasetException.class, () -> new FashionIqReader(root).read("dress", "val"));
    assertTrue(e.getMessage().startsWith("2 image ids"), e.getMessage());
    assertTrue(e.getMessage().contains("$[0]: target 'nope'"), e.getMessage());
    assertTrue(e.getMessage().contains("$[1]: candidate 'gone'"), e.getMessage());
  }

  @Test
  void missingImageFilesAreAllListed() {
    write(root.resolve("image_splits/split.dress.val.json"), json("['d3', 'd1', 'd2', 'x', 'y']"));
    DatasetException e =
        assertThrows(DatasetException.class, () -> new FashionIqReader(root).read("dress", "val"));
    assertTrue(e.getMessage().startsWith("2 of 5 image files"), e.getMessage());
    assertTrue(e.getMessage().contains("'x'") && e.getMessage().contains("'y'"), e.getMessage());
    // the check can be switched off for partial downloads
    assertEquals(5, new FashionIqReader(root, false).read("dress", "val").gallery().size());
  }

  @Test
  void duplicateGalleryNamesAreRefused() {
    write(root.resolve("image_splits/split.dress.val.json"), json("['d1', 'd2', 'd1', 'd3']"));
    DatasetException e =
        assertThrows(DatasetException.class, () -> new FashionIqReader(root).read("dress", "val"));
    assertTrue(e.getMessage().contains("duplicate image id 'd1'"), e.getMessage());
  }
}
