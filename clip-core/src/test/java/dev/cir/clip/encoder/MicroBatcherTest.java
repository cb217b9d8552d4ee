package dev.cir.clip.encoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

class MicroBatcherTest {
  /** A batcher of one tower whose worker i runs passes.get(i). */
  record One(MicroBatcher batcher, MicroBatcher.Tower<Integer> tower) implements AutoCloseable {
    static One of(String name, int maxBatch, List<Doubling> passes) {
      MicroBatcher b = new MicroBatcher(name, passes.size(), 0);
      MicroBatcher.Tower<Integer> t = b.tower("test", maxBatch, passes::get);
      b.start();
      return new One(b, t);
    }

    float[][] run(List<Integer> rows) {
      return batcher.run(tower, rows);
    }

    float[][] run(List<Integer> rows, long timeout, TimeUnit unit) throws TimeoutException {
      return batcher.run(tower, rows, timeout, unit);
    }

    List<float[][]> runAll(List<List<Integer>> rows) {
      return batcher.runAll(tower, rows);
    }

    int queued() {
      return batcher.queued();
    }

    BatchStats stats() {
      return tower.stats();
    }

    @Override
    public void close() {
      batcher.close();
    }
  }

  /** Doubles each row; a row of -1 fails its pass; records every pass's rows. */
  static final class Doubling implements MicroBatcher.Pass<Integer> {
    final List<List<Integer>> passes = Collections.synchronizedList(new ArrayList<>());
    final CountDownLatch gate;
    final CountDownLatch entered = new CountDownLatch(1);

    Doubling(CountDownLatch gate) {
      this.gate = gate;
    }

    @Override
    public float[][] run(List<Integer> rows) throws Exception {
      entered.countDown();
      gate.await();
      passes.add(List.copyOf(rows));
      if (rows.contains(-1)) {
        throw new IllegalArgumentException("a bad row");
      }
      float[][] out = new float[rows.size()][];
      for (int i = 0; i < out.length; i++) {
        out[i] = new float[] {2f * rows.get(i)};
      }
      return out;
    }
  }

  @Test
  void requestsThatArriveDuringAPassShareTheNextOne() throws Exception {
    CountDownLatch gate = new CountDownLatch(1);
    Doubling pass = new Doubling(gate);
    ExecutorService callers = Executors.newFixedThreadPool(12);
    try (One b = One.of("test", 8, List.of(pass))) {
      List<Future<float[][]>> results = new ArrayList<>();
      results.add(callers.submit(() -> b.run(List.of(0))));
      // the first request holds the worker (its pass waits at the gate); the others queue
      assertTrue(pass.entered.await(10, TimeUnit.SECONDS));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      for (int i = 1; i <= 11; i++) {
        int row = i;
        results.add(callers.submit(() -> b.run(List.of(row))));
        while (b.queued() < i && System.nanoTime() < deadline) {
          Thread.sleep(1); // one after the other: arrival order is the order of the rows
        }
      }
      assertEquals(11, b.queued());
      gate.countDown();
      for (int i = 0; i < results.size(); i++) {
        assertEquals(2f * i, results.get(i).get(10, TimeUnit.SECONDS)[0][0], "request " + i + " gets its own row back");
      }
      // the pass of the first, then the 11 waiting ones in passes of at most 8, in arrival order
      assertEquals(List.of(List.of(0), List.of(1, 2, 3, 4, 5, 6, 7, 8), List.of(9, 10, 11)), pass.passes);
      BatchStats s = b.stats();
      assertEquals(3, s.batches());
      assertEquals(12, s.rows());
      assertEquals(12, s.requests());
      assertEquals(1, s.batchSizes()[1]);
      assertEquals(1, s.batchSizes()[8]);
      assertEquals(1, s.batchSizes()[3]);
      assertEquals(4.0, s.meanBatch());
    } finally {
      callers.shutdownNow();
    }
  }

  @Test
  void maxBatchOneRunsEveryRequestAloneAndALargerRequestStaysWhole() throws Exception {
    Doubling pass = new Doubling(new CountDownLatch(0));
    try (One b = One.of("test", 1, List.of(pass))) {
      List<float[][]> out = b.runAll(List.of(List.of(1), List.of(2, 3, 4), List.of(5)));
      assertEquals(List.of(List.of(1), List.of(2, 3, 4), List.of(5)), pass.passes);
      assertEquals(6f, out.get(1)[1][0]);
    }
  }

  @Test
  void aBadRequestFailsAloneAndTheOthersOfItsPassAreAnswered() throws Exception {
    CountDownLatch gate = new CountDownLatch(1);
    Doubling pass = new Doubling(gate);
    ExecutorService callers = Executors.newFixedThreadPool(6);
    try (One b = One.of("test", 16, List.of(pass))) {
      Future<float[][]> first = callers.submit(() -> b.run(List.of(100)));
      List<Future<float[][]>> rest = new ArrayList<>();
      assertTrue(pass.entered.await(10, TimeUnit.SECONDS));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      for (int row : new int[] {1, -1, 3, 4}) {
        rest.add(callers.submit(() -> b.run(List.of(row))));
      }
      while (b.queued() < 4 && System.nanoTime() < deadline) {
        Thread.sleep(1);
      }
      gate.countDown();
      assertEquals(200f, first.get(10, TimeUnit.SECONDS)[0][0]);
      assertEquals(2f, rest.get(0).get(10, TimeUnit.SECONDS)[0][0]);
      java.util.concurrent.ExecutionException bad = assertThrows(java.util.concurrent.ExecutionException.class, () -> rest.get(1).get(10, TimeUnit.SECONDS));
      assertTrue(bad.getCause() instanceof IllegalArgumentException && bad.getCause().getMessage().equals("a bad row"), bad.toString());
      assertEquals(6f, rest.get(2).get(10, TimeUnit.SECONDS)[0][0]);
      assertEquals(8f, rest.get(3).get(10, TimeUnit.SECONDS)[0][0]);
      assertEquals(1, b.stats().failures());
    } finally {
      callers.shutdownNow();
    }
  }

