package dev.cir.clip.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Parameters drawn at random by each parameter's {@link Init}, with the engine's generator (seed
 * it with {@code Engine.getInstance().setRandomSeed} for a reproducible model).
 */
public final class RandomWeights implements Weights {
  private final NDManager manager;

  public RandomWeights(NDManager manager) {
    this.manager = manager;
  }

  @Override
  public NDManager manager() {
    return manager;
  }

  @Override
  public NDArray take(String name, Shape shape, Init init) {
    if (init instanceof Init.Zeros) {
      return manager.zeros(shape, DataType.FLOAT32);
    } else if (init instanceof Init.Constant c) {
      return manager.full(shape, c.value(), DataType.FLOAT32);
    } else if (init instanceof Init.Normal n) {
      return manager.randomNormal(0f, (float) n.std(), shape, DataType.FLOAT32);
    } else if (init instanceof Init.Uniform u) {
      return manager.randomUniform((float) -u.bound(), (float) u.bound(), shape, DataType.FLOAT32);
    }
    throw new IllegalArgumentException("unknown initialisation " + init + " for " + name);
  }
}
