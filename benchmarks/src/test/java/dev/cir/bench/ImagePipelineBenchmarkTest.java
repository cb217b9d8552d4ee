package dev.cir.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cir.eval.synth.SyntheticDataset;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cir bench images}: the decode rates are set against what the model's updates consume at that size. */
class ImagePipelineBenchmarkTest {
  @TempDir Path tmp;

  @Test
  void decodeRatesAreComparedWithTheUpdatesOfTheModelAtTheSameSize() throws Exception {
    Path data = tmp.resolve("d48");
    SyntheticDataset.generate(SyntheticDataset.Options.defaults().withSize(60).withSeed(1)).writeTo(data);
    List<String> log = new ArrayList<>();
    String md = ImagePipelineBenchmark.run(new ImagePipelineBenchmark.Settings(List.of(data), List.of(1, 2), 64, 16, 2, 1), log::add);

    // one decode row per worker count, each with its ratio to the model's images/s
    Matcher decode = Pattern.compile("\\| d48 \\| 48 \\| (\\d) \\| (\\d+) \\| [0-9.]+ \\| ([0-9.]+)x \\|").matcher(md);
    List<double[]> rows = new ArrayList<>();
    while (decode.find()) {
      rows.add(new double[] {Double.parseDouble(decode.group(1)), Double.parseDouble(decode.group(2)), Double.parseDouble(decode.group(3))});
    }
    assertEquals(2, rows.size(), md);
    // the model row: 2 queries x (reference, target, 4 hard negatives) = 12 images an update
    assertTrue(md.contains("batch 2 with 4 hard negatives = 12 images an update"), md);
    Matcher model = Pattern.compile("\\| 48 \\| ([0-9.]+) \\| ([0-9.]+) \\| (\\d+) \\|").matcher(md);
    assertTrue(model.find(), md);
    double seconds = Double.parseDouble(model.group(1));
    double consumed = Double.parseDouble(model.group(3));
    assertTrue(seconds > 0 && consumed > 0, md);
    assertEquals(12 / seconds, consumed, Math.max(1, 0.01 * consumed), md);
    for (double[] r : rows) {
      assertTrue(r[1] > 0, md);
      // the ratio is the decode rate over the model's (both rounded in the table)
      assertEquals(r[1] / consumed, r[2], 0.02 * r[2] + 0.01, md);
    }
  }
}
