package dev.cir.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cir.clip.bundle.ModelBundle;
import dev.cir.eval.progress.ProgressReporter;
import dev.cir.eval.synth.SyntheticDataset;
import dev.cir.eval.validate.DatasetValidation;
import dev.cir.train.clip.ClipStart;
import dev.cir.train.clip.ClipTraining;
import dev.cir.train.clip.Encoders;
import dev.cir.train.combiner.CombinerTraining;
import dev.cir.train.data.TrainingData;
import dev.cir.train.log.StepLog;
import dev.cir.train.loop.TrainingLoop;
import dev.cir.train.loop.TrainingSettings;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The three stages end to end, in process, on a small synthetic dataset with the tiny model:
 * captions from random weights, then stage 1 from that bundle, then the Combiner; each writes a
 * complete bundle with its provenance, logs, curves and checkpoints.
 */
class TrainingPipelineTest {
  @TempDir static Path tmp;
  static TrainingData data;

  @BeforeAll
  static void dataset() throws IOException {
    Path root = tmp.resolve("synth");
    SyntheticDataset.generate(SyntheticDataset.Options.defaults().withSize(80).withSeed(3).withImageSize(48)).writeTo(root);
    data = new TrainingData(DatasetValidation.Kind.JSONL, root, List.of());
  }

  private static TrainingSettings settings(int epochs, int batch, double lr, boolean resume) {
    return new TrainingSettings(epochs, batch, lr, 2, true, 1.0, 11, 0, 1, 2, resume);
  }

