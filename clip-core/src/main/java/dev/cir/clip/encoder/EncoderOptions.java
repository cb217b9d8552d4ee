package dev.cir.clip.encoder;

/**
 * @param device cpu, gpu, gpu:N or auto
 * @param predictors how many forward passes may run at once (each on a worker thread with a
 *     predictor of its own)
 * @param batchSize largest batch a bulk encode (a list of images or texts) sends through the model
 *     in one pass
 * @param maxBatch largest number of rows one pass takes from concurrent callers (queries arriving
 *     while the workers are busy share the next pass); 1 runs every call in a pass of its own
 */
public record EncoderOptions(String device, int predictors, int batchSize, int maxBatch) {
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
  }

  /** CPU, one predictor per core, bulk batches of 32, passes of up to {@link #DEFAULT_MAX_BATCH} concurrent rows. */
  public static EncoderOptions defaults() {
    return new EncoderOptions("cpu", Runtime.getRuntime().availableProcessors(), 32, DEFAULT_MAX_BATCH);
  }

  public EncoderOptions withDevice(String d) {
    return new EncoderOptions(d, predictors, batchSize, maxBatch);
  }

  public EncoderOptions withPredictors(int n) {
    return new EncoderOptions(device, n, batchSize, maxBatch);
  }

  public EncoderOptions withBatchSize(int b) {
    return new EncoderOptions(device, predictors, b, maxBatch);
  }

  public EncoderOptions withMaxBatch(int m) {
    return new EncoderOptions(device, predictors, batchSize, m);
  }
}
