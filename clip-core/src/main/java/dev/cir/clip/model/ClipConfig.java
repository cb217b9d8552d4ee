package dev.cir.clip.model;

import dev.cir.clip.io.InvalidModelException;
import dev.cir.clip.io.StateDict;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The constructor arguments of OpenAI's {@code CLIP(...)}, plus the two facts a state dict's
 * shapes cannot tell: the number of attention heads (OpenAI always uses width / 64) and the MLP
 * activation.
 *
 * @param visionLayers for a ViT, one entry (the depth); for a ModifiedResNet, the four stage depths
 * @param visionPatchSize the ViT patch size, or 0 for a ModifiedResNet
 */
public record ClipConfig(
    int embedDim,
    int imageResolution,
    int[] visionLayers,
    int visionWidth,
    int visionPatchSize,
    int visionHeads,
    int contextLength,
    int vocabSize,
    int textWidth,
    int textHeads,
    int textLayers,
    Activation activation) {

  public ClipConfig {
    visionLayers = visionLayers.clone();
    boolean vit = visionPatchSize > 0; // fields are not yet assigned in a compact constructor
    if (visionPatchSize > 0 ? visionLayers.length != 1 : visionLayers.length != 4) {
      throw new IllegalArgumentException(
          "a ViT has one layer count and a ModifiedResNet four, got " + Arrays.toString(visionLayers));
    }
    requirePositive("embedDim", embedDim);
    requirePositive("imageResolution", imageResolution);
    requirePositive("visionWidth", visionWidth);
    requirePositive("visionHeads", visionHeads);
    requirePositive("contextLength", contextLength);
    requirePositive("vocabSize", vocabSize);
    requirePositive("textWidth", textWidth);
    requirePositive("textHeads", textHeads);
    requirePositive("textLayers", textLayers);
    if (textWidth % textHeads != 0) {
      throw new IllegalArgumentException("text width " + textWidth + " is not divisible into " + textHeads + " heads");
    }
    long visionAttnWidth = vit ? visionWidth : visionWidth * 32L;
    if (visionAttnWidth % visionHeads != 0) {
      throw new IllegalArgumentException(
          "vision attention width " + visionAttnWidth + " is not divisible into " + visionHeads + " heads");
    }
    if (vit && imageResolution % visionPatchSize != 0) {
      throw new IllegalArgumentException(
          "image resolution " + imageResolution + " is not a multiple of the patch size " + visionPatchSize);
    }
    if (!vit && imageResolution % 32 != 0) {
      throw new IllegalArgumentException("a ModifiedResNet needs a resolution divisible by 32, got " + imageResolution);
    }
  }

  private static void requirePositive(String name, int v) {
    if (v <= 0) {
      throw new IllegalArgumentException(name + " must be positive, got " + v);
    }
  }

  @Override
  public int[] visionLayers() {
    return visionLayers.clone();
  }

  public boolean isVit() {
    return visionPatchSize > 0;
  }

  /** Depth of a ViT image tower. */
  public int visionLayerCount() {
    return visionLayers[0];
  }

  /** OpenAI's names for its released architectures, with their configurations. */
  public static Map<String, ClipConfig> openAiArchitectures() {
    Map<String, ClipConfig> m = new LinkedHashMap<>();
    m.put("RN50", rn(1024, 224, new int[] {3, 4, 6, 3}, 64, 512));
    m.put("RN101", rn(512, 224, new int[] {3, 4, 23, 3}, 64, 512));
    m.put("RN50x4", rn(640, 288, new int[] {4, 6, 10, 6}, 80, 640));
    m.put("RN50x16", rn(768, 384, new int[] {6, 8, 18, 8}, 96, 768));
    m.put("RN50x64", rn(1024, 448, new int[] {3, 15, 36, 10}, 128, 1024));
    m.put("ViT-B/32", vit(512, 224, 12, 768, 32, 512));
    m.put("ViT-B/16", vit(512, 224, 12, 768, 16, 512));
    m.put("ViT-L/14", vit(768, 224, 24, 1024, 14, 768));
    m.put("ViT-L/14@336px", vit(768, 336, 24, 1024, 14, 768));
    return m;
  }

  /**
   * One of {@link #openAiArchitectures()} by name (case-insensitive; "ViT-B-32" and "ViT-B/32"
   * both work).
   */
  public static ClipConfig named(String name) {
    String wanted = canonical(name);
    for (Map.Entry<String, ClipConfig> e : openAiArchitectures().entrySet()) {
      if (canonical(e.getKey()).equals(wanted)) {
        return e.getValue();
      }
    }
    throw new IllegalArgumentException(
        "unknown architecture '" + name + "'; known: " + String.join(", ", openAiArchitectures().keySet()));
  }

  private static String canonical(String s) {
    return s.toLowerCase(Locale.ROOT).replace('/', '-').replace("@336px", "-336").replace("@336", "-336");
  }

  private static ClipConfig rn(int embed, int res, int[] layers, int width, int textWidth) {
    return new ClipConfig(
        embed, res, layers, width, 0, width * 32 / 64, 77, 49408, textWidth, textWidth / 64, 12, Activation.QUICK_GELU);
  }

  private static ClipConfig vit(int embed, int res, int layers, int width, int patch, int textWidth) {
    return new ClipConfig(
        embed, res, new int[] {layers}, width, patch, width / 64, 77, 49408, textWidth, textWidth / 64, 12,
        Activation.QUICK_GELU);
  }

  /**
   * A small ViT for training from scratch on a CPU ({@code --arch tiny}): 64-pixel images in 8x8
   * patches, 4 layers of width 128 in each tower, a 128-dimensional embedding, a 32-token context.
   *
   * @param vocab the vocabulary size of the tokenizer it is trained with
   */
  public static ClipConfig tiny(int vocab) {
    return new ClipConfig(128, 64, new int[] {4}, 128, 8, 2, 32, vocab, 128, 2, 4, Activation.QUICK_GELU);
  }

  /** This configuration with another vocabulary size (a model trained with its own tokenizer). */
  public ClipConfig withVocabSize(int vocab) {
    return new ClipConfig(
        embedDim, imageResolution, visionLayers, visionWidth, visionPatchSize, visionHeads, contextLength, vocab,
        textWidth, textHeads, textLayers, activation);
  }

  /**
   * This configuration at another input resolution (a model trained from random weights on larger
   * or smaller images): a ViT's patches must tile it, a ResNet's input must be a multiple of 32.
   *
   * @throws IllegalArgumentException saying which sizes fit
   */
  public ClipConfig withImageResolution(int px) {
    int step = isVit() ? visionPatchSize : 32;
    if (px < step || px % step != 0) {
      throw new IllegalArgumentException(
          "image size " + px + " does not fit this architecture: it takes multiples of " + step + " pixels"
              + (isVit() ? " (its patch side)" : ""));
    }
    return new ClipConfig(
        embedDim, px, visionLayers, visionWidth, visionPatchSize, visionHeads, contextLength, vocabSize, textWidth, textHeads,
        textLayers, activation);
  }

  /**
   * Infers the architecture from a state dict's shapes exactly as OpenAI's {@code build_model}
   * does. Head counts follow OpenAI's rule (width / 64) unless given.
   *
   * @param visionHeads heads of the image tower's attention, or null for OpenAI's rule
   * @param textHeads heads of the text transformer, or null for OpenAI's rule
   * @throws InvalidModelException naming the file and tensor when a shape is missing or
   *     inconsistent, or when heads cannot be inferred
   */
  public static ClipConfig infer(StateDict sd, Integer visionHeads, Integer textHeads, Activation activation) {
    boolean vit = sd.contains("visual.proj");
    int visionWidth;
    int[] visionLayers;
    int patch;
    int resolution;
    if (vit) {
      long[] conv = sd.shape("visual.conv1.weight");
      visionWidth = (int) conv[0];
      int depth = (int) sd.keys().stream()
          .filter(k -> k.startsWith("visual.") && k.endsWith(".attn.in_proj_weight"))
          .count();
      visionLayers = new int[] {depth};
      patch = (int) conv[conv.length - 1];
      long positions = sd.shape("visual.positional_embedding")[0];
      int grid = (int) Math.round(Math.sqrt(positions - 1));
      if ((long) grid * grid + 1 != positions) {
        throw new InvalidModelException(
            sd.source() + ": tensor 'visual.positional_embedding' has " + positions
                + " rows, which is not a square grid plus a class token");
      }
      resolution = patch * grid;
    } else {
      visionLayers = new int[4];
      for (int b = 1; b <= 4; b++) {
        String stage = "visual.layer" + b + ".";
        Set<String> blocks = new TreeSet<>();
        for (String k : sd.keys()) {
          if (k.startsWith(stage)) {
            blocks.add(k.split("\\.")[2]);
          }
        }
        visionLayers[b - 1] = blocks.size();
        if (blocks.isEmpty()) {
          throw new InvalidModelException(
              sd.source() + ": neither a ViT ('visual.proj' is missing) nor a ModifiedResNet (no tensors under '"
                  + stage + "')");
        }
      }
      visionWidth = (int) sd.shape("visual.layer1.0.conv1.weight")[0];
      patch = 0;
      long positions = sd.shape("visual.attnpool.positional_embedding")[0];
      int out = (int) Math.round(Math.sqrt(positions - 1));
      resolution = out * 32;
    }
    int embed = (int) sd.shape("text_projection")[1];
    int context = (int) sd.shape("positional_embedding")[0];
    int vocab = (int) sd.shape("token_embedding.weight")[0];
    int textWidth = (int) sd.shape("ln_final.weight")[0];
    Set<String> textBlocks = new TreeSet<>();
    for (String k : sd.keys()) {
      if (k.startsWith("transformer.resblocks.")) {
        textBlocks.add(k.split("\\.")[2]);
      }
    }
    int vHeads =
        visionHeads != null ? visionHeads : openAiHeads(sd, "image", vit ? visionWidth : visionWidth * 32);
    int tHeads = textHeads != null ? textHeads : openAiHeads(sd, "text", textWidth);
    try {
      return new ClipConfig(
          embed, resolution, visionLayers, visionWidth, patch, vHeads, context, vocab, textWidth, tHeads,
          textBlocks.size(), activation == null ? Activation.QUICK_GELU : activation);
    } catch (IllegalArgumentException e) {
      throw new InvalidModelException(sd.source() + ": inconsistent CLIP shapes: " + e.getMessage(), e);
    }
  }

  private static int openAiHeads(StateDict sd, String tower, int width) {
    if (width < 64 || width % 64 != 0) {
      throw new InvalidModelException(
          sd.source() + ": cannot infer the attention heads of the " + tower + " tower: its width " + width
              + " is not a multiple of 64, OpenAI's head width; give the head count (--" + tower + "-heads)");
    }
    return width / 64;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ClipConfig c
        && embedDim == c.embedDim
        && imageResolution == c.imageResolution
        && Arrays.equals(visionLayers, c.visionLayers)
        && visionWidth == c.visionWidth
        && visionPatchSize == c.visionPatchSize
        && visionHeads == c.visionHeads
        && contextLength == c.contextLength
        && vocabSize == c.vocabSize
        && textWidth == c.textWidth
        && textHeads == c.textHeads
        && textLayers == c.textLayers
        && activation == c.activation;
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(visionLayers) * 31 + Arrays.hashCode(
        new int[] {embedDim, imageResolution, visionWidth, visionPatchSize, visionHeads, contextLength, vocabSize,
          textWidth, textHeads, textLayers, activation.ordinal()});
  }

  @Override
  public String toString() {
    return (isVit() ? "ViT" : "ModifiedResNet")
        + "[embed=" + embedDim + ", resolution=" + imageResolution + ", layers=" + Arrays.toString(visionLayers)
        + ", width=" + visionWidth + (isVit() ? ", patch=" + visionPatchSize : "") + ", heads=" + visionHeads
        + "; text: context=" + contextLength + ", vocab=" + vocabSize + ", width=" + textWidth
        + ", heads=" + textHeads + ", layers=" + textLayers + "; " + activation.id() + "]";
  }
}
