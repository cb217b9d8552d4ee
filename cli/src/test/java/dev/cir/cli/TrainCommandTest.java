package dev.cir.cli;

import static dev.cir.cli.CliTest.cir;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cir.cli.CliTest.Result;
import dev.cir.clip.bundle.ModelBundle;
import dev.cir.clip.testing.TestBundles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cir train}'s command line: help, required choices and one-line errors. */
class TrainCommandTest {
  @TempDir Path tmp;

  @Test
  void helpNamesBothTrainingsAndTheirDefaults() {
    Result help = cir("train", "--help");
    assertEquals(0, help.status());
    assertTrue(help.out().contains("clip") && help.out().contains("combiner"), help.out());
    Result clip = cir("train", "clip", "--help");
    assertEquals(0, clip.status());
    assertTrue(clip.out().contains("--objective") && clip.out().contains("--decay-all") && clip.out().contains("2e-6"), clip.out());
    Result comb = cir("train", "combiner", "--help");
    assertTrue(comb.out().contains("--projection-dim") && comb.out().contains("2e-5"), comb.out());
  }

  @Test
  void badCommandLinesFailWithOneLine() {
    Result none = cir("train", "clip", "--dataset", "jsonl", "--root", tmp.toString(), "--out", tmp.resolve("o").toString());
    assertEquals(2, none.status(), "--model or --arch is required");
    assertTrue(none.err().contains("--model") && none.err().contains("--arch"), none.err());
    Result both = cir("train", "clip", "--dataset", "jsonl", "--root", tmp.toString(), "--out", tmp.resolve("o").toString(),
        "--model", tmp.toString(), "--arch", "tiny");
    assertEquals(2, both.status());
    Result captions = cir("train", "clip", "--dataset", "fashioniq", "--root", tmp.toString(), "--arch", "tiny", "--objective",
        "captions", "--out", tmp.resolve("o").toString());
    assertEquals(1, captions.status());
    assertTrue(captions.err().startsWith("cir: ") && captions.err().trim().lines().count() == 1, captions.err());
    Result objective = cir("train", "clip", "--dataset", "jsonl", "--root", tmp.toString(), "--arch", "tiny", "--objective",
        "triplets", "--out", tmp.resolve("o").toString());
    assertEquals(1, objective.status());
    assertTrue(objective.err().contains("composed or captions"), objective.err());
    Result model = cir("train", "combiner", "--model", tmp.resolve("missing").toString(), "--dataset", "jsonl", "--root",
        tmp.toString(), "--out", tmp.resolve("o").toString());
    assertEquals(1, model.status());
    assertTrue(model.err().contains("bundle directory not found"), model.err());
  }

  /** A shop's catalogue: images and their texts, no triplet anywhere, no validation split. */
  @Test
  void inversionTrainsOnACatalogueWithoutTriplets() throws Exception {
    Path synth = tmp.resolve("synth");
    assertEquals(0, cir("dataset", "synth", "--out", synth.toString(), "--size", "60").status());
    Path shop = tmp.resolve("shop");
    Files.createDirectories(shop.resolve("train"));
    Files.copy(synth.resolve("train/images.jsonl"), shop.resolve("train/images.jsonl"));
    Files.copy(synth.resolve("train/captions.jsonl"), shop.resolve("train/captions.jsonl"));
    try (Stream<Path> files = Files.walk(synth.resolve("images/train"))) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Path to = shop.resolve(synth.relativize(f));
        if (Files.isDirectory(f)) {
          Files.createDirectories(to);
        } else {
          Files.copy(f, to);
        }
      }
    }
    ModelBundle model = TestBundles.small("small-vit", tmp.resolve("model"), false);
    for (String objective : new String[] {"images", "texts"}) {
      Path out = tmp.resolve("zero-shot-" + objective);
      Result r = cir("train", "inversion", "--model", model.dir().toString(), "--dataset", "jsonl", "--root", shop.toString(),
          "--objective", objective, "--out", out.toString(), "--epochs", "1", "--steps-per-epoch", "3", "--batch-size", "16");
      assertEquals(0, r.status(), objective + ": " + r.err());
      ModelBundle trained = ModelBundle.open(out);
      assertTrue(trained.manifest().hasInversion(), objective);
      trained.verify();
      String metrics = Files.readString(out.resolve("metrics.csv"));
      assertTrue(!metrics.contains("val."), "nothing to validate on: " + metrics);
    }
  }

  @Test
  void runningOutOfMemoryIsOneLineSayingWhatToChange() throws Exception {
    Path out = tmp.resolve("run");
    IllegalStateException heap =
        org.junit.jupiter.api.Assertions.assertThrows(
            IllegalStateException.class,
            () -> TrainCommand.withMemoryAdvice(out, "--image-cache disk or none", () -> {
              throw new OutOfMemoryError("Java heap space");
            }));
    String line = Failures.oneLine(heap);
    assertTrue(line.startsWith("out of memory (Java heap: Java heap space) while training; the last checkpoint in "), line);
    assertTrue(line.contains("continue with --resume after --image-cache disk or none") && line.contains("-Xmx"), line);
    IllegalStateException natively =
        org.junit.jupiter.api.Assertions.assertThrows(
            IllegalStateException.class,
            () -> TrainCommand.withMemoryAdvice(out, "a smaller --batch-size", () -> {
              throw new ai.djl.engine.EngineException("[enforce fail at alloc_cpu.cpp:118] DefaultCPUAllocator: not enough memory: you tried to allocate 1 GB");
            }));
    assertTrue(Failures.oneLine(natively).startsWith("out of native memory ("), Failures.oneLine(natively));
    IllegalArgumentException other = new IllegalArgumentException("something else");
    assertEquals(other, org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> TrainCommand.withMemoryAdvice(out, "x", () -> {
          throw other;
        })));
    assertEquals(0, cir("dataset", "synth", "--out", tmp.resolve("d").toString(), "--size", "60").status());
    Result size = cir("train", "clip", "--dataset", "jsonl", "--root", tmp.resolve("d").toString(), "--arch", "tiny", "--image-size", "100",
        "--out", tmp.resolve("o2").toString());
    assertEquals(1, size.status());
    assertTrue(size.err().contains("image size 100 does not fit this architecture: it takes multiples of 16 pixels"), size.err());
  }
}