  @Test
  void aCallerThatStopsWaitingLeavesNothingInTheQueue() throws Exception {
    CountDownLatch gate = new CountDownLatch(1);
    Doubling pass = new Doubling(gate);
    ExecutorService callers = Executors.newFixedThreadPool(8);
    try (One b = One.of("test", 4, List.of(pass))) {
      Future<float[][]> busy = callers.submit(() -> b.run(List.of(7)));
      assertTrue(pass.entered.await(10, TimeUnit.SECONDS));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      // these time out while the worker is held at the gate
      for (int i = 0; i < 5; i++) {
        int row = i;
        assertThrows(TimeoutException.class, () -> b.run(List.of(row), 20, TimeUnit.MILLISECONDS));
      }
      // and an interrupted caller leaves too
      Thread waiter = new Thread(() -> assertThrows(IllegalStateException.class, () -> b.run(List.of(99))));
      waiter.start();
      while (b.queued() < 1 && System.nanoTime() < deadline) {
        Thread.sleep(1);
      }
      waiter.interrupt();
      waiter.join(10_000);
      assertEquals(0, b.queued(), "no request of a caller that left is still queued");
      gate.countDown();
      assertEquals(14f, busy.get(10, TimeUnit.SECONDS)[0][0]);
      assertEquals(10f, b.run(List.of(5))[0][0]);
      assertEquals(List.of(List.of(7), List.of(5)), pass.passes, "the abandoned requests never ran");
    } finally {
      callers.shutdownNow();
    }
  }

  @Test
  void towersShareTheWorkersAndAPassTakesOneTowersRequests() throws Exception {
    CountDownLatch gate = new CountDownLatch(1);
    Doubling hold = new Doubling(gate);
    Doubling a = new Doubling(new CountDownLatch(0));
    Doubling b = new Doubling(new CountDownLatch(0));
    ExecutorService callers = Executors.newFixedThreadPool(8);
    MicroBatcher m = new MicroBatcher("two", 1, 0);
    MicroBatcher.Tower<Integer> first = m.tower("first", 8, i -> hold);
    MicroBatcher.Tower<Integer> second = m.tower("second", 8, i -> b);
    m.start();
    try {
      Future<float[][]> held = callers.submit(() -> m.run(first, List.of(0)));
      assertTrue(hold.entered.await(10, TimeUnit.SECONDS));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      List<Future<float[][]>> rest = new ArrayList<>();
      int[][] order = {{2, 1}, {1, 2}, {2, 3}, {1, 4}}; // tower, row
      for (int i = 0; i < order.length; i++) {
        int[] o = order[i];
        rest.add(callers.submit(() -> m.run(o[0] == 1 ? first : second, List.of(o[1]))));
        while (m.queued() < i + 1 && System.nanoTime() < deadline) {
          Thread.sleep(1);
        }
      }
      gate.countDown();
      held.get(10, TimeUnit.SECONDS);
      for (int i = 0; i < rest.size(); i++) {
        assertEquals(2f * order[i][1], rest.get(i).get(10, TimeUnit.SECONDS)[0][0]);
      }
      // one worker: the second tower's two requests in one pass, then the first tower's two in another
      assertEquals(List.of(List.of(1, 3)), b.passes);
      assertEquals(List.of(List.of(0), List.of(2, 4)), hold.passes);
      assertEquals(1, second.stats().batches());
      assertEquals(0, a.passes.size());
    } finally {
      m.close();
      callers.shutdownNow();
    }
  }

  @Test
  void anIdleBatcherStartsARequestAtOnceAndClosingStopsItsWorkers() throws Exception {
    Doubling pass = new Doubling(new CountDownLatch(0));
    One b = One.of("idle", 16, List.of(pass, new Doubling(new CountDownLatch(0))));
    b.run(List.of(1));
    long worst = 0;
    for (int i = 0; i < 50; i++) {
      Thread.sleep(2);
      long t = System.nanoTime();
      b.run(List.of(i));
      worst = Math.max(worst, System.nanoTime() - t);
    }
    // no timer: a request on an idle batcher waits only for a worker to wake
    assertTrue(b.stats().meanQueueMillis() < 5, "mean wait " + b.stats().meanQueueMillis() + " ms");
    b.close();
    assertThrows(IllegalStateException.class, () -> b.run(List.of(1)));
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      assertTrue(!t.getName().startsWith("cir-idle-") || !t.isAlive(), t.getName() + " still runs");
    }
  }
}
