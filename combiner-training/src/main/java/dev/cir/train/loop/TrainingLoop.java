package dev.cir.train.loop;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import dev.cir.clip.bundle.BundleWriter;
import dev.cir.clip.bundle.ModelBundle;
import dev.cir.clip.encoder.Engines;
import dev.cir.clip.io.StateDict;
import dev.cir.eval.progress.Progress;
import dev.cir.eval.progress.ProgressReporter;
import dev.cir.train.checkpoint.CheckpointStore;
import dev.cir.train.checkpoint.TrainingState;
import dev.cir.train.data.EpochOrder;
import dev.cir.train.log.MetricsCsv;
import dev.cir.train.log.ProcessMemory;
import dev.cir.train.log.StepLog;
import dev.cir.train.log.TrainingCurves;
import dev.cir.train.optim.AdamW;
import dev.cir.train.optim.GradientClipping;
import dev.cir.train.optim.LearningRateSchedule;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The epoch loop every objective shares: shuffled batches, one update per batch (autograd through
 * DJL's gradient collector, then global-norm clipping and the optimizer as in-place updates with
 * autograd off), a checkpoint every epoch and every N updates, validation through eval, the best
 * epoch's bundle kept, and the logs and curves a person reads.
 *
 * <p>Layout of {@code out}: the final bundle (the best validated epoch), {@code steps.csv}, {@code
 * metrics.csv}, {@code loss.png}, {@code validation.png}, and {@code checkpoints/} ({@code
 * step-*} checkpoints, {@code best/}, and whatever the task keeps there).
 *
 * <p>Determinism: data order and caption draws come from (seed, epoch, batch) and the engine is
 * re-seeded from (seed, step) before every update, so a run resumed from any checkpoint repeats
 * the losses of an uninterrupted one.
 */
public final class TrainingLoop {
  /** What a finished run produced. */
  public record Result(ModelBundle bundle, TrainingState state, double seconds) {}

  /** Builds the task, from a checkpoint's weights when resuming. */
  @FunctionalInterface
  public interface TaskFactory {
    TrainingTask create(Optional<StateDict> checkpointWeights) throws IOException;
  }

  /** Updates skipped for a non-finite gradient before a run gives up. */
  static final int MAX_SKIPPED = 10;

  private final TrainingSettings settings;
  private final Path out;
  private final Map<String, String> facts;
  private final ProgressReporter progress;
  private final PrintWriter log;

  /**
   * @param facts what a resumed run must agree with (dataset, model, objective, batch size, ...);
   *     also recorded as the bundle's provenance
   */
  public TrainingLoop(TrainingSettings settings, Path out, Map<String, String> facts, ProgressReporter progress, PrintWriter log) {
    this.settings = settings;
    this.out = out.toAbsolutePath().normalize();
    this.facts = new LinkedHashMap<>(facts);
    this.facts.put("batch_size", Integer.toString(settings.batchSize()));
    this.facts.put("seed", Long.toString(settings.seed()));
    if (settings.stepsPerEpoch() > 0) {
      this.facts.put("steps_per_epoch", Integer.toString(settings.stepsPerEpoch()));
    }
    this.progress = progress;
    this.log = log;
  }

  public Path checkpointDir() {
    return out.resolve("checkpoints");
  }

  /**
   * Refuses to start over a previous run's checkpoints unless resuming.
   *
   * @throws IllegalArgumentException when {@code out} holds checkpoints and resume is off
   */
  public void checkOutput() {
    CheckpointStore store = new CheckpointStore(checkpointDir(), settings.keepCheckpoints());
    if (!settings.resume() && !store.checkpoints().isEmpty()) {
      throw new IllegalArgumentException(
          out + " holds the checkpoints of an earlier run; continue it with --resume or choose another --out");
    }
  }

