package dev.cir.train.clip;

import dev.cir.clip.model.ClipConfig;

/**
 * The model {@code --arch tiny} trains: a CLIP small enough to learn a private domain from scratch
 * on a CPU in minutes. It is {@link ClipConfig#tiny} (width 128, 4 layers per tower, 128-dimensional
 * embedding, 32-token context) at 48 pixels with 16-pixel patches: the synthetic dataset's 48-pixel
 * images become a 3 x 3 grid of patches, one per cell of its scene grid, so each of the 10 image
 * tokens (with the class token) sees one object and its position says which cell it is.
 */
public final class TinyClip {
  /** Input side in pixels: the synthetic dataset's default image size. */
  public static final int RESOLUTION = 48;

  /** Patch side in pixels: a third of the input, one scene cell. */
  public static final int PATCH = 16;

  private TinyClip() {}

  public static ClipConfig config(int vocab) {
    ClipConfig t = ClipConfig.tiny(vocab);
    return new ClipConfig(
        t.embedDim(), RESOLUTION, t.visionLayers(), t.visionWidth(), PATCH, t.visionHeads(), t.contextLength(), vocab,
        t.textWidth(), t.textHeads(), t.textLayers(), t.activation());
  }
}
