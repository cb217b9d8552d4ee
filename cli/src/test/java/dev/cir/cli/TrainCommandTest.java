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
}
