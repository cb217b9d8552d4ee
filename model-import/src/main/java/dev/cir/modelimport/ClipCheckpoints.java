package dev.cir.modelimport;

import dev.cir.clip.io.InvalidModelException;
import dev.cir.clip.io.SafeTensors;
import dev.cir.clip.io.StateDict;
import dev.cir.clip.io.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Brings a CLIP checkpoint to the key names of the state dict of OpenAI's {@code clip/model.py},
 * the names the rest of the project reads.
 *
 * <p>Strategy: first unwrap the containers that training scripts save around a state dict ({@code
 * state_dict} as open_clip writes it, {@code CLIP} as CLIP4Cir writes it, {@code model}, and the
 * {@code module.} prefix of {@code DataParallel}) until CLIP's own names are at the top. Then tell
 * the layout from the key prefixes: OpenAI and open_clip models of OpenAI's architectures already
 * use OpenAI's names; Hugging Face {@code CLIPModel} (ViT only) is renamed key by key, running
 * {@code transformers/models/clip/convert_clip_original_pytorch_to_hf.py} backwards: {@code q_proj,
 * k_proj, v_proj} are concatenated, in that order, into {@code in_proj_weight} / {@code
 * in_proj_bias}, and the bias-free projection {@code Linear} weights are transposed back into
 * OpenAI's {@code visual.proj} and {@code text_projection} matrices. Finally every key must be an
 * OpenAI name (ViT or ModifiedResNet); anything else is refused with the unexpected keys listed,
 * rather than silently ignored.
 *
 * <p>Head counts and the activation are not in the tensors; they come from the configuration
 * published beside the weights, when there is one ({@code config.json} for Hugging Face, {@code
 * open_clip_config.json} for open_clip), read by {@link CheckpointConfigFiles} into {@link
 * CheckpointHints}.
 */
public final class ClipCheckpoints {
  /** Where a checkpoint's names came from. */
  public enum Layout {
    /** OpenAI's {@code clip/model.py} names, as OpenAI and open_clip save them. */
    OPENAI,
    /** Hugging Face {@code transformers} {@code CLIPModel}. */
    HUGGING_FACE
  }

  /**
   * A checkpoint under OpenAI's key names.
   *
   * @param stateDict the tensors, dtypes as stored, named as OpenAI's {@code CLIP.state_dict()}
   * @param layout the layout the names were converted from
   * @param hints what the checkpoint says beyond its tensors
   */
  public record Converted(StateDict stateDict, Layout layout, CheckpointHints hints) {}

  public static final String FORMAT = "openai-clip-state-dict";

  private static final List<String> WRAPPERS =
      List.of("state_dict", "model_state_dict", "model", "CLIP", "clip", "module");
  private static final List<String> CLIP_ROOTS =
      List.of(
          "visual.",
          "transformer.",
          "token_embedding.",
          "ln_final.",
          "positional_embedding",
          "text_projection",
          "logit_scale",
          "vision_model.",
          "text_model.",
          "visual_projection.",
          "text.");
  // OpenAI's archives store these beside the weights; clip/model.py build_model deletes them
  private static final Set<String> OPENAI_EXTRAS =
      Set.of("input_resolution", "context_length", "vocab_size");
  private static final Pattern ATTN_MASK = Pattern.compile("(.+\\.)?attn_mask");

  private static final String BLOCK =
      "resblocks\\.\\d+\\.(attn\\.(in_proj_weight|in_proj_bias|out_proj\\.(weight|bias))"
          + "|ln_[12]\\.(weight|bias)|mlp\\.(c_fc|c_proj)\\.(weight|bias))";
  private static final String BN = "(weight|bias|running_mean|running_var|num_batches_tracked)";
  private static final Pattern OPENAI_NAME =
      Pattern.compile(
          String.join(
              "|",
              "positional_embedding|text_projection|logit_scale",
              "token_embedding\\.weight|ln_final\\.(weight|bias)",
              "transformer\\." + BLOCK,
              // VisionTransformer
              "visual\\.(class_embedding|positional_embedding|proj|conv1\\.weight)",
              "visual\\.ln_(pre|post)\\.(weight|bias)",
              "visual\\.transformer\\." + BLOCK,
              // ModifiedResNet: stem, Bottleneck layers, AttentionPool2d
              "visual\\.(conv[123]\\.weight|bn[123]\\." + BN + ")",
              "visual\\.layer[1-4]\\.\\d+\\.(conv[123]\\.weight|bn[123]\\."
                  + BN
                  + "|downsample\\.0\\.weight|downsample\\.1\\."
                  + BN
                  + ")",
              "visual\\.attnpool\\.(positional_embedding|[qkvc]_proj\\.(weight|bias))"));

