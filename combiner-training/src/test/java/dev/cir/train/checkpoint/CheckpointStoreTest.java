package dev.cir.train.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cir.clip.io.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointStoreTest {
  @TempDir Path tmp;

  private static TrainingState state(long step) {
    TrainingState s = new TrainingState();
    s.step = step;
    s.epoch = (int) (step / 10);
    s.stepInEpoch = (int) (step % 10);
    s.bestCriterion = 12.5;
    s.epochs.add(Map.of("epoch", 1.0, "val.recall@1", 3.25));
    s.settings.put("dataset", "jsonl");
    return s;
  }

  @Test
  void newestCompleteCheckpointWinsAndOldOnesArePruned() throws IOException {
    CheckpointStore store = new CheckpointStore(tmp.resolve("ck"), 2);
    for (long step : new long[] {5, 10, 15}) {
      store.save(state(step), Map.of("w", Tensor.ofFloats(new long[] {2}, new float[] {step, -step})),
          Map.of("step", Tensor.ofLongs(new long[0], new long[] {step})));
    }
    assertEquals(2, store.checkpoints().size(), "only the newest two are kept");
    // a checkpoint being written when the process died: a temporary folder, never read
    Path partial = Files.createDirectories(tmp.resolve("ck/.writing-123"));
    Files.writeString(partial.resolve("state.json"), "{\"step\": 99");
    // and a step folder without state.json is not complete either
    Files.createDirectories(tmp.resolve("ck/step-000000020"));
    CheckpointStore.Checkpoint c = store.latest().orElseThrow();
    assertEquals(15, c.state().step);
    assertEquals(1, c.state().epoch);
    assertEquals(5, c.state().stepInEpoch);
    assertEquals(12.5, c.state().bestCriterion);
    assertEquals(3.25, c.state().epochs.get(0).get("val.recall@1"));
    assertEquals("jsonl", c.state().settings.get("dataset"));
    assertArrayEquals(new float[] {15, -15}, c.weights().get("w").toFloatArray());
    store.save(state(25), Map.of("w", Tensor.ofFloats(new long[] {1}, new float[] {1})), Map.of());
    assertFalse(Files.exists(partial), "leftovers of a killed writer are removed");
    assertTrue(store.latest().orElseThrow().state().step == 25);
  }

  @Test
  void noCheckpointIsEmpty() {
    assertTrue(new CheckpointStore(tmp.resolve("none"), 1).latest().isEmpty());
  }
}
