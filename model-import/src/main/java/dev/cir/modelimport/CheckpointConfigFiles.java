package dev.cir.modelimport;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.cir.clip.io.InvalidModelException;
import dev.cir.clip.io.StateDict;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

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
    JsonObject root = readJson(configJson);
    JsonObject vision = section(root, "vision_config", source);
    JsonObject text = section(root, "text_config", source);
    String visionAct = string(vision, "hidden_act", CheckpointHints.QUICK_GELU, source);
    String textAct = string(text, "hidden_act", CheckpointHints.QUICK_GELU, source);
    if (!visionAct.equals(textAct)) {
      throw new InvalidModelException(
          source
              + ": the towers use different activations ("
              + visionAct
              + ", "
              + textAct
              + "); OpenAI's CLIP architecture uses one for both");
    }
    try {
      return new CheckpointHints(
          integer(vision, "num_attention_heads", 12, source),
          integer(text, "num_attention_heads", 8, source),
          visionAct);
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
    JsonObject model = section(readJson(configJson), "model_cfg", source);
    JsonObject vision = section(model, "vision_cfg", source);
    JsonObject text = section(model, "text_cfg", source);
    JsonElement quick = model.get("quick_gelu");
    boolean quickGelu = quick != null && quick.isJsonPrimitive() && quick.getAsBoolean();
    Integer visionHeads = null;
    JsonElement width = vision.get("width");
    if (width != null && width.isJsonPrimitive() && width.getAsJsonPrimitive().isNumber()) {
      int headWidth = integer(vision, "head_width", 64, source);
      // open_clip model.py: a ModifiedResNet's attention pool has width * 32 / head_width heads
      boolean resnet = vision.get("layers") != null && vision.get("layers").isJsonArray();
      visionHeads = (resnet ? width.getAsInt() * 32 : width.getAsInt()) / Math.max(1, headWidth);
    }
    try {
      return new CheckpointHints(
          visionHeads,
          integer(text, "heads", 8, source),
          quickGelu ? CheckpointHints.QUICK_GELU : CheckpointHints.GELU);
    } catch (IllegalArgumentException e) {
      throw new InvalidModelException(source + ": " + e.getMessage(), e);
    }
  }

  private static JsonObject readJson(Path file) {
    String source = StateDict.describe(file);
    try {
      JsonElement parsed = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8));
      if (!parsed.isJsonObject()) {
        throw new InvalidModelException(source + ": not a JSON object");
      }
      return parsed.getAsJsonObject();
    } catch (NoSuchFileException e) {
      throw new InvalidModelException(source + ": file not found", e);
    } catch (IOException | JsonParseException e) {
      throw new InvalidModelException(source + ": not a readable JSON file: " + e.getMessage(), e);
    }
  }

  private static JsonObject section(JsonObject root, String name, String source) {
    // transformers before 4.x wrote text_config_dict / vision_config_dict
    for (String key : List.of(name, name + "_dict")) {
      JsonElement e = root.get(key);
      if (e != null && e.isJsonObject()) {
        return e.getAsJsonObject();
      }
      if (e != null && !e.isJsonNull()) {
        throw new InvalidModelException(source + ": '" + key + "' is not an object");
      }
    }
    return new JsonObject();
  }

  private static Integer integer(JsonObject o, String key, int otherwise, String source) {
    JsonElement e = o.get(key);
    if (e == null || e.isJsonNull()) {
      return otherwise;
    }
    if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
      throw new InvalidModelException(source + ": '" + key + "' is not a number");
    }
    return e.getAsInt();
  }

  private static String string(JsonObject o, String key, String otherwise, String source) {
    JsonElement e = o.get(key);
    if (e == null || e.isJsonNull()) {
      return otherwise;
    }
    if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
      throw new InvalidModelException(source + ": '" + key + "' is not a string");
    }
    return e.getAsString();
  }
}