  private static final Map<String, String> HF_NAMES =
      Map.ofEntries(
          Map.entry("vision_model.embeddings.class_embedding", "visual.class_embedding"),
          Map.entry("vision_model.embeddings.patch_embedding.weight", "visual.conv1.weight"),
          Map.entry(
              "vision_model.embeddings.position_embedding.weight", "visual.positional_embedding"),
          Map.entry(
              "vision_model.pre_layrnorm.weight", "visual.ln_pre.weight"), // sic, in transformers
          Map.entry("vision_model.pre_layrnorm.bias", "visual.ln_pre.bias"),
          Map.entry("vision_model.post_layernorm.weight", "visual.ln_post.weight"),
          Map.entry("vision_model.post_layernorm.bias", "visual.ln_post.bias"),
          Map.entry("text_model.embeddings.token_embedding.weight", "token_embedding.weight"),
          Map.entry("text_model.embeddings.position_embedding.weight", "positional_embedding"),
          Map.entry("text_model.final_layer_norm.weight", "ln_final.weight"),
          Map.entry("text_model.final_layer_norm.bias", "ln_final.bias"),
          Map.entry("logit_scale", "logit_scale"));
  private static final Map<String, String> HF_TRANSPOSED =
      Map.of(
          "visual_projection.weight", "visual.proj", "text_projection.weight", "text_projection");
  // non-persistent since transformers 4.31, saved by older versions; derived from the shapes
  private static final Set<String> HF_IGNORED =
      Set.of("vision_model.embeddings.position_ids", "text_model.embeddings.position_ids");
  private static final Pattern HF_LAYER =
      Pattern.compile("(vision|text)_model\\.encoder\\.layers\\.(\\d+)\\.(.+)");
  private static final Map<String, String> HF_LAYER_NAMES =
      Map.ofEntries(
          Map.entry("self_attn.out_proj.weight", "attn.out_proj.weight"),
          Map.entry("self_attn.out_proj.bias", "attn.out_proj.bias"),
          Map.entry("layer_norm1.weight", "ln_1.weight"),
          Map.entry("layer_norm1.bias", "ln_1.bias"),
          Map.entry("layer_norm2.weight", "ln_2.weight"),
          Map.entry("layer_norm2.bias", "ln_2.bias"),
          Map.entry("mlp.fc1.weight", "mlp.c_fc.weight"),
          Map.entry("mlp.fc1.bias", "mlp.c_fc.bias"),
          Map.entry("mlp.fc2.weight", "mlp.c_proj.weight"),
          Map.entry("mlp.fc2.bias", "mlp.c_proj.bias"));
  private static final Pattern HF_QKV = Pattern.compile("self_attn\\.([qkv])_proj\\.(weight|bias)");

  private ClipCheckpoints() {}

  /**
   * Reads a CLIP checkpoint, in safetensors or as a PyTorch archive ({@code torch.save} or
   * TorchScript), and converts it to OpenAI's names. The hints come from the {@code config.json}
   * (Hugging Face) or {@code open_clip_config.json} (open_clip) beside {@code weights}, when
   * present; OpenAI's own downloads have none.
   *
   * @throws InvalidModelException naming the file when it cannot be read or is not a CLIP
   *     checkpoint of a supported layout
   */
  public static Converted read(Path weights) {
    StateDict raw = readTensors(weights);
    Path dir = weights.toAbsolutePath().getParent();
    boolean huggingFace = layout(unwrap(raw)) == Layout.HUGGING_FACE;
    Path config = dir.resolve(huggingFace ? "config.json" : "open_clip_config.json");
    CheckpointHints hints = CheckpointHints.NONE;
    if (Files.isRegularFile(config)) {
      hints = huggingFace ? CheckpointConfigFiles.huggingFace(config) : CheckpointConfigFiles.openClip(config);
    }
    return toOpenAi(raw, hints);
  }

  /**
   * Converts {@code dict} to OpenAI's names.
   *
   * @param hints what is known beyond the tensors (from a Hugging Face {@code config.json}, say);
   *     checked against the shapes and returned with the result
   * @throws InvalidModelException naming the dict's source and a few offending keys when the layout
   *     is not supported
   */
  public static Converted toOpenAi(StateDict dict, CheckpointHints hints) {
    Objects.requireNonNull(hints, "hints");
    StateDict sd = unwrap(Objects.requireNonNull(dict, "dict"));
    Layout layout = layout(sd);
    Map<String, Tensor> out = layout == Layout.HUGGING_FACE ? fromHuggingFace(sd) : fromOpenAi(sd);
    Map<String, String> metadata = new LinkedHashMap<>(dict.metadata());
    String from = metadata.remove("format");
    metadata.put("format", FORMAT);
    metadata.put(
        "converted_from",
        layout.name().toLowerCase(Locale.ROOT) + (from == null ? "" : " " + from));
    StateDict converted = new StateDict(out, metadata, dict.source());
    checkHints(converted, hints);
    return new Converted(converted, layout, hints);
  }

