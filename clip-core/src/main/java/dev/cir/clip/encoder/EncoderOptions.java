package dev.cir.clip.encoder;

/**
 * @param device cpu, gpu, gpu:N or auto
 * @param predictors how many forward passes may run at once (each predictor is used by one thread
 *     at a time)
 * @param batchSize largest batch sent through the model in one pass
 */
public record EncoderOptions(String device, int predictors, int batchSize) {
  public EncoderOptions {
    if (predictors < 1) {
      throw new IllegalArgumentException("predictors must be at least 1, got " + predictors);
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
    }
  }

  /** CPU, one predictor per core, batches of 32. */
  public static EncoderOptions defaults() {
    return new EncoderOptions("cpu", Runtime.getRuntime().availableProcessors(), 32);
  }

  public EncoderOptions withDevice(String d) {
    return new EncoderOptions(d, predictors, batchSize);
  }

  public EncoderOptions withPredictors(int n) {
    return new EncoderOptions(device, n, batchSize);
  }

  public EncoderOptions withBatchSize(int b) {
    return new EncoderOptions(device, predictors, b);
  }
}
