package dev.cir.eval.data;

import java.util.ArrayList;
import java.util.List;

/**
 * Collects every problem of one kind before failing, so a user fixes a dataset in one pass rather
 * than one error per run; the message shows the first few and the total count.
 */
final class Problems {
  /** How many problems a message lists before it only counts the rest. */
  static final int SHOWN = 10;

  private final List<String> shown = new ArrayList<>();
  private int count;

  void add(String problem) {
    if (shown.size() < SHOWN) {
      shown.add(problem);
    }
    count++;
  }

  int count() {
    return count;
  }

  /** Throws a {@link DatasetException} headed by {@code headline} when any problem was added. */
  void throwIfAny(String headline, String advice) {
    if (count == 0) {
      return;
    }
    StringBuilder msg = new StringBuilder(headline.replace("{n}", Integer.toString(count)));
    msg.append(':');
    for (String p : shown) {
      msg.append("\n  ").append(p);
    }
    if (count > shown.size()) {
      msg.append("\n  ... and ").append(count - shown.size()).append(" more");
    }
    if (advice != null) {
      msg.append("\n").append(advice);
    }
    throw new DatasetException(msg.toString());
  }
}
