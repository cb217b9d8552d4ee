package dev.cir.clip.encoder;

import ai.djl.ndarray.NDScope;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntFunction;

/**
 * A model's towers (image, text, Combiner) serving many callers: each forward pass takes every
 * request for its tower waiting when it starts, up to the tower's {@code maxBatch} rows, so
 * concurrent queries share a pass instead of queueing for one each. There is no timer: a request
 * that arrives while no pass of its tower runs starts at once on an idle worker, and one that
 * arrives while every worker is busy goes into the next pass.
 *
 * <p>A second pass of a tower starts beside a running one only with at least as many rows as that
 * one holds (or {@code maxBatch}); until then its requests wait for more to join them or for the
 * running pass to end, whichever comes first, and the idle worker takes other towers' requests. A
 * pass costs a fixed part (its weights read from memory, about a one-row pass's time) and a part per
 * row: a pass of one row started beside one of eight would pay that fixed part for one query, and
 * the requests arriving while both run would wait for the longer one. So under load the passes of
 * a tower stay even (two of eight rows, not one of fourteen and one of two), which is what gets the
 * most queries through a pass's fixed cost (see the benchmarks guide, {@code cir bench load}).
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
  /** Guards the queue and each tower's queued and running rows. */
  private final ReentrantLock lock = new ReentrantLock();
  /** Signalled when a request arrives or leaves and when a pass ends. */
  private final Condition changed = lock.newCondition();
  private final ArrayDeque<Request<?>> queue = new ArrayDeque<>();
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
    /** Rows waiting for a pass; guarded by the batcher's lock. */
    private int queuedRows;
    /** Rows of each pass running now; guarded by the batcher's lock. */
    private final List<Integer> running = new ArrayList<>();

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

    /**
     * Whether a pass may start now: none of this tower runs, or enough rows wait to make one as
     * large as the largest running (or a full one).
     */
    private boolean mayStart() {
      if (running.isEmpty()) {
        return true;
      }
      int largest = 0;
      for (int n : running) {
        largest = Math.max(largest, n);
      }
      return queuedRows >= Math.min(largest, maxBatch);
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
    lock.lock();
    try {
      checkUsable();
      tower.queued.incrementAndGet();
      tower.queuedRows += r.rows.size();
      queue.add(r);
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    return r;
  }

  /** Takes {@code r} out of the queue, under the lock; false when a pass has it already. */
  private boolean dequeue(Request<?> r) {
    if (!queue.remove(r)) {
      return false;
    }
    r.tower.queued.decrementAndGet();
    r.tower.queuedRows -= r.rows.size();
    return true;
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
    lock.lock();
    try {
      if (dequeue(r)) {
        changed.signalAll();
      }
    } finally {
      lock.unlock();
    }
    r.result.cancel(false);
  }

  private void work(int worker) {
    try (AutoCloseable noGrad = Engines.noGrad()) {
      if (threadsPerWorker > 0) {
        Engines.intraOpThreadsOfThisThread(threadsPerWorker);
      }
      while (!closed) {
        runPass(next(), worker);
      }
    } catch (InterruptedException e) {
      // closed
    } catch (Exception | Error e) {
      // a worker that cannot run must not leave callers waiting for ever
      for (Request<?> r : drain(e)) {
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
      lock.lock();
      try {
        tower.running.remove(Integer.valueOf(batch.rows));
        changed.signalAll();
      } finally {
        lock.unlock();
      }
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

  /** The requests of one pass, {@code rows} in all. */
  private record Batch<I>(Tower<I> tower, List<Request<I>> requests, int rows) {}

  /**
   * Waits until the oldest request of a tower that {@linkplain Tower#mayStart may start} a pass,
   * then takes it and every queued request of the same tower that fits beside it, in arrival order;
   * requests of other towers keep their places.
   */
  private Batch<?> next() throws InterruptedException {
    lock.lockInterruptibly();
    try {
      while (true) {
        Batch<?> b = startable();
        if (b == null) {
          changed.await();
        } else if (!b.requests.isEmpty()) {
          b.tower.running.add(b.rows);
          return b;
        }
      }
    } finally {
      lock.unlock();
    }
  }

  /** Under the lock: the pass to start now, or null. */
  private Batch<?> startable() {
    List<Tower<?>> held = new ArrayList<>(towers.size());
    for (Iterator<Request<?>> it = queue.iterator(); it.hasNext(); ) {
      Request<?> r = it.next();
      if (!r.start()) {
        // its caller has gone
        it.remove();
        r.tower.queued.decrementAndGet();
        r.tower.queuedRows -= r.rows.size();
        continue;
      }
      if (held.contains(r.tower)) {
        continue;
      }
      if (r.tower.mayStart()) {
        return gather(r);
      }
      held.add(r.tower);
    }
    return null;
  }

  private <I> Batch<I> gather(Request<I> first) {
    Tower<I> tower = first.tower;
    List<Request<I>> batch = new ArrayList<>();
    int n = 0;
    for (Iterator<Request<?>> it = queue.iterator(); it.hasNext() && n < tower.maxBatch; ) {
      Request<?> next = it.next();
      if (next.tower != tower || (next != first && n + next.rows.size() > tower.maxBatch)) {
        continue;
      }
      it.remove();
      tower.queued.decrementAndGet();
      tower.queuedRows -= next.rows.size();
      @SuppressWarnings("unchecked")
      Request<I> same = (Request<I>) next;
      if (same.start()) {
        batch.add(same);
        n += same.rows.size();
      }
    }
    return new Batch<>(tower, batch, n);
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
    lock.lock();
    try {
      return queue.size();
    } finally {
      lock.unlock();
    }
  }

  /** Marks the batcher broken (when {@code why} is not null) and empties the queue, under the lock. */
  private List<Request<?>> drain(Throwable why) {
    lock.lock();
    try {
      if (why != null) {
        broken = why;
      }
      List<Request<?>> all = new ArrayList<>(queue);
      queue.clear();
      for (Tower<?> t : towers) {
        t.queued.set(0);
        t.queuedRows = 0;
      }
      return all;
    } finally {
      lock.unlock();
    }
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
    for (Request<?> r : drain(null)) {
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
