package dev.cir.cli;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import dev.cir.clip.encoder.EncoderOptions;
import dev.cir.clip.encoder.Engines;

/**
 * Guice bindings of clip-core for the command line, its one composition root.
 * clip-core itself has no container: its classes take their collaborators through plain constructors.
 */
public final class ClipModule extends AbstractModule {
  @Override
  protected void configure() {
    Engines.ensureOffline();
  }

  /**
   * Encoder defaults, overridable with system properties {@code cir.device}, {@code
   * cir.predictors}, {@code cir.batchSize}, {@code cir.maxBatch}, {@code cir.threads} and {@code cir.precision}.
   */
  @Provides
  EncoderOptions encoderOptions() {
    EncoderOptions d = EncoderOptions.defaults();
    return new EncoderOptions(
        System.getProperty("cir.device", d.device()),
        Integer.getInteger("cir.predictors", d.predictors()),
        Integer.getInteger("cir.batchSize", d.batchSize()),
        Integer.getInteger("cir.maxBatch", d.maxBatch()),
        Integer.getInteger("cir.threads", d.threads()),
        dev.cir.clip.model.Precision.parse(System.getProperty("cir.precision", d.precision().label())));
  }
}
