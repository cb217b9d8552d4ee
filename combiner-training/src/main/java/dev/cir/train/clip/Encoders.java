package dev.cir.train.clip;

import ai.djl.nn.Parameter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Which CLIP towers stage 1 fine-tunes ({@code clip_fine_tune.py --encoder}): both, the text tower
 * only, or the image tower only. The logit scale is never trained there (the loss uses a fixed 100).
 */
public enum Encoders {
  BOTH,
  TEXT,
  IMAGE;

  public static Encoders parse(String s) {
    try {
      return valueOf(s.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unknown --encoder '" + s + "'; use both, text or image", e);
    }
  }

  public boolean trainsImage() {
    return this != TEXT;
  }

  public boolean trainsText() {
    return this != IMAGE;
  }

  /** The parameters this choice trains, out of a CLIP model's (buffers never). */
  public Map<String, Parameter> select(Map<String, Parameter> all) {
    Map<String, Parameter> out = new LinkedHashMap<>();
    all.forEach((name, p) -> {
      boolean visual = name.startsWith("visual.");
      if (p.requiresGradient() && !name.equals("logit_scale") && (visual ? trainsImage() : trainsText())) {
        out.put(name, p);
      }
    });
    return out;
  }

  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }
}
