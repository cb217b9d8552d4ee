package dev.cir.clip.encoder;

import ai.djl.Device;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDScope;
import ai.djl.translate.TranslateException;
import ai.djl.translate.Translator;
import ai.djl.Model;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * DJL predictors are not thread-safe: this pool lends each to one thread at a time. Every call
 * runs with autograd off and inside an {@link NDScope}, so arrays the forward pass derives from
 * parameters (views, slices) are freed with the call rather than accumulating on the model's
 * manager.
 */
final class PredictorPool<I, O> implements AutoCloseable {
  private final BlockingQueue<Predictor<I, O>> idle;
  private final List<Predictor<I, O>> all = new ArrayList<>();
  private volatile boolean closed;

  PredictorPool(Model model, Translator<I, O> translator, Device device, int size) {
    this.idle = new ArrayBlockingQueue<>(size);
    for (int i = 0; i < size; i++) {
      Predictor<I, O> p = model.newPredictor(translator, device);
      all.add(p);
      idle.add(p);
    }
  }

  O predict(I input) throws TranslateException {
    if (closed) {
      throw new IllegalStateException("the encoder is closed");
    }
    Predictor<I, O> p;
    try {
      p = idle.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TranslateException("interrupted while waiting for a predictor", e);
    }
    try (AutoCloseable noGrad = Engines.noGrad();
        NDScope scope = new NDScope()) {
      scope.suppressNotUsedWarning();
      return p.predict(input);
    } catch (TranslateException | RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new TranslateException(e);
    } finally {
      idle.add(p);
    }
  }

  @Override
  public void close() {
    closed = true;
    all.forEach(Predictor::close);
  }

}
