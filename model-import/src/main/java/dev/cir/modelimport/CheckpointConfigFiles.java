package dev.cir.modelimport;

import com.google.gson.JsonElement;
import dev.cir.clip.io.InvalidModelException;
import dev.cir.clip.io.JsonBinding;
import dev.cir.clip.io.JsonBinding.Optional;
import dev.cir.clip.io.StateDict;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The configuration files published beside CLIP weights, read into the {@link CheckpointHints} that
 * the tensors do not carry (head counts, the activation): Hugging Face's {@code config.json} and
 * open_clip's {@code open_clip_config.json}, each with its library's defaults for what it leaves out.
 * {@link ClipCheckpoints} maps the tensors' names; this class only reads the files.
 */
final class CheckpointConfigFiles {
  private CheckpointConfigFiles() {}

  /**
   * The hints of a Hugging Face {@code config.json}, with {@code transformers}' defaults (those of
   * {@code openai/clip-vit-base-patch32}) for what it leaves out, as {@code save_pretrained} writes
   * only what differs from them.
   */
  static CheckpointHints huggingFace(Path configJson) {
    String source = StateDict.describe(configJson);
    HuggingFaceConfig c = read(configJson, HuggingFaceConfig.class);
    // transformers before 4.x wrote text_config_dict / vision_config_dict
    HuggingFaceTower vision = firstOr(c.visionConfig(), c.visionConfigDict());
    HuggingFaceTower text = firstOr(c.textConfig(), c.textConfigDict());
    String visionAct = orDefault(vision.hiddenAct(), CheckpointHints.QUICK_GELU);
    String textAct = orDefault(text.hiddenAct(), CheckpointHints.QUICK_GELU);
    if (!visionAct.equals(textAct)) {
      throw new InvalidModelException(
          source + ": the towers use different activations (" + visionAct + ", " + textAct
              + "); OpenAI's CLIP architecture uses one for both");
    }
    try {
      return new CheckpointHints(
          orDefault(vision.numAttentionHeads(), 12), orDefault(text.numAttentionHeads(), 8), visionAct);
    } catch (IllegalArgumentException e) {
      throw new InvalidModelException(source + ": " + e.getMessage(), e);
    }
  }

  /**
   * The hints of the {@code open_clip_config.json} that open_clip publishes beside its weights
   * ({@code {"model_cfg": ..., "preprocess_cfg": ...}}), with open_clip's defaults: {@code
   * head_width} 64, 8 text heads, and {@code nn.GELU} unless {@code quick_gelu} is true.
   */
  static CheckpointHints openClip(Path configJson) {
    String source = StateDict.describe(configJson);
    OpenClipModel model = orDefault(read(configJson, OpenClipConfig.class).modelCfg(), new OpenClipModel(null, null, null));
    OpenClipVision vision = orDefault(model.visionCfg(), new OpenClipVision(null, null, null));
    OpenClipText text = orDefault(model.textCfg(), new OpenClipText(null));
    Integer visionHeads = null;
    if (vision.width() != null) {
      int headWidth = orDefault(vision.headWidth(), 64);
      // open_clip model.py: a ModifiedResNet's attention pool has width * 32 / head_width heads
      boolean resnet = vision.layers() != null && vision.layers().isJsonArray();
      visionHeads = (resnet ? vision.width() * 32 : vision.width()) / Math.max(1, headWidth);
    }
    try {
      return new CheckpointHints(
          visionHeads, orDefault(text.heads(), 8),
          Boolean.TRUE.equals(model.quickGelu()) ? CheckpointHints.QUICK_GELU : CheckpointHints.GELU);
    } catch (IllegalArgumentException e) {
      throw new InvalidModelException(source + ": " + e.getMessage(), e);
    }
  }

  /** Hugging Face's {@code config.json}: the parts that say what the tensors do not. */
  private record HuggingFaceConfig(
      @Optional HuggingFaceTower visionConfig,
      @Optional HuggingFaceTower visionConfigDict,
      @Optional HuggingFaceTower textConfig,
      @Optional HuggingFaceTower textConfigDict) {}

  private record HuggingFaceTower(@Optional Integer numAttentionHeads, @Optional String hiddenAct) {}

  /** open_clip's {@code open_clip_config.json}. */
  private record OpenClipConfig(@Optional OpenClipModel modelCfg) {}

  private record OpenClipModel(@Optional Boolean quickGelu, @Optional OpenClipVision visionCfg, @Optional OpenClipText textCfg) {}

  /** {@code layers}: a number for a ViT, a list of four for a ModifiedResNet. */
  private record OpenClipVision(@Optional Integer width, @Optional Integer headWidth, @Optional JsonElement layers) {}

  private record OpenClipText(@Optional Integer heads) {}

  private static HuggingFaceTower firstOr(HuggingFaceTower a, HuggingFaceTower b) {
    return a != null ? a : b != null ? b : new HuggingFaceTower(null, null);
  }

  private static <T> T orDefault(T value, T otherwise) {
    return value != null ? value : otherwise;
  }

  private static <R extends Record> R read(Path file, Class<R> type) {
    String source = StateDict.describe(file);
    try {
      return JsonBinding.read(Files.readString(file, StandardCharsets.UTF_8), type, source, InvalidModelException::new);
    } catch (NoSuchFileException e) {
      throw new InvalidModelException(source + ": file not found", e);
    } catch (IOException e) {
      throw new InvalidModelException(source + ": cannot read: " + e.getMessage(), e);
    }
  }
}