  public Result run(TaskFactory factory, Validation validation) throws IOException {
    Engine engine = Engines.pytorch();
    // Fix this thread's intra-op threads now. A thread takes PyTorch's default on its first parallel
    // operation, and an encoder's workers (the task's features, validation) change that default for a
    // moment while they start: the updates must not pick up their count, or a run resumed in a new
    // process could sum its products in another order than the run it repeats.
    Engines.intraOpThreadsOfThisThread();
    checkOutput();
    CheckpointStore store = new CheckpointStore(checkpointDir(), settings.keepCheckpoints());
    Optional<CheckpointStore.Checkpoint> resumed = settings.resume() ? store.latest() : Optional.empty();
    TrainingState state = startingState(resumed);
    engine.setRandomSeed((int) (settings.seed() & 0x7fffffff));
    long started = System.nanoTime();
    double secondsBefore = state.seconds;
    try (TrainingTask task = factory.create(resumed.map(CheckpointStore.Checkpoint::weights));
        StepLog steps = new StepLog(out.resolve("steps.csv"), state.step)) {
      AdamW optimizer = task.optimizer();
      if (resumed.isPresent()) {
        optimizer.load(resumed.get().optimizer().tensors());
      }
      Map<String, Parameter> trainable = optimizer.parameters();
      attachClearedGradients(trainable);
      int perEpoch = EpochOrder.batches(task.examples(), settings.batchSize());
      if (perEpoch == 0) {
        throw new IllegalArgumentException(
            "the training split has " + task.examples() + " examples, fewer than one batch of " + settings.batchSize()
                + "; lower --batch-size");
      }
      perEpoch = EpochOrder.updatesPerEpoch(task.examples(), settings.batchSize(), settings.stepsPerEpoch());
      long totalSteps = (long) perEpoch * settings.epochs();
      LearningRateSchedule schedule =
          new LearningRateSchedule(settings.lr(), settings.warmupSteps(), totalSteps, settings.cosine());
      NDManager base = engine.newBaseManager();
      NonFiniteGuard guard = new NonFiniteGuard();
      try {
        for (int epoch = state.epoch; epoch < settings.epochs(); epoch++) {
          long epochStart = System.nanoTime();
          int[] order = EpochOrder.permutation(settings.seed(), epoch, task.examples());
          try (Progress bar = progress.start(String.format(Locale.ROOT, "epoch %d/%d", epoch + 1, settings.epochs()), perEpoch)) {
            bar.step(state.stepInEpoch);
            long windowStart = System.nanoTime();
            int windowSteps = 0;
            int ahead = task.lookahead();
            for (int k = state.stepInEpoch; k < Math.min(perEpoch, state.stepInEpoch + ahead); k++) {
              task.upcoming(Arrays.copyOfRange(order, k * settings.batchSize(), (k + 1) * settings.batchSize()));
            }
            for (int b = state.stepInEpoch; b < perEpoch; b++) {
              int[] batch = Arrays.copyOfRange(order, b * settings.batchSize(), (b + 1) * settings.batchSize());
              if (ahead > 0 && b + ahead < perEpoch) {
                // the images of a later batch are read while this one trains
                task.upcoming(Arrays.copyOfRange(order, (b + ahead) * settings.batchSize(), (b + ahead + 1) * settings.batchSize()));
              }
              double lr = schedule.at(state.step);
              double[] lossAndNorm = update(engine, base, task, optimizer, trainable, batch, lr, epoch, b, state.step);
              steps.append(state.step + 1, epoch + 1, lossAndNorm[0], lr, lossAndNorm[1]);
              state.step++;
              state.stepInEpoch++;
              state.epochLossSum += lossAndNorm[0];
              windowSteps++;
              double secs = (System.nanoTime() - windowStart) / 1e9;
              bar.step(1);
              bar.status(String.format(Locale.ROOT, "loss %.4f | %.0f ex/s | lr %.2e", lossAndNorm[0],
                  windowSteps * settings.batchSize() / secs, lr));
              guard.check(lossAndNorm[0], lossAndNorm[1], state.step);
              if (checkpointDue(state, b, perEpoch)) {
                state.seconds = secondsBefore + (System.nanoTime() - started) / 1e9;
                store.save(state, task.weights(), optimizer.state());
              }
            }
          }
          finishEpoch(task, validation, state, epoch, perEpoch, (System.nanoTime() - epochStart) / 1e9);
          state.seconds = secondsBefore + (System.nanoTime() - started) / 1e9;
          store.save(state, task.weights(), optimizer.state());
        }
      } finally {
        base.close();
      }
      ModelBundle result = writeOutput(task, state);
      double seconds = secondsBefore + (System.nanoTime() - started) / 1e9;
      return new Result(result, state, seconds);
    }
  }

  /** The state a run starts from: the latest checkpoint's when resuming, else a new one of these settings. */
  private TrainingState startingState(Optional<CheckpointStore.Checkpoint> resumed) {
    TrainingState state;
    if (resumed.isPresent()) {
      state = resumed.get().state();
      checkSameRun(state, resumed.get().dir());
      log.printf(Locale.ROOT, "resuming from %s (epoch %d, step %d)%n", resumed.get().dir(), state.epoch + 1, state.step);
    } else {
      state = new TrainingState();
      state.seed = settings.seed();
      state.settings.putAll(facts);
      if (settings.resume()) {
        log.println("no checkpoint in " + checkpointDir() + ": starting from the beginning");
      }
    }
    log.flush();
    return state;
  }

