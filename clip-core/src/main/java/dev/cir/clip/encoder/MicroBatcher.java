package dev.cir.clip.encoder;

import ai.djl.ndarray.NDScope;
import java.util.ArrayList;
import java.util.Iterator;
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
import java.util.function.IntFunction;

/**
 * A model's towers (image, text, Combiner) serving many callers: each forward pass takes every
 * request for its tower waiting when it starts, up to the tower's {@code maxBatch} rows, so
 * concurrent queries share a pass instead of queueing for one each. There is no timer: a request
 * that arrives while a worker is idle starts at once, and one that arrives while every worker is
 * busy goes into the next pass.
 *
 * <p>{@code workers} threads run the passes of every tower, each with a {@link Pass} of its own per
 * tower (a DJL predictor) for its whole life, autograd off, every pass inside an {@link NDScope}.
 * So at most {@code workers} passes run at once whatever the towers, and PyTorch sees a fixed set
 * of calling threads: each keeps its own OpenMP team of intra-op threads, which stays warm while
 * its thread works, and two teams never fight over the same cores because a text pass and a
 * Combiner pass were started by different threads.
 *
 * <p>A request is a list of rows that stays together in one pass (a caller's own batch); requests
 * join a pass in arrival order while their rows fit. If a pass of several requests fails, each
 * request is run again alone, so a bad input fails only its own request. A caller that stops
 * waiting (interrupted, timed out) takes its request out of the queue; one already in a pass is
 * finished and its result dropped.
 */
final class MicroBatcher implements AutoCloseable {
  /** A forward pass over some rows, one output row per input row; one per worker and tower, used by it alone. */
  interface Pass<I> extends AutoCloseable {
    float[][] run(List<I> rows) throws Exception;

    @Override
    default void close() {}
  }

  private final int workerCount;
  private final int threadsPerWorker;
  private final String name;
  private final LinkedBlockingDeque<Request<?>> queue = new LinkedBlockingDeque<>();
  private final ReentrantLock draining = new ReentrantLock();
  private final List<Thread> workers = new ArrayList<>();
  private final List<Tower<?>> towers = new ArrayList<>();
  private volatile boolean closed;
  private volatile Throwable broken;

  /**
   * @param name names the worker threads: {@code cir-NAME-1}, ...
   * @param threadsPerWorker PyTorch intra-op threads of each worker's passes, 0 to leave PyTorch's
   *     default
   */
  MicroBatcher(String name, int workers, int threadsPerWorker) {
    if (workers < 1) {
      throw new IllegalArgumentException("a batcher needs at least one worker, got " + workers);
    }
    this.name = name;
    this.workerCount = workers;
    this.threadsPerWorker = threadsPerWorker;
  }

  /**
   * Adds a tower, before {@link #start}.
   *
   * @param maxBatch the most rows one of its passes takes (a single request of more rows runs alone)
   * @param passes makes worker {@code i}'s pass
   */
  <I> Tower<I> tower(String towerName, int maxBatch, IntFunction<Pass<I>> passes) {
    if (!workers.isEmpty()) {
      throw new IllegalStateException("the batcher has started");
    }
    List<Pass<I>> all = new ArrayList<>();
    try {
      for (int i = 0; i < workerCount; i++) {
        all.add(passes.apply(i));
      }
    } catch (RuntimeException e) {
      all.forEach(Pass::close);
      throw e;
    }
    Tower<I> t = new Tower<>(towerName, Math.max(1, maxBatch), all);
    towers.add(t);
    return t;
  }

  /** Starts the workers. */
  MicroBatcher start() {
    for (int i = 0; i < workerCount; i++) {
      int worker = i;
      Thread t = new Thread(() -> work(worker), "cir-" + name + "-" + (i + 1));
      t.setDaemon(true);
      workers.add(t);
    }
    workers.forEach(Thread::start);
    return this;
  }

  /** One tower of the model: its rows' type, its passes (one per worker) and what they did. */
  static final class Tower<I> {
    final String name;
    final int maxBatch;
    private final List<Pass<I>> passes;
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong rows = new AtomicLong();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong queueNanos = new AtomicLong();
    private final AtomicLong forwardNanos = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicLong queued = new AtomicLong();
    private final AtomicLongArray batchSizes;

