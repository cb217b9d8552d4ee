package dev.cir.eval.data;

import static dev.cir.eval.data.DatasetFiles.json;
import static dev.cir.eval.data.DatasetFiles.touch;
import static dev.cir.eval.data.DatasetFiles.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CirrReaderTest {
  @TempDir Path root;

  @BeforeEach
  void writeDataset() {
    write(
        root.resolve("cirr/image_splits/split.rc2.val.json"),
        json(
            "{'dev-2-0-img1': './dev/2/a.png', 'dev-1-0-img0': './dev/1/b.png', 'dev-3':"
                + " './dev/c.png'}"));
    write(
        root.resolve("cirr/captions/cap.rc2.val.json"),
        json(
            "[{'pairid': 12, 'reference': 'dev-1-0-img0', 'target_hard': 'dev-2-0-img1',"
                + " 'caption': 'Make it a Dog.', 'target_soft': {'dev-2-0-img1': 1.0},"
                + " 'img_set': {'id': 3, 'members': ['dev-1-0-img0', 'dev-2-0-img1', 'dev-3']}}]"));
    write(
        root.resolve("cirr/image_splits/split.rc2.test1.json"),
        json("{'t-1': './test1/t-1.png', 't-2': './test1/t-2.png'}"));
    write(
        root.resolve("cirr/captions/cap.rc2.test1.json"),
        json(
            "[{'pairid': 7, 'reference': 't-1', 'caption': 'x',"
                + " 'img_set': {'members': ['t-1', 't-2']}}]"));
    for (String p :
        List.of("dev/2/a.png", "dev/1/b.png", "dev/c.png", "test1/t-1.png", "test1/t-2.png")) {
      touch(root.resolve(p));
    }
  }

  @Test
  void readsValSplit() {
    CirDataset ds = new CirrReader(root).read("val");
    assertEquals(List.of("dev-2-0-img1", "dev-1-0-img0", "dev-3"), ds.gallery().ids());
    assertEquals(root.resolve("dev/1/b.png"), ds.gallery().get("dev-1-0-img0").path());
    Triplet t = ds.triplets().get(0);
    assertEquals("12", t.id());
    assertEquals("dev-1-0-img0", t.reference());
    assertEquals("dev-2-0-img1", t.target());
    assertEquals("Make it a Dog.", ds.captions().evaluationText(t));
    assertEquals(List.of("dev-1-0-img0", "dev-2-0-img1", "dev-3"), t.members());
  }

  @Test
  void test1HasNoTarget() {
    Triplet t = new CirrReader(root).read("test1").triplets().get(0);
    assertEquals("7", t.id());
    assertNull(t.target());
  }

  @Test
  void errorsNameTheFileEntryAndProblem() {
    write(
        root.resolve("cirr/captions/cap.rc2.val.json"),
        json("[{'pairid': 1.5, 'reference': 'dev-3', 'target_hard': 'dev-3', 'caption': 'x'}]"));
    DatasetException e =
        assertThrows(DatasetException.class, () -> new CirrReader(root).read("val"));
    assertTrue(e.getMessage().contains("$[0]: field 'pairid' must be an integer"), e.getMessage());

    write(
        root.resolve("cirr/captions/cap.rc2.val.json"),
        json("[{'pairid': 1, 'reference': 'dev-3', 'target_hard': 'dev-3', 'caption': 'x'}]"));
    e = assertThrows(DatasetException.class, () -> new CirrReader(root).read("val"));
    assertTrue(e.getMessage().contains("missing field 'img_set.members'"), e.getMessage());

    write(
        root.resolve("cirr/captions/cap.rc2.val.json"),
        json(
            "[{'pairid': 1, 'reference': 'dev-3', 'target_hard': 'zzz', 'caption': 'x',"
                + " 'img_set': {'members': ['dev-3', 'qq']}}]"));
    e = assertThrows(DatasetException.class, () -> new CirrReader(root).read("val"));
    assertTrue(e.getMessage().contains("target_hard 'zzz'"), e.getMessage());
    assertTrue(e.getMessage().contains("member 'qq'"), e.getMessage());

    e = assertThrows(DatasetException.class, () -> new CirrReader(root).read("train"));
    assertTrue(e.getMessage().contains("split.rc2.train.json"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new CirrReader(root).read("test"));
  }

  @Test
  void duplicatePairIdsAreRefused() {
    write(
        root.resolve("cirr/captions/cap.rc2.test1.json"),
        json(
            "[{'pairid': 7, 'reference': 't-1', 'caption': 'x', 'img_set': {'members': []}},"
                + " {'pairid': 7, 'reference': 't-2', 'caption': 'y', 'img_set': {'members':"
                + " []}}]"));
    DatasetException e =
        assertThrows(DatasetException.class, () -> new CirrReader(root).read("test1"));
    assertTrue(e.getMessage().contains("pairid 7 repeats"), e.getMessage());
  }

  @Test
  void missingImagesAreListed() {
    write(
        root.resolve("cirr/image_splits/split.rc2.test1.json"),
        json("{'t-1': './test1/t-1.png', 't-2': './test1/t-2.png', 't-3': './test1/none.png'}"));
    DatasetException e =
        assertThrows(DatasetException.class, () -> new CirrReader(root).read("test1"));
    assertTrue(e.getMessage().startsWith("1 of 3 image files"), e.getMessage());
    assertTrue(e.getMessage().contains("none.png"), e.getMessage());
  }
}
