package dev.cir.train.log;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code steps.csv}: one line per update ({@code step,epoch,loss,lr,grad_norm}), flushed as it is
 * written. On resume the lines after the checkpoint's step are cut, so the file always reads as
 * one uninterrupted run.
 */
public final class StepLog implements AutoCloseable {
  public static final String HEADER = "step,epoch,loss,lr,grad_norm";
  private final Path file;
  private final BufferedWriter out;

  /**
   * Opens the log, keeping the lines of the first {@code keepSteps} updates.
   */
  public StepLog(Path file, long keepSteps) throws IOException {
    this.file = file;
    List<String> kept = new ArrayList<>();
    kept.add(HEADER);
    if (keepSteps > 0 && Files.isRegularFile(file)) {
      List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      for (int i = 1; i < lines.size() && kept.size() <= keepSteps; i++) {
        String line = lines.get(i);
        if (line.isBlank() || line.split(",").length < 5) {
          break; // a line half-written when the process was killed
        }
        kept.add(line);
      }
      if (kept.size() - 1 < keepSteps) {
        throw new IllegalStateException(
            file + " has " + (kept.size() - 1) + " steps but the checkpoint is at step " + keepSteps);
      }
    }
    Files.createDirectories(file.toAbsolutePath().getParent());
    Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
    Files.write(tmp, kept, StandardCharsets.UTF_8);
    dev.cir.clip.io.AtomicFiles.moveIntoPlace(tmp, file);
    this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
  }

  public void append(long step, int epoch, double loss, double lr, double gradNorm) {
    try {
      out.write(String.format(Locale.ROOT, "%d,%d,%.9g,%.6g,%.6g%n", step, epoch, loss, lr, gradNorm));
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public Path file() {
    return file;
  }

  /** The losses of a step log, in step order. */
  public static double[] losses(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    return lines.stream().skip(1).filter(l -> !l.isBlank()).mapToDouble(l -> Double.parseDouble(l.split(",")[2])).toArray();
  }

  @Override
  public void close() throws IOException {
    out.close();
  }
}
