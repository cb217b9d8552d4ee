package dev.cir.clip.encoder;

import dev.cir.clip.image.ImagePreprocessor;
import dev.cir.clip.image.PreprocessedImage;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Image files encoded batch by batch, in the order given, with the decoding of the next {@code
 * prefetch} batches running while a batch is encoded: a bounded pipeline, so memory holds at most
 * {@code (prefetch + 1) x batchSize} decoded images whatever the number of files (a gallery of a
 * million images takes no more than one of a thousand). A file that cannot be decoded is reported
 * in its own {@link ImageEncoding}; the batch goes on. Not thread-safe: one consumer. {@link
 * #close} cancels the decoding not yet taken.
 */
public final class ImageBatches implements Iterator<List<ImageEncoding>>, AutoCloseable {
  private final List<Path> files;
  private final int batchSize;
  private final int prefetch;
  private final ImagePreprocessor preprocessor;
  private final Executor decoders;
  private final Function<List<float[]>, float[][]> encode;
  private final Deque<List<CompletableFuture<PreprocessedImage>>> decoding = new ArrayDeque<>();
  private int submitted;
  private int taken;

  /** The decode pool an encoder lends its batches: a daemon thread per core. */
  static ExecutorService decodeThreads() {
    AtomicInteger threadNumber = new AtomicInteger();
    return Executors.newFixedThreadPool(
        Runtime.getRuntime().availableProcessors(),
        task -> {
          Thread t = new Thread(task, "cir-image-decode-" + threadNumber.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
  }

  ImageBatches(
      List<Path> files,
      int batchSize,
      int prefetch,
      ImagePreprocessor preprocessor,
      Executor decoders,
      Function<List<float[]>, float[][]> encode) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be at least 1, was " + batchSize);
    }
    if (prefetch < 0) {
      throw new IllegalArgumentException("prefetch must be at least 0, was " + prefetch);
    }
    this.files = List.copyOf(files);
    this.batchSize = batchSize;
    this.prefetch = prefetch;
    this.preprocessor = preprocessor;
    this.decoders = decoders;
    this.encode = encode;
  }

  /** Batches of {@link #next} in all. */
  public int batches() {
    return (files.size() + batchSize - 1) / batchSize;
  }

  /** Starts decoding batches until {@code ahead} of them are under way or every file is. */
  private void fill(int ahead) {
    while (decoding.size() < ahead && submitted < files.size()) {
      int end = Math.min(files.size(), submitted + batchSize);
      List<CompletableFuture<PreprocessedImage>> batch = new ArrayList<>(end - submitted);
      for (Path f : files.subList(submitted, end)) {
        batch.add(preprocessor.preprocessAsync(f, decoders));
      }
      decoding.addLast(batch);
      submitted = end;
    }
  }

  @Override
  public boolean hasNext() {
    return taken < files.size();
  }

  /** The next batch's encodings, one per file, in the order of the files. */
  @Override
  public List<ImageEncoding> next() {
    if (!hasNext()) {
      throw new NoSuchElementException("every batch has been taken");
    }
    fill(1);
    List<PreprocessedImage> pre = new ArrayList<>();
    for (CompletableFuture<PreprocessedImage> f : decoding.removeFirst()) {
      pre.add(f.join());
    }
    taken += pre.size();
    // the next batches decode while this one is encoded
    fill(prefetch);
    List<float[]> ok = new ArrayList<>(pre.size());
    for (PreprocessedImage p : pre) {
      if (p.succeeded()) {
        ok.add(p.pixels());
      }
    }
    float[][] features = ok.isEmpty() ? new float[0][] : encode.apply(ok);
    List<ImageEncoding> out = new ArrayList<>(pre.size());
    int k = 0;
    for (PreprocessedImage p : pre) {
      out.add(p.succeeded() ? new ImageEncoding(p.file(), features[k++], null) : new ImageEncoding(p.file(), null, p.failure().get()));
    }
    return out;
  }

  @Override
  public void close() {
    for (List<CompletableFuture<PreprocessedImage>> batch : decoding) {
      batch.forEach(f -> f.cancel(false));
    }
    decoding.clear();
  }
}
