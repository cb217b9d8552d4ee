package dev.cir.cli;

import static dev.cir.cli.CliTest.cir;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cir.cli.CliTest.Result;
import java.nio.file.Path;
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
