package dev.cir.train.log;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StepLogTest {
  @TempDir Path tmp;

  @Test
  void resumeCutsTheStepsAfterTheCheckpointAndAHalfWrittenLine() throws IOException {
    Path f = tmp.resolve("steps.csv");
    try (StepLog log = new StepLog(f, 0)) {
      for (int s = 1; s <= 5; s++) {
        log.append(s, 1, s / 10.0, 1e-3, 1);
      }
    }
    Files.writeString(f, Files.readString(f) + "6,1,0.6", java.nio.file.StandardOpenOption.TRUNCATE_EXISTING);
    try (StepLog log = new StepLog(f, 3)) {
      log.append(4, 1, 0.44, 1e-3, 1);
    }
    assertArrayEquals(new double[] {0.1, 0.2, 0.3, 0.44}, StepLog.losses(f), 1e-9);
    assertThrows(IllegalStateException.class, () -> new StepLog(f, 9), "a log shorter than the checkpoint is refused");
  }
}
