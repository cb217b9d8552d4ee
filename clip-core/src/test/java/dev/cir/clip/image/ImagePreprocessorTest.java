package dev.cir.clip.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cir.clip.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImagePreprocessorTest {
  private final ImagePreprocessor preprocessor =
      new ImagePreprocessor(new ImageDecoder(), ImageTransform.forName("targetpad", 32));

  @TempDir Path tmp;

  @Test
  void oneFileOrBytes() throws IOException {
    Path file = Fixtures.small("img_tall.png");
    float[] pixels = preprocessor.preprocess(file);
    assertEquals(3 * 32 * 32, pixels.length);
    assertArrayEquals(pixels, preprocessor.preprocess(Files.readAllBytes(file), "tall upload"));
    InvalidImageException e =
        assertThrows(
            InvalidImageException.class, () -> preprocessor.preprocess(new byte[3], "tiny upload"));
    assertTrue(e.getMessage().startsWith("tiny upload: "), e.getMessage());
  }

  @Test
  void aBatchKeepsItsOrderAndReportsEachBadFile() throws IOException {
    byte[] png = Files.readAllBytes(Fixtures.small("img_wide.png"));
    Path truncated = Files.write(tmp.resolve("cut.png"), Arrays.copyOf(png, png.length / 3));
    Path text = Files.writeString(tmp.resolve("readme.png"), "not a picture");
    Path missing = tmp.resolve("gone.png");
    List<Path> files =
        List.of(
            Fixtures.small("img_wide.png"),
            truncated,
            Fixtures.small("img_square.png"),
            text,
            missing,
            Fixtures.small("img_near.png"));
    ExecutorService pool = Executors.newFixedThreadPool(3);
    AtomicInteger tasks = new AtomicInteger();
    Set<String> threads = ConcurrentHashMap.newKeySet();
    List<PreprocessedImage> results;
    try {
      results =
          preprocessor.preprocessAll(
              files,
              command ->
                  pool.execute(
                      () -> {
                        tasks.incrementAndGet();
                        threads.add(Thread.currentThread().getName());
                        command.run();
                      }));
    } finally {
      pool.shutdown();
    }
    assertEquals(files.size(), tasks.get());
    assertFalse(threads.contains(Thread.currentThread().getName()));
    assertEquals(files.size(), results.size());
    for (int i = 0; i < files.size(); i++) {
      assertEquals(files.get(i), results.get(i).file());
    }
    for (int i : new int[] {0, 2, 5}) {
      assertTrue(results.get(i).succeeded(), results.get(i).toString());
      assertArrayEquals(preprocessor.preprocess(files.get(i)), results.get(i).pixels());
    }
    assertFailed(results.get(1), truncated, "truncated PNG");
    assertFailed(results.get(3), text, "not a supported image");
    assertFailed(results.get(4), missing, "file not found");
  }

  @Test
  void anEmptyBatch() {
    assertTrue(preprocessor.preprocessAll(List.of(), Runnable::run).isEmpty());
  }

  private static void assertFailed(PreprocessedImage result, Path file, String problem) {
    assertFalse(result.succeeded());
    RuntimeException failure = result.failure().orElseThrow();
    assertInstanceOf(InvalidImageException.class, failure);
    String source = file.toAbsolutePath().normalize().toString();
    assertTrue(failure.getMessage().startsWith(source + ": "), failure.getMessage());
    assertTrue(failure.getMessage().contains(problem), failure.getMessage());
    IllegalStateException e = assertThrows(IllegalStateException.class, result::pixels);
    assertEquals(failure, e.getCause());
  }
}