  /** Reads safetensors or a PyTorch archive, told apart by their first bytes. */
  private static StateDict readTensors(Path file) {
    String source = StateDict.describe(file);
    ByteBuffer head = ByteBuffer.allocate(9);
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      while (head.hasRemaining() && ch.read(head, head.position()) > 0) {
        // fill what the file has
      }
    } catch (NoSuchFileException e) {
      throw new InvalidModelException(source + ": file not found", e);
    } catch (IOException e) {
      throw new InvalidModelException(source + ": cannot read: " + e.getMessage(), e);
    }
    byte[] b = head.array();
    int n = head.position();
    if (n == 9 && b[8] == '{') {
      return SafeTensors.read(file); // an 8-byte header length, then the JSON header
    }
    if (n >= 2 && (b[0] == 'P' && b[1] == 'K' || (b[0] & 0xff) == 0x80)) {
      return TorchArchive.read(file); // a zip, or a legacy pickle it explains
    }
    throw new InvalidModelException(
        source
            + ": neither a safetensors file nor a PyTorch archive (.pt, .pth, .bin);"
            + " not a CLIP checkpoint this can read");
  }

  private static StateDict unwrap(StateDict dict) {
    StateDict sd = dict;
    for (int round = 0; round < WRAPPERS.size() && !hasClipRoot(sd); round++) {
      String wrapper = null;
      for (String w : WRAPPERS) {
        if (sd.keys().stream().anyMatch(k -> k.startsWith(w + "."))) {
          wrapper = w + ".";
          break;
        }
      }
      if (wrapper == null) {
        break;
      }
      Map<String, Tensor> inner = new LinkedHashMap<>();
      for (Map.Entry<String, Tensor> e : sd.tensors().entrySet()) {
        if (e.getKey().startsWith(wrapper)) {
          inner.put(e.getKey().substring(wrapper.length()), e.getValue());
        }
      }
      sd = new StateDict(inner, sd.metadata(), sd.source());
    }
    return sd;
  }

  private static boolean hasClipRoot(StateDict sd) {
    for (String k : sd.keys()) {
      for (String root : CLIP_ROOTS) {
        if (k.startsWith(root)) {
          return true;
        }
      }
    }
    return false;
  }

  private static Layout layout(StateDict sd) {
    List<String> textTower =
        sd.keys().stream().filter(k -> k.startsWith("text.")).limit(3).toList();
    if (!textTower.isEmpty()) {
      throw new InvalidModelException(
          sd.source()
              + ": an open_clip model with a separate text tower (keys "
              + quoted(textTower)
              + ", as CustomTextCLIP and Hugging Face text towers save them); only models with"
              + " OpenAI's text transformer (transformer.*, token_embedding.weight) can be"
              + " imported");
    }
    boolean hf =
        sd.keys().stream()
            .anyMatch(k -> k.startsWith("vision_model.") || k.startsWith("text_model."));
    return hf ? Layout.HUGGING_FACE : Layout.OPENAI;
  }

  private static Map<String, Tensor> fromOpenAi(StateDict sd) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    List<String> unexpected = new ArrayList<>();
    for (Map.Entry<String, Tensor> e : sd.tensors().entrySet()) {
      String k = e.getKey();
      if (OPENAI_EXTRAS.contains(k) || ATTN_MASK.matcher(k).matches()) {
        continue; // not weights: sizes and the causal mask are rebuilt from the shapes
      }
      if (OPENAI_NAME.matcher(k).matches()) {
        out.put(k, e.getValue());
      } else {
        unexpected.add(k);
      }
    }
    refuseUnexpected(sd, unexpected, out.size());
    return out;
  }

  private static Map<String, Tensor> fromHuggingFace(StateDict sd) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    // in_proj name -> q, k, v pieces, filled as they come and concatenated at the end
    Map<String, Tensor[]> qkv = new LinkedHashMap<>();
    List<String> unexpected = new ArrayList<>();
    for (Map.Entry<String, Tensor> e : sd.tensors().entrySet()) {
      String k = e.getKey();
      Tensor t = e.getValue();
      if (HF_IGNORED.contains(k)) {
        continue;
      }
      if (HF_NAMES.containsKey(k)) {
        out.put(HF_NAMES.get(k), t);
        continue;
      }
      if (HF_TRANSPOSED.containsKey(k)) {
        out.put(HF_TRANSPOSED.get(k), transpose(sd, k, t));
        continue;
      }
      Matcher layer = HF_LAYER.matcher(k);
      if (layer.matches()) {
        String prefix =
            (layer.group(1).equals("vision") ? "visual.transformer" : "transformer")
                + ".resblocks."
                + layer.group(2)
                + ".";
        String rest = layer.group(3);
        Matcher proj = HF_QKV.matcher(rest);
        if (HF_LAYER_NAMES.containsKey(rest)) {
          out.put(prefix + HF_LAYER_NAMES.get(rest), t);
          continue;
        }
        if (proj.matches()) {
          String target = prefix + "attn.in_proj_" + proj.group(2);
          out.putIfAbsent(target, null); // keeps the key's place in the order
          qkv.computeIfAbsent(target, x -> new Tensor[3])["qkv".indexOf(proj.group(1))] = t;
          continue;
        }
      }
      unexpected.add(k);
    }
    refuseUnexpected(sd, unexpected, out.size());
    for (Map.Entry<String, Tensor[]> e : qkv.entrySet()) {
      out.put(e.getKey(), concatQkv(sd, e.getKey(), e.getValue()));
    }
    return out;
  }

  private static void refuseUnexpected(StateDict sd, List<String> unexpected, int known) {
    if (unexpected.isEmpty() && known > 0) {
      return;
    }
    if (unexpected.isEmpty()) {
      throw new InvalidModelException(sd.source() + ": holds no CLIP tensors");
    }
    throw new InvalidModelException(
        sd.source()
            + ": not a CLIP checkpoint of a supported layout: "
            + unexpected.size()
            + " of its tensors fit neither OpenAI's nor Hugging Face's CLIP names, e.g. "
            + quoted(unexpected.subList(0, Math.min(5, unexpected.size())))
            + ". Supported: OpenAI and open_clip state dicts of OpenAI's architectures (ViT and"
            + " ModifiedResNet), and Hugging Face CLIPModel (ViT)");
  }

  private static Tensor transpose(StateDict sd, String key, Tensor t) {
    if (t.rank() != 2) {
      throw new InvalidModelException(
          sd.source()
              + ": tensor '"
              + key
              + "' has shape "
              + Arrays.toString(t.shape())
              + ", not a matrix");
    }
    int rows = Math.toIntExact(t.dim(0));
    int cols = Math.toIntExact(t.dim(1));
    int e = t.dtype().bytes();
    ByteBuffer in = t.bytes();
    byte[] out = new byte[rows * cols * e];
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        in.position((i * cols + j) * e);
        in.get(out, (j * rows + i) * e, e);
      }
    }
    return new Tensor(t.dtype(), new long[] {cols, rows}, ByteBuffer.wrap(out));
  }

  private static Tensor concatQkv(StateDict sd, String target, Tensor[] parts) {
    for (int i = 0; i < 3; i++) {
      if (parts[i] == null) {
        throw new InvalidModelException(
            sd.source()
                + ": the attention of '"
                + target
                + "' lacks its "
                + "qkv".charAt(i)
                + "_proj");
      }
    }
    long[] shape = parts[0].shape();
    for (Tensor p : parts) {
      if (p.dtype() != parts[0].dtype() || !Arrays.equals(p.shape(), shape) || shape.length == 0) {
        throw new InvalidModelException(
            sd.source()
                + ": the q, k and v projections of '"
                + target
                + "' differ in shape or dtype");
      }
    }
    ByteBuffer out =
        ByteBuffer.allocate(Math.toIntExact(3 * parts[0].numel() * parts[0].dtype().bytes()));
    for (Tensor p : parts) {
      out.put(p.bytes());
    }
    long[] joined = shape.clone();
    joined[0] *= 3;
    return new Tensor(parts[0].dtype(), joined, out.flip());
  }

  /**
   * Head counts that do not divide the widths cannot be right: the hints belong to another model.
   */
  private static void checkHints(StateDict sd, CheckpointHints hints) {
    if (!sd.contains("visual.attnpool.c_proj.weight")) { // a ModifiedResNet's conv1 is its stem
      checkHeads(sd, hints.visionHeads(), "visual.conv1.weight", "vision");
    }
    checkHeads(sd, hints.textHeads(), "ln_final.weight", "text");
  }

  private static void checkHeads(StateDict sd, Integer heads, String widthKey, String tower) {
    Tensor t = sd.get(widthKey);
    if (heads == null || t == null || t.rank() == 0) {
      return;
    }
    long width = t.dim(0);
    if (width % heads != 0) {
      throw new InvalidModelException(
          sd.source()
              + ": "
              + heads
              + " "
              + tower
              + " attention heads do not divide its width "
              + width
              + " ('"
              + widthKey
              + "'); the config does not belong to these weights");
    }
  }

  private static String quoted(List<String> keys) {
    return keys.stream().map(k -> "'" + k + "'").reduce((a, b) -> a + ", " + b).orElse("");
  }
}
