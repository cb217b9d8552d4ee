package dev.cir.train.clip;

import dev.cir.clip.model.ClipConfig;

/**
 * The model {@code --arch tiny} trains: a CLIP small enough to learn a private domain from scratch
 * on a CPU in minutes ({@link ClipConfig#tiny}).
 */
public final class TinyClip {
  private TinyClip() {}

  public static ClipConfig config(int vocab) {
    return ClipConfig.tiny(vocab);
  }
}
