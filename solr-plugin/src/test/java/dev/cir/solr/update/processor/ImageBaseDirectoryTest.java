package dev.cir.solr.update.processor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageBaseDirectoryTest {
  @TempDir Path tmp;

  @Test
  void resolvesFilesInsideAndRefusesEverythingElse() throws Exception {
    Path base = Files.createDirectories(tmp.resolve("images/sub"));
    Path inside = Files.writeString(base.resolve("a.png"), "x");
    Path secret = Files.writeString(tmp.resolve("secret.txt"), "s");
    Files.createSymbolicLink(base.resolve("link.png"), secret);
    Files.createSymbolicLink(base.resolve("ok-link.png"), inside);
    ImageBaseDirectory dir = new ImageBaseDirectory(tmp.resolve("images"));

    assertEquals(inside.toRealPath(), dir.resolve("sub/a.png"));
    assertEquals(inside.toRealPath(), dir.resolve(inside.toString()), "an absolute path inside is fine");
    assertEquals(inside.toRealPath(), dir.resolve("sub/ok-link.png"), "a link that stays inside is fine");
    String[][] refused = {
      {"../secret.txt", "'..'"},
      {"sub/../../secret.txt", "'..'"},
      {secret.toString(), "outside"},
      {"/etc/passwd", "outside"},
      {"sub/link.png", "symbolic link"},
      {"http://example.org/a.png", "URL"},
      {"file:///etc/passwd", "URL"},
      {"sub/none.png", "not found"},
      {" ", "empty"},
    };
    for (String[] r : refused) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> dir.resolve(r[0]), r[0]);
      assertTrue(e.getMessage().contains(r[1]), r[0] + ": " + e.getMessage());
    }
    assertThrows(IllegalArgumentException.class, () -> new ImageBaseDirectory(tmp.resolve("none")));
  }
}