  @Test
  void captionsThenComposedThenCombiner() throws IOException {
    StringWriter log = new StringWriter();
    PrintWriter pw = new PrintWriter(log, true);
    Path s0 = tmp.resolve("captions");
    ClipStart start = ClipStart.random("tiny", null, data, s0.resolve("checkpoints/tokenizer.json"));
    TrainingLoop.Result r0 =
        ClipTraining.run(
            new ClipTraining.Options(data, ClipTraining.Objective.CAPTIONS, Encoders.BOTH, start, s0, settings(2, 32, 1e-3, false),
                0.1, false, 0.98, 1e-6, "cpu", 2, Map.of("command", "test captions")),
            ProgressReporter.none(), pw);
    ModelBundle b0 = ModelBundle.open(s0);
    b0.verify();
    assertEquals("tiny", b0.manifest().architectureName());
    assertEquals("captions", b0.manifest().provenance().get("objective"));
    assertTrue(b0.manifest().provenance().get("validation").contains("recall@1"), b0.manifest().provenance().toString());
    assertEquals(2, r0.state().epochs.size());
    for (String f : List.of("steps.csv", "metrics.csv", "loss.png", "validation.png")) {
      assertTrue(Files.size(s0.resolve(f)) > 0, f);
    }
    double[] losses = StepLog.losses(s0.resolve("steps.csv"));
    assertEquals(r0.state().step, losses.length);
    assertTrue(Files.readString(s0.resolve("metrics.csv")).startsWith("epoch,step,train.loss"));

    // a second run into the same folder must not silently start over
    assertThrows(IllegalArgumentException.class, () -> ClipTraining.run(
        new ClipTraining.Options(data, ClipTraining.Objective.CAPTIONS, Encoders.BOTH, start, s0, settings(2, 32, 1e-3, false),
            0.1, false, 0.98, 1e-6, "cpu", 2, Map.of("command", "test captions")), ProgressReporter.none(), pw));
    // resuming a finished run changes nothing
    TrainingLoop.Result again =
        ClipTraining.run(
            new ClipTraining.Options(data, ClipTraining.Objective.CAPTIONS, Encoders.BOTH, start, s0, settings(2, 32, 1e-3, true),
                0.1, false, 0.98, 1e-6, "cpu", 2, Map.of("command", "test captions")),
            ProgressReporter.none(), pw);
    assertEquals(r0.state().step, again.state().step);

    Path s1 = tmp.resolve("stage1");
    ClipTraining.run(
        new ClipTraining.Options(data, ClipTraining.Objective.COMPOSED, Encoders.TEXT, ClipStart.of(b0), s1, settings(2, 16, 1e-4, false),
            0.01, false, 0.999, 1e-7, "cpu", 2, Map.of("command", "test composed")),
        ProgressReporter.none(), pw);
    ModelBundle b1 = ModelBundle.open(s1);
    assertEquals("composed", b1.manifest().provenance().get("objective"));
    assertEquals("text", b1.manifest().provenance().get("encoder"));
    // --encoder text leaves the image tower exactly as it was
    assertEquals(
        java.util.Arrays.toString(dev.cir.clip.io.SafeTensors.read(b0.clipFile()).get("visual.proj").toFloatArray()),
        java.util.Arrays.toString(dev.cir.clip.io.SafeTensors.read(b1.clipFile()).get("visual.proj").toFloatArray()));

    Path s2 = tmp.resolve("combiner");
    CombinerTraining.run(
        new CombinerTraining.Options(data, b1, s2, settings(3, 16, 1e-3, false), 0, 0, "cpu", 2, Map.of("command", "test combiner")),
        ProgressReporter.none(), pw);
    ModelBundle b2 = ModelBundle.open(s2);
    b2.verify();
    assertTrue(b2.manifest().hasCombiner());
    assertEquals(128 * 4, b2.manifest().combinerSizes()[1]);
    assertEquals(
        b1.manifest().checksums().get("clip.safetensors"), b2.manifest().checksums().get("clip.safetensors"),
        "stage 2 leaves the encoders untouched");
    assertTrue(log.toString().contains("epoch 3:"), log.toString());

    // a sampled gallery with mined neighbours, two updates per epoch
    Path s3 = tmp.resolve("combiner-sampled");
    TrainingLoop.Result r3 =
        CombinerTraining.run(
            new CombinerTraining.Options(data, b1, s3, new TrainingSettings(3, 16, 1e-3, 2, true, 1.0, 11, 0, 3, 2, false, 2),
                0, 0, "cpu", 2, Map.of("command", "test combiner"), 2, true, 20, 3, true),
            ProgressReporter.none(), pw);
    assertEquals(6, r3.state().step, "three epochs of two updates");
    assertEquals(6, StepLog.losses(s3.resolve("steps.csv")).length);
    assertEquals("gallery sample of 20 and 3 mined", ModelBundle.open(s3).manifest().provenance().get("candidates"));
    assertEquals("2", ModelBundle.open(s3).manifest().provenance().get("steps_per_epoch"));
  }

  @Test
  void shortEpochsPreprocessOnlyTheImagesTheyTake() throws IOException {
    StringWriter log = new StringWriter();
    PrintWriter pw = new PrintWriter(log, true);
    Path out = tmp.resolve("captions-short");
    ClipStart start = ClipStart.random("tiny", null, data, out.resolve("checkpoints/tokenizer.json"));
    int pairs = data.captions("train").size();
    TrainingLoop.Result r =
        ClipTraining.run(
            new ClipTraining.Options(data, ClipTraining.Objective.CAPTIONS, Encoders.BOTH, start, out,
                new TrainingSettings(2, 8, 1e-4, 0, true, 1.0, 11, 0, 2, 2, false, 2), 0.1, false, 0.98, 1e-6, "cpu", 2,
                Map.of("command", "test captions")),
            ProgressReporter.none(), pw);
    assertEquals(4, r.state().step);
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+) training images: ").matcher(log.toString());
    assertTrue(m.find(), log.toString());
    int preprocessed = Integer.parseInt(m.group(1));
    // two epochs of two batches of 8 pairs: at most 32 images of the split's pairs
    assertTrue(preprocessed <= 32 && preprocessed < pairs, preprocessed + " images preprocessed for " + pairs + " pairs");
  }
}
