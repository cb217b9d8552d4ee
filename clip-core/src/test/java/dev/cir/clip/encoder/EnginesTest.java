package dev.cir.clip.encoder;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class EnginesTest {
  static int onNewThread(Runnable before) throws Exception {
    AtomicInteger seen = new AtomicInteger();
    Thread t = new Thread(() -> {
      before.run();
      seen.set(Engines.intraOpThreadsOfThisThread());
    });
    t.start();
    t.join();
    return seen.get();
  }

  @Test
  void aThreadsIntraOpThreadsAreItsOwn() throws Exception {
    int mine = Engines.intraOpThreadsOfThisThread();
    int fresh = onNewThread(() -> {});
    int target = fresh == 1 ? 2 : 1;
    assertEquals(target, onNewThread(() -> Engines.intraOpThreadsOfThisThread(target)), "the worker has its own");
    assertEquals(mine, Engines.intraOpThreadsOfThisThread(), "this thread keeps its own");
    assertEquals(fresh, onNewThread(() -> {}), "a new thread still starts from the process default");
  }
}
