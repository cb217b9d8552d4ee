package dev.cir.train.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import dev.cir.clip.io.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * PyTorch's {@code torch.optim.AdamW} (and {@code Adam}, which is AdamW without decay) over
 * parameter groups, updating the parameter arrays in place:
 *
 * <pre>
 *   p ← p · (1 − lr·wd)
 *   m ← β₁·m + (1 − β₁)·g          v ← β₂·v + (1 − β₂)·g²
 *   p ← p − lr / (1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)
 * </pre>
 *
 * A parameter whose gradient is absent this step is skipped entirely, as PyTorch skips {@code
 * p.grad is None}. Call {@link #step} with autograd off. The moments and the step count are the
 * whole state; {@link #state()} and {@link #load} save and restore them exactly.
 */
public final class AdamW {
  private final List<ParameterGroup> groups;
  private final double beta1;
  private final double beta2;
  private final double eps;
  private final Map<String, NDArray> m = new LinkedHashMap<>();
  private final Map<String, NDArray> v = new LinkedHashMap<>();
  private final NDManager manager;
  private long step;

  public AdamW(List<ParameterGroup> groups, double beta1, double beta2, double eps, NDManager manager) {
    this.groups = List.copyOf(groups);
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.eps = eps;
    this.manager = manager;
    for (ParameterGroup g : groups) {
      for (Map.Entry<String, Parameter> e : g.parameters().entrySet()) {
        NDArray p = e.getValue().getArray();
        if (m.containsKey(e.getKey())) {
          throw new IllegalArgumentException("parameter '" + e.getKey() + "' is in two groups");
        }
        m.put(e.getKey(), manager.zeros(p.getShape(), p.getDataType(), p.getDevice()));
        v.put(e.getKey(), manager.zeros(p.getShape(), p.getDataType(), p.getDevice()));
      }
    }
  }

  /** CLIP4Cir's stage-1 optimizer: betas (0.9, 0.999), eps 1e-7. */
  public static AdamW clip4cirFineTuning(List<ParameterGroup> groups, NDManager manager) {
    return new AdamW(groups, 0.9, 0.999, 1e-7, manager);
  }

  /** PyTorch's Adam defaults (betas 0.9, 0.999; eps 1e-8), no weight decay: CLIP4Cir's Combiner optimizer. */
  public static AdamW adam(Map<String, Parameter> parameters, NDManager manager) {
    return new AdamW(List.of(new ParameterGroup("all", parameters, 0)), 0.9, 0.999, 1e-8, manager);
  }

  public List<ParameterGroup> groups() {
    return groups;
  }

  /** Every parameter the optimizer updates, by name. */
  public Map<String, Parameter> parameters() {
    Map<String, Parameter> all = new LinkedHashMap<>();
    groups.forEach(g -> all.putAll(g.parameters()));
    return all;
  }

  /** Updates taken so far. */
  public long steps() {
    return step;
  }

  /**
   * One update with learning rate {@code lr}.
   *
   * @param gradients by parameter name (missing ones are skipped); already clipped if wanted
   */
  public void step(Map<String, NDArray> gradients, double lr) {
    step++;
    double bc1 = 1 - Math.pow(beta1, step);
    double bc2Sqrt = Math.sqrt(1 - Math.pow(beta2, step));
    float stepSize = (float) (lr / bc1);
    for (ParameterGroup g : groups) {
      float decay = (float) (1 - lr * g.weightDecay());
      for (Map.Entry<String, Parameter> e : g.parameters().entrySet()) {
        NDArray grad = gradients.get(e.getKey());
        if (grad == null) {
          continue;
        }
        NDArray p = e.getValue().getArray();
        NDArray mi = m.get(e.getKey());
        NDArray vi = v.get(e.getKey());
        if (g.weightDecay() != 0) {
          p.muli(decay);
        }
        // the moments are the first operands: their manager owns nothing new, the step scope does
        mi.muli((float) beta1).addi(grad.mul((float) (1 - beta1)));
        vi.muli((float) beta2).addi(grad.square().muli((float) (1 - beta2)));
        NDArray denom = vi.sqrt().divi((float) bc2Sqrt).addi((float) eps);
        p.subi(mi.div(denom).muli(stepSize));
      }
    }
  }

  /** The state to checkpoint: {@code m.<name>}, {@code v.<name>} and {@code step}. */
  public Map<String, Tensor> state() {
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (String name : m.keySet()) {
      out.put("m." + name, tensor(m.get(name)));
      out.put("v." + name, tensor(v.get(name)));
    }
    out.put("step", Tensor.ofLongs(new long[0], new long[] {step}));
    return out;
  }

  /**
   * Restores {@link #state()}.
   *
   * @throws IllegalArgumentException when a moment is missing or of another shape
   */
  public void load(Map<String, Tensor> state) {
    List<String> missing = new ArrayList<>();
    for (String name : m.keySet()) {
      Tensor tm = state.get("m." + name);
      Tensor tv = state.get("v." + name);
      if (tm == null || tv == null) {
        missing.add(name);
        continue;
      }
      m.get(name).set(checked(tm, m.get(name), name).toFloatArray());
      v.get(name).set(checked(tv, v.get(name), name).toFloatArray());
    }
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException("optimizer state lacks the moments of " + missing);
    }
    Tensor s = state.get("step");
    if (s == null) {
      throw new IllegalArgumentException("optimizer state lacks 'step'");
    }
    step = s.toLongArray()[0];
  }

  private static Tensor checked(Tensor t, NDArray like, String name) {
    if (!java.util.Arrays.equals(t.shape(), like.getShape().getShape())) {
      throw new IllegalArgumentException(
          "optimizer moment of '" + name + "' has shape " + java.util.Arrays.toString(t.shape()) + ", the parameter "
              + like.getShape());
    }
    return t;
  }

  private static Tensor tensor(NDArray a) {
    return Tensor.ofFloats(a.getShape().getShape(), a.toFloatArray());
  }

  /** Frees the moments. */
  public void close() {
    m.values().forEach(NDArray::close);
    v.values().forEach(NDArray::close);
  }

  NDManager manager() {
    return manager;
  }
}