  /**
   * Makes the parameters record gradients, starting from zero. DJL allocates a parameter's gradient
   * without clearing it and backward adds to it: whatever the memory held would enter the first
   * update (a fresh process usually gets zeroed pages, a resumed one reused memory).
   */
  private static void attachClearedGradients(Map<String, Parameter> trainable) {
    trainable.values().forEach(p -> p.getArray().setRequiresGradient(true));
    for (Parameter p : trainable.values()) {
      try (NDArray g = p.getArray().getGradient()) {
        g.set(new ai.djl.ndarray.index.NDIndex("..."), 0f);
      }
    }
  }

  /** A checkpoint inside the epoch, every {@code --checkpoint-every} steps (the epoch's end saves one anyway). */
  private boolean checkpointDue(TrainingState state, int batchInEpoch, int perEpoch) {
    return settings.checkpointEvery() > 0 && state.step % settings.checkpointEvery() == 0 && batchInEpoch + 1 < perEpoch;
  }

  /**
   * What a non-finite number does to the run: a non-finite gradient with a finite loss skips its
   * update (as a gradient scaler does; {@link #update} left the weights alone) up to {@link
   * #MAX_SKIPPED} times; a non-finite loss stops the run. Either way the message names the last
   * checkpoint, which is safe.
   */
  private final class NonFiniteGuard {
    private int skipped;

    void check(double loss, double gradientNorm, long step) {
      if (Double.isFinite(loss) && !Double.isFinite(gradientNorm)) {
        skipped++;
        log.printf(Locale.ROOT, "%nstep %d: the gradient norm is %s with a finite loss: update skipped%n", step, gradientNorm);
        log.flush();
        if (skipped > MAX_SKIPPED) {
          throw new IllegalStateException(
              "the gradient became non-finite " + skipped + " times; lower --lr or set --clip-norm"
                  + " (the last checkpoint is in " + checkpointDir() + ")");
        }
      }
      if (!Double.isFinite(loss)) {
        throw new IllegalStateException(
            "the loss became " + loss + " at step " + step + "; lower --lr or set --clip-norm"
                + " (the last checkpoint is in " + checkpointDir() + ")");
      }
    }
  }

  /** One update of the loop, seeded from (seed, step). */
  private double[] update(
      Engine engine, NDManager base, TrainingTask task, AdamW optimizer, Map<String, Parameter> trainable, int[] batch,
      double lr, int epoch, int b, long step) {
    engine.setRandomSeed(EpochOrder.engineSeed(settings.seed(), step));
    return update(base, task, optimizer, trainable, batch, lr, EpochOrder.batchRandom(settings.seed(), epoch, b), settings.clipNorm());
  }

  /**
   * One update: the batch's loss with gradients recorded, then (autograd off) global-norm clipping,
   * the optimizer step, cleared gradients and the task's post-update hook. Everything the step
   * allocates is freed before it returns.
   *
   * @param trainable the parameters whose arrays require gradients (the optimizer's)
   * @return the loss and the gradient norm before clipping
   */
  public static double[] update(
      NDManager base, TrainingTask task, AdamW optimizer, Map<String, Parameter> trainable, int[] batch, double lr,
      java.util.SplittableRandom random, double clipNorm) {
    Engine engine = base.getEngine();
    try (NDManager stepManager = base.newSubManager();
        NDScope scope = new NDScope()) {
      float loss;
      try (GradientCollector collector = engine.newGradientCollector()) {
        NDArray l = task.loss(stepManager, batch, random);
        collector.backward(l);
        loss = l.getFloat();
      }
      double norm;
      try (AutoCloseable noGrad = Engines.noGrad()) {
        Map<String, NDArray> grads = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : trainable.entrySet()) {
          NDArray g = gradient(e.getValue().getArray());
          if (g != null) {
            grads.put(e.getKey(), g);
          }
        }
        norm = GradientClipping.clipGlobalNorm(grads, clipNorm);
        if (Double.isFinite(norm) || !Float.isFinite(loss)) {
          optimizer.step(grads, lr);
          for (NDArray g : grads.values()) {
            g.set(new ai.djl.ndarray.index.NDIndex("..."), 0f); // PyTorch accumulates gradients: clear them
          }
          task.afterUpdate();
        } else {
          // a finite loss with a non-finite gradient: skip the update (as a gradient scaler does),
          // leaving the weights and the optimizer's moments as they were
          for (NDArray g : grads.values()) {
            g.set(new ai.djl.ndarray.index.NDIndex("..."), 0f);
          }
        }
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
      return new double[] {loss, norm};
    }
  }

  private static NDArray gradient(NDArray parameter) {
    try {
      return parameter.getGradient();
    } catch (IllegalStateException e) {
      return null; // this parameter took no part in the loss
    }
  }

