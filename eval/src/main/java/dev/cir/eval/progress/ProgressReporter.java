package dev.cir.eval.progress;

import java.io.PrintStream;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** Starts a {@link Progress} for each long task: console bars for people, nothing for tests. */
public interface ProgressReporter {
  Progress start(String task, long total);

  /** Reports nothing. */
  static ProgressReporter none() {
    return (task, total) -> Progress.none();
  }

  /** Progress bars on {@code out} (standard error for the command line), redrawn twice a second. */
  static ProgressReporter console(PrintStream out) {
    return (task, total) -> {
      ProgressBar bar =
          new ProgressBarBuilder()
              .setTaskName(task)
              .setInitialMax(total)
              .setStyle(ProgressBarStyle.ASCII)
              .setUpdateIntervalMillis(500)
              .setMaxRenderedLength(100)
              .showSpeed()
              .setSpeedUnit(java.time.temporal.ChronoUnit.SECONDS)
              .setConsumer(new ConsoleProgressBarConsumer(out))
              .continuousUpdate()
              .build();
      return new Progress() {
        @Override
        public void step(long n) {
          bar.stepBy(n);
        }

        @Override
        public void status(String message) {
          bar.setExtraMessage(" " + message);
        }

        @Override
        public void close() {
          bar.close();
        }
      };
    };
  }

}
