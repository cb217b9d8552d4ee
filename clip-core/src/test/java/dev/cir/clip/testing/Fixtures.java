package dev.cir.clip.testing;

import dev.cir.clip.io.SafeTensors;
import dev.cir.clip.io.StateDict;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;

/**
 * Golden values from the original Python implementations.
 *
 * <p>{@link #small()} is copied into this module's test resources and is always present. {@link
 * #reference()} is the larger fixture with the CLIP BPE tokenizer; it is not part of the
 * repository and is looked up in a {@code shared/fixtures/clip-reference} folder beside the
 * checkout (or at {@code -Dcir.fixtures.reference=DIR}). Tests that need it report themselves
 * skipped, with the reason, where it is absent.
 */
public final class Fixtures {
  public static final String SMALL = "fixtures/clip-reference-small";
  private static final List<String> SMALL_FILES =
      List.of(
          "README.md",
          "manifest.json",
          "combiner.safetensors",
          "combiner.expected.safetensors",
          "img_near.png",
          "img_square.png",
          "img_tall.png",
          "img_wide.png",
          "small-rn.config.json",
          "small-rn.safetensors",
          "small-rn.expected.safetensors",
          "small-vit.config.json",
          "small-vit.safetensors",
          "small-vit.expected.safetensors",
          "small-vit.jit.pt");
  private static Path smallDir;

  private Fixtures() {}

  /** The small reference fixture, as a directory on disk. */
  public static synchronized Path small() {
    if (smallDir != null) {
      return smallDir;
    }
    URL url = Fixtures.class.getClassLoader().getResource(SMALL + "/manifest.json");
    if (url == null) {
      throw new IllegalStateException(SMALL + " is not on the test classpath");
    }
    try {
      if (url.getProtocol().equals("file")) {
        smallDir = Paths.get(url.toURI()).getParent();
      } else {
        // packaged in the clip-core test jar: copy it out once
        Path dir = Files.createTempDirectory("clip-reference-small");
        for (String f : SMALL_FILES) {
          try (InputStream in = Fixtures.class.getClassLoader().getResourceAsStream(SMALL + "/" + f)) {
            Files.copy(in, dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
          }
        }
        dir.toFile().deleteOnExit();
        smallDir = dir;
      }
      return smallDir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  public static Path small(String file) {
    return small().resolve(file);
  }

  public static StateDict smallTensors(String file) {
    return SafeTensors.read(small(file));
  }

  /** The full reference fixture ({@code shared/fixtures/clip-reference}), when it is reachable. */
  public static Optional<Path> reference() {
    String explicit = System.getProperty("cir.fixtures.reference");
    if (explicit != null && !explicit.isBlank()) {
      Path p = Paths.get(explicit);
      return Files.isDirectory(p) ? Optional.of(p) : Optional.empty();
    }
    for (String start : new String[] {System.getProperty("cir.repo.root"), System.getProperty("user.dir")}) {
      if (start == null) {
        continue;
      }
      for (Path dir = Paths.get(start).toAbsolutePath(); dir != null; dir = dir.getParent()) {
        Path candidate = dir.resolve("shared/fixtures/clip-reference");
        if (Files.isRegularFile(candidate.resolve("manifest.json"))) {
          return Optional.of(candidate);
        }
      }
    }
    return Optional.empty();
  }

  /** The full reference fixture, or the calling test is reported skipped with the reason. */
  public static Path referenceOrSkip() {
    Optional<Path> ref = reference();
    Assumptions.assumeTrue(
        ref.isPresent(),
        "skipped: the CLIP reference fixture (shared/fixtures/clip-reference, holding OpenAI's BPE"
            + " tokenizer) is not beside this checkout; pass -Dcir.fixtures.reference=DIR to run it");
    return ref.get();
  }
}
