package dev.cir.clip.encoder;

import ai.djl.ndarray.NDScope;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One model tower serving many callers: each forward pass takes every request waiting when it
 * starts, up to {@code maxBatch} rows, so concurrent queries share a pass instead of queueing for
 * one each. There is no timer: a request that arrives while a worker is idle starts at once, and
 * one that arrives while every worker is busy goes into the next pass.
 *
 * <p>{@code workers} threads run the passes, each with a {@link Pass} (a DJL predictor) of its own
 * for its whole life, autograd off, every pass inside an {@link NDScope}. A fixed set of calling
 * threads is also what PyTorch's OpenMP runtime wants: each calling thread keeps its own team of
 * intra-op threads, and a team whose thread keeps working stays warm.
 *
 * <p>A request is a list of rows that stays together in one pass (a caller's own batch); requests
 * join a pass in arrival order while their rows fit. If a pass of several requests fails, each
 * request is run again alone, so a bad input fails only its own request. A caller that stops
 * waiting (interrupted, timed out) takes its request out of the queue; one already in a pass is
 * finished and its result dropped.
 *
 * @param <I> a row of the tower's input: token ids, pixels, a feature pair
 */
final class MicroBatcher<I> implements AutoCloseable {
  /** A forward pass over some rows, one output row per input row; one per worker, used by it alone. */
  interface Pass<I> extends AutoCloseable {
    float[][] run(List<I> rows) throws Exception;

    @Override
    default void close() {}
  }

  private final String name;
  private final int maxBatch;
  private final LinkedBlockingDeque<Request<I>> queue = new LinkedBlockingDeque<>();
  private final ReentrantLock draining = new ReentrantLock();
  private final List<Thread> workers = new ArrayList<>();
  private final List<Pass<I>> passes;
  private volatile boolean closed;
  private volatile Throwable broken;

  private final AtomicLong batches = new AtomicLong();
  private final AtomicLong rows = new AtomicLong();
  private final AtomicLong requests = new AtomicLong();
  private final AtomicLong queueNanos = new AtomicLong();
  private final AtomicLong forwardNanos = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();
  private final AtomicLongArray batchSizes;

  /**
   * @param name names the worker threads ({@code cir-NAME-1}, ...)
   * @param maxBatch the most rows one pass takes (a single request of more rows runs alone)
   * @param passes one per worker thread
   */
  MicroBatcher(String name, int maxBatch, List<Pass<I>> passes) {
    if (maxBatch < 1) {
      throw new IllegalArgumentException("maxBatch must be at least 1, got " + maxBatch);
    }
    if (passes.isEmpty()) {
      throw new IllegalArgumentException("a batcher needs at least one worker");
    }
    this.name = name;
    this.maxBatch = maxBatch;
    this.passes = List.copyOf(passes);
    this.batchSizes = new AtomicLongArray(maxBatch + 1);
    for (int i = 0; i < this.passes.size(); i++) {
      Pass<I> pass = this.passes.get(i);
      Thread t = new Thread(() -> work(pass), "cir-" + name + "-" + (i + 1));
      t.setDaemon(true);
      workers.add(t);
    }
    workers.forEach(Thread::start);
  }

  /**
   * Runs {@code input} (one request's rows, together) in the next pass that has room.
   *
   * @return one output row per input row
   * @throws IllegalStateException when the pass fails or the batcher is closed
   */
  float[][] run(List<I> input) {
    try {
      return run(input, Long.MAX_VALUE, TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      throw new IllegalStateException("unreachable", e);
    }
  }

  /**
   * {@link #run(List)}, waiting at most {@code timeout}.
   *
   * @throws TimeoutException when the request did not finish in time (it is taken out of the queue)
   */
  float[][] run(List<I> input, long timeout, TimeUnit unit) throws TimeoutException {
    Objects.requireNonNull(input, "input");
    if (input.isEmpty()) {
      return new float[0][];
    }
    return await(submit(input), timeout, unit);
  }

  /**
   * Runs several requests of one caller (a bulk encode cut into passes): all are queued at once,
   * so idle workers take them in parallel.
   *
   * @return each request's output rows, in order
   */
  List<float[][]> runAll(List<List<I>> inputs) {
    List<Request<I>> submitted = new ArrayList<>(inputs.size());
    try {
      for (List<I> input : inputs) {
        submitted.add(submit(input));
      }
      List<float[][]> out = new ArrayList<>(inputs.size());
      for (Request<I> r : submitted) {
        out.add(await(r, Long.MAX_VALUE, TimeUnit.NANOSECONDS));
      }
      return out;
    } catch (TimeoutException e) {
      throw new IllegalStateException("unreachable", e);
    } finally {
      submitted.forEach(r -> {
        if (!r.result.isDone()) {
          abandon(r);
        }
      });
    }
  }

  private Request<I> submit(List<I> input) {
    Request<I> r = new Request<>(List.copyOf(input));
    checkUsable();
    queue.add(r);
    if ((closed || broken != null) && queue.remove(r)) {
      checkUsable();
    }
    return r;
  }

  private void checkUsable() {
    if (closed) {
      throw new IllegalStateException("the encoder is closed");
    }
    if (broken != null) {
      throw new IllegalStateException("the " + name + " tower's worker stopped: " + broken, broken);
    }
  }

  private float[][] await(Request<I> r, long timeout, TimeUnit unit) throws TimeoutException {
    try {
      return timeout == Long.MAX_VALUE ? r.result.get() : r.result.get(timeout, unit);
    } catch (InterruptedException e) {
      abandon(r);
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the " + name + " tower", e);
    } catch (TimeoutException e) {
      abandon(r);
      throw e;
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      Throwable why = cause instanceof ai.djl.translate.TranslateException && cause.getCause() != null ? cause.getCause() : cause;
      throw new IllegalStateException("encoding failed: " + why.getMessage(), why);
    } catch (CancellationException e) {
      throw new IllegalStateException("the encoder is closed", e);
    }
  }

  /** The caller is gone: out of the queue if no pass has it yet, else its result is dropped. */
  private void abandon(Request<I> r) {
    queue.remove(r);
    r.result.cancel(false);
  }

  private void work(Pass<I> pass) {
    try (AutoCloseable noGrad = Engines.noGrad()) {
      while (!closed) {
        List<Request<I>> batch = next();
        if (batch.isEmpty()) {
          continue;
        }
        long start = System.nanoTime();
        int n = 0;
        for (Request<I> r : batch) {
          queueNanos.addAndGet(start - r.enqueued);
          n += r.rows.size();
        }
        try {
          float[][] out = forward(pass, batch.size() == 1 ? batch.get(0).rows : concat(batch, n));
          int k = 0;
          for (Request<I> r : batch) {
            float[][] mine = new float[r.rows.size()][];
            System.arraycopy(out, k, mine, 0, mine.length);
            k += mine.length;
            r.result.complete(mine);
          }
        } catch (Exception | Error e) {
          if (batch.size() == 1) {
            failures.incrementAndGet();
            batch.get(0).result.completeExceptionally(e);
          } else {
            // which one? each alone, so only a bad request fails
            for (Request<I> r : batch) {
              try {
                r.result.complete(forward(pass, r.rows));
              } catch (Exception | Error one) {
                failures.incrementAndGet();
                r.result.completeExceptionally(one);
              }
            }
          }
        } finally {
          forwardNanos.addAndGet(System.nanoTime() - start);
          batches.incrementAndGet();
          rows.addAndGet(n);
          requests.addAndGet(batch.size());
          batchSizes.incrementAndGet(Math.min(n, maxBatch));
        }
      }
    } catch (InterruptedException e) {
      // closed
    } catch (Exception | Error e) {
      // a worker that cannot run must not leave callers waiting for ever
      broken = e;
      for (Request<I> r; (r = queue.poll()) != null; ) {
        r.result.completeExceptionally(new IllegalStateException("the " + name + " tower's worker stopped: " + e, e));
      }
      if (e instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException("the " + name + " tower's worker stopped: " + e.getMessage(), e);
    } finally {
      pass.close();
    }
  }

  private static <I> float[][] forward(Pass<I> pass, List<I> rows) throws Exception {
    try (NDScope scope = new NDScope()) {
      scope.suppressNotUsedWarning();
      float[][] out = pass.run(rows);
      if (out.length != rows.size()) {
        throw new IllegalStateException(rows.size() + " rows in, " + out.length + " out");
      }
      return out;
    }
  }

  /** Waits for a request, then takes every queued request that fits beside it. */
  private List<Request<I>> next() throws InterruptedException {
    List<Request<I>> batch = new ArrayList<>();
    draining.lockInterruptibly();
    try {
      Request<I> first = queue.take();
      if (!first.start()) {
        return batch;
      }
      batch.add(first);
      int n = first.rows.size();
      while (n < maxBatch) {
        Request<I> next = queue.peekFirst();
        if (next == null || n + next.rows.size() > maxBatch) {
          break;
        }
        queue.pollFirst();
        if (next.start()) {
          batch.add(next);
          n += next.rows.size();
        }
      }
      return batch;
    } finally {
      draining.unlock();
    }
  }

  private static <I> List<I> concat(List<Request<I>> batch, int n) {
    List<I> all = new ArrayList<>(n);
    for (Request<I> r : batch) {
      all.addAll(r.rows);
    }
    return all;
  }

  /** Requests waiting for a pass now. */
  int queued() {
    return queue.size();
  }

  /** What the batcher has done since it started. */
  BatchStats stats() {
    long[] sizes = new long[batchSizes.length()];
    for (int i = 0; i < sizes.length; i++) {
      sizes[i] = batchSizes.get(i);
    }
    return new BatchStats(name, maxBatch, workers.size(), batches.get(), requests.get(), rows.get(), failures.get(), queueNanos.get(),
        forwardNanos.get(), queue.size(), sizes);
  }

  @Override
  public void close() {
    closed = true;
    workers.forEach(Thread::interrupt);
    for (Thread t : workers) {
      try {
        t.join(TimeUnit.SECONDS.toMillis(30));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    for (Request<I> r; (r = queue.poll()) != null; ) {
      r.result.completeExceptionally(new IllegalStateException("the encoder is closed"));
    }
  }

  private static final class Request<I> {
    final List<I> rows;
    final long enqueued = System.nanoTime();
    final CompletableFuture<float[][]> result = new CompletableFuture<>();

    Request(List<I> rows) {
      this.rows = rows;
    }

    /** False when its caller has gone. */
    boolean start() {
      return !result.isDone();
    }
  }
}