  private void finishEpoch(TrainingTask task, Validation validation, TrainingState state, int epoch, int perEpoch, double seconds)
      throws IOException {
    Map<String, Double> row = new LinkedHashMap<>();
    row.put("epoch", (double) (epoch + 1));
    row.put("step", (double) state.step);
    row.put("train.loss", state.epochLossSum / perEpoch);
    row.put("seconds", seconds);
    boolean validate = (epoch + 1) % settings.validateEvery() == 0 || epoch + 1 == settings.epochs();
    if (validate && validation != null) {
      long t = System.nanoTime();
      Path candidate = checkpointDir().resolve("validated");
      CheckpointStore.deleteTree(candidate);
      ModelBundle bundle = task.writeBundle(candidate, provenance(state, epoch + 1));
      Map<String, Double> metrics = validation.run(bundle, progress);
      row.putAll(metrics);
      row.put("val.seconds", (System.nanoTime() - t) / 1e9);
      double criterion = metrics.get("val.criterion");
      if (criterion > state.bestCriterion) {
        state.bestCriterion = criterion;
        state.bestEpoch = epoch + 1;
        Path best = checkpointDir().resolve("best");
        CheckpointStore.deleteTree(best);
        Files.move(candidate, best, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      }
      log.printf(Locale.ROOT, "epoch %d: loss %.4f, validation %s (best: epoch %d)%n", epoch + 1, row.get("train.loss"),
          summary(metrics), state.bestEpoch);
    } else {
      log.printf(Locale.ROOT, "epoch %d: loss %.4f%n", epoch + 1, row.get("train.loss"));
    }
    log.flush();
    row.put("rss_mib", ProcessMemory.residentMiB());
    row.put("heap_committed_mib", ProcessMemory.heapCommittedMiB());
    state.epochs.add(row);
    state.epoch = epoch + 1;
    state.stepInEpoch = 0;
    state.epochLossSum = 0;
    MetricsCsv.write(out.resolve("metrics.csv"), state.epochs);
    TrainingCurves.writeLoss(out.resolve("loss.png"), StepLog.losses(out.resolve("steps.csv")), facts.getOrDefault("command", "training") + ": loss");
    TrainingCurves.writeValidation(out.resolve("validation.png"), state.epochs, facts.getOrDefault("command", "training") + ": validation");
  }

  private static String summary(Map<String, Double> metrics) {
    StringBuilder sb = new StringBuilder();
    metrics.forEach((k, v) -> {
      if (!k.equals("val.criterion") && (k.endsWith("recall@1") || k.endsWith("recall@10") || k.endsWith("recall@50") || k.endsWith("recall_subset@1"))) {
        sb.append(sb.length() > 0 ? ", " : "").append(k.substring(4)).append(String.format(Locale.ROOT, " %.2f", v));
      }
    });
    return sb.append(String.format(Locale.ROOT, "; criterion %.2f", metrics.get("val.criterion"))).toString();
  }

  private Map<String, String> provenance(TrainingState state, int epoch) {
    Map<String, String> p = new LinkedHashMap<>(facts);
    p.put("epoch", Integer.toString(epoch));
    p.put("epochs", Integer.toString(settings.epochs()));
    p.put("steps", Long.toString(state.step));
    return p;
  }

  /** Copies the best validated bundle (or the last weights when none was validated) into {@code out}. */
  private ModelBundle writeOutput(TrainingTask task, TrainingState state) throws IOException {
    Path best = checkpointDir().resolve("best");
    Map<String, String> p = provenance(state, settings.epochs());
    p.put("best_epoch", Integer.toString(state.bestEpoch));
    if (state.bestEpoch > 0) {
      Map<String, Double> m = state.epochs.get(state.bestEpoch - 1);
      StringBuilder json = new StringBuilder("{");
      m.forEach((k, v) -> {
        if (k.startsWith("val.") && !k.equals("val.seconds")) {
          json.append(json.length() > 1 ? ", " : "").append('"').append(k.substring(4)).append("\": ")
              .append(String.format(Locale.ROOT, "%.4f", v));
        }
      });
      p.put("validation", json.append('}').toString());
    }
    p.put("training_seconds", String.format(Locale.ROOT, "%.1f", state.seconds));
    if (!Files.isDirectory(best)) {
      return task.writeBundle(out, p);
    }
    return BundleWriter.copy(ModelBundle.open(best), out, p);
  }

  private void checkSameRun(TrainingState state, Path where) {
    for (Map.Entry<String, String> e : facts.entrySet()) {
      String before = state.settings.get(e.getKey());
      if (before != null && !before.equals(e.getValue()) && !e.getKey().equals("command")) {
        throw new IllegalArgumentException(
            "cannot resume " + where + ": it was trained with " + e.getKey() + " = " + before + ", this run has "
                + e.getValue() + "; use the same options or another --out");
      }
    }
  }
}
