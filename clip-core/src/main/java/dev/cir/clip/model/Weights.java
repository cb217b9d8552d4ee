package dev.cir.clip.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Where a block's parameters come from while it is built: a stored state dict (checked against the
 * shape the architecture expects) or a random initialisation. Names are full state-dict keys in
 * OpenAI's naming ({@code visual.transformer.resblocks.0.attn.in_proj_weight}).
 */
public interface Weights {
  /**
   * The array for parameter {@code name} of the given shape, owned by {@link #manager()}.
   *
   * @param init how to draw it when starting from random weights
   */
  NDArray take(String name, Shape shape, Init init);

  /** The manager that owns every parameter array of the model being built. */
  NDManager manager();
}
