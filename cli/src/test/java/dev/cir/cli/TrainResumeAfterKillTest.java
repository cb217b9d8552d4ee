package dev.cir.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cir.eval.synth.SyntheticDataset;
import dev.cir.train.log.StepLog;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real {@code cir train} process killed with SIGKILL ({@link Process#destroyForcibly()}) at
 * random moments and resumed each time ends with the loss curve of an uninterrupted run of the
 * same seed, step for step; for stage 1 (AdamW; the killed runs keep their images in a disk cache,
 * the uninterrupted one in memory), for the Combiner (Adam, dropout drawn from the engine's
 * generator) and for the inversion network φ (Adam, dropout, the gradient through the frozen text
 * tower).
 */
class TrainResumeAfterKillTest {
  @TempDir Path tmp;

  @Test
  void killedAndResumedRunsRepeatTheUninterruptedLossCurve() throws Exception {
    Path data = tmp.resolve("synth");
    SyntheticDataset.generate(SyntheticDataset.Options.defaults().withSize(80).withSeed(4).withImageSize(48)).writeTo(data);
    long seed = Long.getLong("tests.seed", System.nanoTime());
    Random random = new Random(seed);
    System.out.println("kill moments drawn with seed " + seed);

    List<String> clip = List.of("train", "clip", "--dataset", "jsonl", "--root", data.toString(), "--arch", "tiny",
        "--epochs", "3", "--batch-size", "8", "--checkpoint-every", "2", "--seed", "5", "--workers", "1");
    Path clipRef = tmp.resolve("clip-ref");
    Path clipKilled = tmp.resolve("clip-killed");
    runToEnd(clip, clipRef, false);
    List<String> onDisk = new ArrayList<>(clip);
    onDisk.addAll(List.of("--image-cache", "disk"));
    int kills = killAndResume(onDisk, clipKilled, random);
    assertTrue(!Files.exists(clipKilled.resolve("checkpoints").resolve("images.u8")), "the finished run removed its image cache");
    assertSameCurve(clipRef.resolve("steps.csv"), clipKilled.resolve("steps.csv"));
    assertEquals(
        Files.readString(clipRef.resolve("bundle.json")).replaceAll("\"(root|start|training_seconds)\": \"[^\"]*\"", ""),
        Files.readString(clipKilled.resolve("bundle.json")).replaceAll("\"(root|start|training_seconds)\": \"[^\"]*\"", ""),
        "the same weights (checksums) and the same validation");

    List<String> combiner = List.of("train", "combiner", "--model", clipRef.toString(), "--dataset", "jsonl", "--root",
        data.toString(), "--epochs", "25", "--batch-size", "8", "--checkpoint-every", "3", "--seed", "6", "--workers", "1");
    Path combRef = tmp.resolve("comb-ref");
    Path combKilled = tmp.resolve("comb-killed");
    runToEnd(combiner, combRef, false);
    kills += killAndResume(combiner, combKilled, random);
    assertSameCurve(combRef.resolve("steps.csv"), combKilled.resolve("steps.csv"));

    List<String> inversion = List.of("train", "inversion", "--model", clipRef.toString(), "--dataset", "jsonl", "--root",
        data.toString(), "--epochs", "3", "--steps-per-epoch", "40", "--batch-size", "8", "--checkpoint-every", "3", "--seed", "7",
        "--workers", "1");
    Path invRef = tmp.resolve("inv-ref");
    Path invKilled = tmp.resolve("inv-killed");
    runToEnd(inversion, invRef, false);
    int inversionKills = killAndResume(inversion, invKilled, random);
    assertSameCurve(invRef.resolve("steps.csv"), invKilled.resolve("steps.csv"));
    assertTrue(inversionKills >= 1, "the inversion training was never killed");
    assertTrue(kills >= 2, "the processes were killed " + kills + " times; the test needs kills to mean anything");
  }

  /** Starts, kills at a random moment after training began, resumes; up to three kills, then runs to the end. */
  private int killAndResume(List<String> args, Path out, Random random) throws Exception {
    int kills = 0;
    for (int attempt = 0; attempt < 3; attempt++) {
      Process p = start(args, out, attempt > 0);
      long before = steps(out);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      // wait until this process has taken an update, then let it run a random while longer
      while (p.isAlive() && steps(out) <= before && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      Thread.sleep(random.nextInt(1500));
      if (!p.isAlive()) {
        assertEquals(0, p.exitValue(), log(out));
        return kills;
      }
      p.destroyForcibly();
      p.waitFor();
      kills++;
      System.out.printf("killed %s after step %d%n", out.getFileName(), steps(out));
    }
    runToEnd(args, out, true);
    return kills;
  }

  private void runToEnd(List<String> args, Path out, boolean resume) throws Exception {
    Process p = start(args, out, resume);
    assertTrue(p.waitFor(5, TimeUnit.MINUTES), "training did not finish");
    assertEquals(0, p.exitValue(), log(out));
  }

  private Process start(List<String> args, Path out, boolean resume) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Dai.djl.offline=true");
    cmd.add("-Djava.awt.headless=true");
    cmd.add("-cp");
    cmd.add(System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")).replace(File.pathSeparator + File.pathSeparator, File.pathSeparator));
    cmd.add("dev.cir.cli.Main");
    cmd.addAll(args);
    cmd.add("--out");
    cmd.add(out.toString());
    if (resume) {
      cmd.add("--resume");
    }
    Files.createDirectories(out.getParent());
    Path logFile = out.resolveSibling(out.getFileName() + ".log");
    return new ProcessBuilder(cmd)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
        .start();
  }

  private static String log(Path out) throws IOException {
    Path f = out.resolveSibling(out.getFileName() + ".log");
    String s = Files.exists(f) ? Files.readString(f) : "";
    return s.length() > 4000 ? s.substring(s.length() - 4000) : s;
  }

  private static long steps(Path out) {
    try {
      Path f = out.resolve("steps.csv");
      return Files.exists(f) ? Math.max(0, Files.readAllLines(f).size() - 1) : 0;
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  private static void assertSameCurve(Path expected, Path actual) throws IOException {
    double[] a = StepLog.losses(expected);
    double[] b = StepLog.losses(actual);
    assertEquals(a.length, b.length, "steps");
    double max = 0;
    int first = -1;
    for (int i = 0; i < a.length; i++) {
      double d = Math.abs(a[i] - b[i]);
      if (!(d <= 1e-5) && first < 0) {
        first = i + 1;
      }
      max = Math.max(max, d);
    }
    System.out.printf("%s: %d steps, max loss difference %.3g%s%n", actual.getParent().getFileName(), a.length, max,
        first > 0 ? ", first at step " + first : "");
    assertTrue(max <= 1e-5, "loss curves differ by " + max);
  }
}
