package dev.cir.modelimport;

/**
 * What a CLIP checkpoint's tensor shapes cannot tell: the attention head counts and the MLP
 * activation. Each is {@code null} when the checkpoint does not say; OpenAI's {@code build_model}
 * then uses {@code width / 64} heads and QuickGELU.
 *
 * @param visionHeads attention heads of the vision transformer
 * @param textHeads attention heads of the text transformer
 * @param activation {@code "quick_gelu"} (OpenAI's {@code x * sigmoid(1.702 x)}) or {@code "gelu"}
 *     (the exact erf GELU), as Hugging Face's {@code hidden_act} names them
 */
public record CheckpointHints(Integer visionHeads, Integer textHeads, String activation) {
  /** A checkpoint that says nothing beyond its tensors. */
  public static final CheckpointHints NONE = new CheckpointHints(null, null, null);

  public static final String QUICK_GELU = "quick_gelu";
  public static final String GELU = "gelu";

  public CheckpointHints {
    if (visionHeads != null && visionHeads < 1 || textHeads != null && textHeads < 1) {
      throw new IllegalArgumentException("head counts must be positive");
    }
    if (activation != null && !activation.equals(QUICK_GELU) && !activation.equals(GELU)) {
      throw new IllegalArgumentException(
          "activation '" + activation + "' is neither " + QUICK_GELU + " nor " + GELU);
    }
  }
}
