package dev.cir.train.optim;

import ai.djl.nn.Parameter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Parameters that share a weight decay, as a PyTorch optimizer's {@code param_groups} entry.
 *
 * @param parameters by state-dict name, in a fixed order (optimizer state is saved by name)
 */
public record ParameterGroup(String name, Map<String, Parameter> parameters, double weightDecay) {
  public ParameterGroup {
    Objects.requireNonNull(name, "name");
    parameters = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    if (weightDecay < 0) {
      throw new IllegalArgumentException("weight decay must not be negative, got " + weightDecay);
    }
  }

  /**
   * Whether a parameter is exempt from weight decay by the usual rule for transformers (as
   * open_clip and most CLIP training code apply it): biases and norm scales (every parameter of
   * fewer than two dimensions), embeddings, and the logit scale.
   */
  public static boolean exemptFromDecay(String name, Parameter p) {
    return p.getArray().getShape().dimension() < 2 || name.contains("embedding") || name.equals("logit_scale");
  }

  /**
   * Splits {@code trainable} into a decayed group and an exempt group (see {@link
   * #exemptFromDecay}), or one group decaying everything when {@code decayAll} (CLIP4Cir's {@code
   * clip_fine_tune.py} passes all parameters to AdamW with weight decay 0.01).
   */
  public static java.util.List<ParameterGroup> split(Map<String, Parameter> trainable, double weightDecay, boolean decayAll) {
    if (decayAll) {
      return java.util.List.of(new ParameterGroup("all", trainable, weightDecay));
    }
    Map<String, Parameter> decay = new LinkedHashMap<>();
    Map<String, Parameter> exempt = new LinkedHashMap<>();
    trainable.forEach((n, p) -> (exemptFromDecay(n, p) ? exempt : decay).put(n, p));
    return java.util.List.of(new ParameterGroup("decay", decay, weightDecay), new ParameterGroup("no_decay", exempt, 0));
  }
}