    private Tower(String name, int maxBatch, List<Pass<I>> passes) {
      this.name = name;
      this.maxBatch = maxBatch;
      this.passes = passes;
      this.batchSizes = new AtomicLongArray(maxBatch + 1);
    }

    BatchStats stats() {
      long[] sizes = new long[batchSizes.length()];
      for (int i = 0; i < sizes.length; i++) {
        sizes[i] = batchSizes.get(i);
      }
      return new BatchStats(name, maxBatch, passes.size(), batches.get(), requests.get(), rows.get(), failures.get(), queueNanos.get(),
          forwardNanos.get(), (int) queued.get(), sizes);
    }
  }

  /**
   * Runs {@code input} (one request's rows, together) in the next pass of {@code tower} that has
   * room.
   *
   * @return one output row per input row
   * @throws IllegalStateException when the pass fails or the batcher is closed
   */
  <I> float[][] run(Tower<I> tower, List<I> input) {
    try {
      return run(tower, input, Long.MAX_VALUE, TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      throw new IllegalStateException("unreachable", e);
    }
  }

  /**
   * {@link #run(Tower, List)}, waiting at most {@code timeout}.
   *
   * @throws TimeoutException when the request did not finish in time (it is taken out of the queue)
   */
  <I> float[][] run(Tower<I> tower, List<I> input, long timeout, TimeUnit unit) throws TimeoutException {
    Objects.requireNonNull(input, "input");
    if (input.isEmpty()) {
      return new float[0][];
    }
    return await(submit(tower, input), timeout, unit);
  }

  /**
   * Runs several requests of one caller (a bulk encode cut into passes): all are queued at once,
   * so idle workers take them in parallel.
   *
   * @return each request's output rows, in order
   */
  <I> List<float[][]> runAll(Tower<I> tower, List<List<I>> inputs) {
    List<Request<I>> submitted = new ArrayList<>(inputs.size());
    try {
      for (List<I> input : inputs) {
        submitted.add(submit(tower, input));
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

  private <I> Request<I> submit(Tower<I> tower, List<I> input) {
    Request<I> r = new Request<>(tower, List.copyOf(input));
    checkUsable();
    tower.queued.incrementAndGet();
    queue.add(r);
    if ((closed || broken != null) && queue.remove(r)) {
      tower.queued.decrementAndGet();
      checkUsable();
    }
    return r;
  }

  private void checkUsable() {
    if (closed) {
      throw new IllegalStateException("the encoder is closed");
    }
    if (broken != null) {
      throw new IllegalStateException("the " + name + " encoder's worker stopped: " + broken, broken);
    }
  }

  private float[][] await(Request<?> r, long timeout, TimeUnit unit) throws TimeoutException {
    try {
      return timeout == Long.MAX_VALUE ? r.result.get() : r.result.get(timeout, unit);
    } catch (InterruptedException e) {
      abandon(r);
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the " + r.tower.name + " tower", e);
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
  private void abandon(Request<?> r) {
    if (queue.remove(r)) {
      r.tower.queued.decrementAndGet();
    }
    r.result.cancel(false);
  }

  private void work(int worker) {
    try (AutoCloseable noGrad = Engines.noGrad()) {
      if (threadsPerWorker > 0) {
        Engines.intraOpThreadsOfThisThread(threadsPerWorker);
      }
      while (!closed) {
        Batch<?> batch = next();
        if (batch != null) {
          runPass(batch, worker);
        }
      }
    } catch (InterruptedException e) {
      // closed
    } catch (Exception | Error e) {
      // a worker that cannot run must not leave callers waiting for ever
      broken = e;
      for (Request<?> r; (r = queue.poll()) != null; ) {
        r.result.completeExceptionally(new IllegalStateException("the " + name + " encoder's worker stopped: " + e, e));
      }
      if (e instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException("the " + name + " encoder's worker stopped: " + e.getMessage(), e);
    } finally {
      for (Tower<?> t : towers) {
        t.passes.get(worker).close();
      }
    }
  }

  private <I> void runPass(Batch<I> batch, int worker) {
    Tower<I> tower = batch.tower;
    Pass<I> pass = tower.passes.get(worker);
    long start = System.nanoTime();
    int n = 0;
    for (Request<I> r : batch.requests) {
      tower.queueNanos.addAndGet(start - r.enqueued);
      n += r.rows.size();
    }
    // results are handed out after the figures are counted, so a caller that reads them sees its own pass
    List<Runnable> answers = new ArrayList<>(batch.requests.size());
    try {
      float[][] out = forward(pass, batch.requests.size() == 1 ? batch.requests.get(0).rows : concat(batch.requests, n));
      int k = 0;
      for (Request<I> r : batch.requests) {
        float[][] mine = new float[r.rows.size()][];
        System.arraycopy(out, k, mine, 0, mine.length);
        k += mine.length;
        answers.add(() -> r.result.complete(mine));
      }
    } catch (Exception | Error e) {
      if (batch.requests.size() == 1) {
        tower.failures.incrementAndGet();
        answers.add(() -> batch.requests.get(0).result.completeExceptionally(e));
      } else {
        // which one? each alone, so only a bad request fails
        for (Request<I> r : batch.requests) {
          try {
            float[][] mine = forward(pass, r.rows);
            answers.add(() -> r.result.complete(mine));
          } catch (Exception | Error one) {
            tower.failures.incrementAndGet();
            answers.add(() -> r.result.completeExceptionally(one));
          }
        }
      }
    } finally {
      tower.forwardNanos.addAndGet(System.nanoTime() - start);
      tower.batches.incrementAndGet();
      tower.rows.addAndGet(n);
      tower.requests.addAndGet(batch.requests.size());
      tower.batchSizes.incrementAndGet(Math.min(n, tower.maxBatch));
      answers.forEach(Runnable::run);
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

  private record Batch<I>(Tower<I> tower, List<Request<I>> requests) {}

  /**
   * Waits for a request, then takes every queued request of the same tower that fits beside it,
   * in arrival order; requests of other towers keep their places. Null when the first request's
   * caller has gone.
   */
  private Batch<?> next() throws InterruptedException {
    draining.lockInterruptibly();
    try {
      Request<?> first = queue.take();
      first.tower.queued.decrementAndGet();
      if (!first.start()) {
        return null;
      }
      return gather(first);
    } finally {
      draining.unlock();
    }
  }

  private <I> Batch<I> gather(Request<I> first) {
    Tower<I> tower = first.tower;
    List<Request<I>> batch = new ArrayList<>();
    batch.add(first);
    int n = first.rows.size();
    for (Iterator<Request<?>> it = queue.iterator(); it.hasNext() && n < tower.maxBatch; ) {
      Request<?> next = it.next();
      if (next.tower != tower || n + next.rows.size() > tower.maxBatch) {
        continue;
      }
      if (queue.removeFirstOccurrence(next)) {
        tower.queued.decrementAndGet();
        @SuppressWarnings("unchecked")
        Request<I> same = (Request<I>) next;
        if (same.start()) {
          batch.add(same);
          n += same.rows.size();
        }
      }
    }
    return new Batch<>(tower, batch);
  }

  private static <I> List<I> concat(List<Request<I>> batch, int n) {
    List<I> all = new ArrayList<>(n);
    for (Request<I> r : batch) {
      all.addAll(r.rows);
    }
    return all;
  }

  /** Requests waiting for a pass now, of every tower. */
  int queued() {
    return queue.size();
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
    if (workers.isEmpty()) {
      towers.forEach(t -> t.passes.forEach(Pass::close));
    }
    for (Request<?> r; (r = queue.poll()) != null; ) {
      r.result.completeExceptionally(new IllegalStateException("the encoder is closed"));
    }
  }

  private static final class Request<I> {
    final Tower<I> tower;
    final List<I> rows;
    final long enqueued = System.nanoTime();
    final CompletableFuture<float[][]> result = new CompletableFuture<>();

    Request(Tower<I> tower, List<I> rows) {
      this.tower = tower;
      this.rows = rows;
    }

    /** False when its caller has gone. */
    boolean start() {
      return !result.isDone();
    }
  }
}
