package dev.cir.bench;

import dev.cir.clip.model.ClipConfig;

/**
 * Floating-point operations of one forward pass (2 per multiply-add, matrix products and
 * convolutions only; normalisations and activations are a small remainder), so that measured speed
 * can be compared with the machine's matrix-multiply rate.
 */
public final class ModelFlops {
  private ModelFlops() {}

  /** FLOPs of encoding one image. */
  public static double image(ClipConfig c) {
    return c.isVit() ? vit(c) : resnet(c);
  }

  /** FLOPs of encoding one text of {@code tokens} positions (start and end included). */
  public static double text(ClipConfig c, int tokens) {
    double w = c.textWidth();
    double perLayer = transformerLayer(w, tokens);
    return c.textLayers() * perLayer + 2.0 * w * c.embedDim();
  }

  private static double transformerLayer(double w, double n) {
    // qkv (3w²) + out (w²) + mlp (8w²) per token, plus q·kᵀ and attn·v (2·n²·w)
    return 2.0 * (12 * w * w * n + 2 * n * n * w);
  }

  private static double vit(ClipConfig c) {
    double w = c.visionWidth();
    int p = c.visionPatchSize();
    double grid = (double) c.imageResolution() / p;
    double patches = grid * grid;
    double n = patches + 1;
    double patchEmbed = 2.0 * patches * 3 * p * p * w;
    return patchEmbed + c.visionLayerCount() * transformerLayer(w, n) + 2.0 * w * c.embedDim();
  }

  private static double resnet(ClipConfig c) {
    long width = c.visionWidth();
    double s = c.imageResolution() / 2.0; // after the stride-2 first convolution
    double f = 0;
    f += conv(3, width / 2, 3, s);
    f += conv(width / 2, width / 2, 3, s);
    f += conv(width / 2, width, 3, s);
    s /= 2; // stem average pool
    long inplanes = width;
    int[] layers = c.visionLayers();
    for (int l = 0; l < 4; l++) {
      long planes = width << l;
      for (int i = 0; i < layers[l]; i++) {
        boolean down = i == 0 && l > 0;
        double out = down ? s / 2 : s;
        f += conv(inplanes, planes, 1, s);
        f += conv(planes, planes, 3, s);
        f += conv(planes, planes * 4, 1, out);
        if (down || inplanes != planes * 4) {
          f += conv(inplanes, planes * 4, 1, out);
        }
        inplanes = planes * 4;
        s = out;
      }
    }
    double e = width * 32.0;
    double tokens = s * s + 1;
    // attention pooling: k and v over all positions, q for one, then c_proj
    f += 2.0 * (2 * tokens * e * e + e * e + 2 * tokens * e + e * c.embedDim());
    return f;
  }

  private static double conv(long in, long out, int k, double size) {
    return 2.0 * in * out * k * k * size * size;
  }
}
