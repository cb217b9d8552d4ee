package dev.cir.clip.model;

import ai.djl.ndarray.NDArray;
import java.util.Locale;

/**
 * The MLP nonlinearity of the transformers. OpenAI's checkpoints use {@code QuickGELU}, x ·
 * σ(1.702·x); open_clip models trained elsewhere use the exact (erf) GELU. Shapes cannot tell them
 * apart, so a bundle records which one its weights were trained with.
 */
public enum Activation {
  QUICK_GELU("quick_gelu"),
  GELU("gelu");

  private final String id;

  Activation(String id) {
    this.id = id;
  }

  /** The name used in {@code bundle.json} and on the command line. */
  public String id() {
    return id;
  }

  public NDArray apply(NDArray x) {
    return switch (this) {
      case QUICK_GELU -> x.mul(ai.djl.nn.Activation.sigmoid(Scalars.mul(x, 1.702f)));
      case GELU -> ai.djl.nn.Activation.gelu(x);
    };
  }

  public static Activation parse(String s) {
    String k = s.trim().toLowerCase(Locale.ROOT).replace('-', '_');
    for (Activation a : values()) {
      if (a.id.equals(k)) {
        return a;
      }
    }
    throw new IllegalArgumentException("unknown activation '" + s + "'; expected quick_gelu or gelu");
  }
}
