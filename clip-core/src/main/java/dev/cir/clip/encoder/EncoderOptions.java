package dev.cir.clip.encoder;

import dev.cir.clip.model.Precision;

/**
 * @param device cpu, gpu, gpu:N or auto
 * @param predictors how many forward passes may run at once (each on a worker thread with a
 *     predictor of its own)
 * @param batchSize largest batch a bulk encode (a list of images or texts) sends through the model
 *     in one pass
 * @param maxBatch largest number of rows one pass takes from concurrent callers (queries arriving
 *     while the workers are busy share the next pass); 1 runs every call in a pass of its own
 * @param threads PyTorch intra-op threads of each pass; 0 for the cores shared out among the
 *     predictors ({@link #threadsPerPass()})
 * @param precision float32 (exact, the default) or bf16 for the products with weights
 * @param fusedPasses on a CPU, run each transformer's layers in one TorchScript call and the text
 *     tower's and the Combiner's products on prepacked weights ({@link
 *     dev.cir.clip.model.InferenceKernels}; the default); false runs every operation through DJL
 *     one by one, the baseline that benchmarks compare against
 */
public record EncoderOptions(
    String device, int predictors, int batchSize, int maxBatch, int threads, Precision precision, boolean fusedPasses) {
  /** The default of {@link #maxBatch}: see the benchmarks guide for what it was chosen from. */
  public static final int DEFAULT_MAX_BATCH = 16;

  public EncoderOptions {
    if (predictors < 1) {
      throw new IllegalArgumentException("predictors must be at least 1, got " + predictors);
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
    }
    if (maxBatch < 1) {
      throw new IllegalArgumentException("maxBatch must be at least 1, got " + maxBatch);
    }
    if (threads < 0) {
      throw new IllegalArgumentException("threads must be 0 (automatic) or more, got " + threads);
    }
    if (precision == null) {
      precision = Precision.FLOAT32;
    }
  }

  /**
   * The {@code passes} setting of the configuration and the command line: {@code fused} (or unset)
   * or {@code ops}.
   *
   * @throws IllegalArgumentException for any other value
   */
  public static boolean parsePasses(String value) {
    if (value == null || value.isBlank() || value.trim().equalsIgnoreCase("fused")) {
      return true;
    }
    if (value.trim().equalsIgnoreCase("ops")) {
      return false;
    }
    throw new IllegalArgumentException("passes must be fused or ops, got '" + value + "'");
  }

  /** Fused passes (the default). */
  public EncoderOptions(String device, int predictors, int batchSize, int maxBatch, int threads, Precision precision) {
    this(device, predictors, batchSize, maxBatch, threads, precision, true);
  }

  /**
   * The intra-op threads of each pass: {@link #threads} if set, else the cores divided among the
   * predictors (at least 1), so that the passes that may run at once never ask for more threads
   * than there are cores. On a CPU one-thread passes side by side serve more than fewer passes of
   * more threads, whose threads wait for each other at every operation when anything else runs.
   */
  public int threadsPerPass() {
    return threads > 0 ? threads : Math.max(1, Runtime.getRuntime().availableProcessors() / predictors);
  }

  /** CPU, one predictor per core, bulk batches of 32, passes of up to {@link #DEFAULT_MAX_BATCH} concurrent rows. */
  public static EncoderOptions defaults() {
    return new EncoderOptions("cpu", Runtime.getRuntime().availableProcessors(), 32, DEFAULT_MAX_BATCH, 0, Precision.FLOAT32);
  }

  public EncoderOptions withDevice(String d) {
    return new EncoderOptions(d, predictors, batchSize, maxBatch, threads, precision, fusedPasses);
  }

  public EncoderOptions withPredictors(int n) {
    return new EncoderOptions(device, n, batchSize, maxBatch, threads, precision, fusedPasses);
  }

  public EncoderOptions withBatchSize(int b) {
    return new EncoderOptions(device, predictors, b, maxBatch, threads, precision, fusedPasses);
  }

  public EncoderOptions withMaxBatch(int m) {
    return new EncoderOptions(device, predictors, batchSize, m, threads, precision, fusedPasses);
  }

  public EncoderOptions withThreads(int t) {
    return new EncoderOptions(device, predictors, batchSize, maxBatch, t, precision, fusedPasses);
  }

  public EncoderOptions withPrecision(Precision p) {
    return new EncoderOptions(device, predictors, batchSize, maxBatch, threads, p, fusedPasses);
  }

  public EncoderOptions withFusedPasses(boolean f) {
    return new EncoderOptions(device, predictors, batchSize, maxBatch, threads, precision, f);
  }
}
