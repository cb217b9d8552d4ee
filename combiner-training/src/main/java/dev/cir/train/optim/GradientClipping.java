package dev.cir.train.optim;

import ai.djl.ndarray.NDArray;
import java.util.Map;

/**
 * {@code torch.nn.utils.clip_grad_norm_}: scales every gradient by {@code max / (‖g‖ + 1e-6)} when
 * the global L2 norm over all of them exceeds {@code max}. (DJL's own clipping clamps each element
 * alone, which changes the gradient's direction.)
 */
public final class GradientClipping {
  private GradientClipping() {}

  /**
   * Clips in place.
   *
   * @param maxNorm the largest norm allowed; 0 or less leaves the gradients alone
   * @return the global norm before clipping
   */
  public static double clipGlobalNorm(Map<String, NDArray> gradients, double maxNorm) {
    double sumSquares = 0;
    for (NDArray g : gradients.values()) {
      sumSquares += g.square().sum().getFloat();
    }
    double norm = Math.sqrt(sumSquares);
    if (maxNorm > 0) {
      double coef = maxNorm / (norm + 1e-6);
      if (coef < 1) {
        for (NDArray g : gradients.values()) {
          g.muli((float) coef);
        }
      }
    }
    return norm;
  }
}
