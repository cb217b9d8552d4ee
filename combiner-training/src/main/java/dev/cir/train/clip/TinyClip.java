package dev.cir.train.clip;

import dev.cir.clip.model.ClipConfig;

/**
 * The model {@code --arch tiny} trains: a CLIP small enough to learn a private domain from scratch
 * on a CPU in minutes. It is {@link ClipConfig#tiny} (64-pixel input, width 128, 4 layers per tower,
 * 128-dimensional embedding, 32-token context) with 16-pixel patches instead of 8: 17 image tokens
 * instead of 65, which makes a training step about 3.4 times faster on two cores.
 */
public final class TinyClip {
  private TinyClip() {}

  public static ClipConfig config(int vocab) {
    ClipConfig t = ClipConfig.tiny(vocab);
    return new ClipConfig(
        t.embedDim(), t.imageResolution(), t.visionLayers(), t.visionWidth(), 16, t.visionHeads(), t.contextLength(),
        vocab, t.textWidth(), t.textHeads(), t.textLayers(), t.activation());
  }
}
