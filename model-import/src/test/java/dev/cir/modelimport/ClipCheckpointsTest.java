package dev.cir.modelimport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cir.clip.io.InvalidModelException;
import dev.cir.clip.io.SafeTensors;
import dev.cir.clip.io.StateDict;
import dev.cir.clip.io.Tensor;
import dev.cir.clip.testing.Fixtures;
import dev.cir.modelimport.ClipCheckpoints.Converted;
import dev.cir.modelimport.ClipCheckpoints.Layout;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

public class ClipCheckpointsTest {
  @TempDir Path tmp;

  private static StateDict smallVit() {
    return Fixtures.smallTensors("small-vit.safetensors");
  }

  @Test
  void huggingFaceCheckpointConvertsBackBitwise() throws IOException {
    StateDict openai = smallVit();
    Path dir = Files.createDirectories(tmp.resolve("hf"));
    Path weights = dir.resolve("model.safetensors");
    SafeTensors.write(weights, toHuggingFace(openai), Map.of("format", "pt"));
    // small-vit: vision width 64 (OpenAI gives it 64 / 64 = 1 head), text width 32 with 4 heads
    Files.writeString(
        dir.resolve("config.json"),
        "{\"architectures\": [\"CLIPModel\"], \"projection_dim\": 32, \"text_config\":"
            + " {\"hidden_size\": 32, \"num_attention_heads\": 4}, \"vision_config\":"
            + " {\"hidden_size\": 64, \"num_attention_heads\": 1, \"hidden_act\":"
            + " \"quick_gelu\"}}");

    Converted c = ClipCheckpoints.read(weights);

    assertEquals(Layout.HUGGING_FACE, c.layout());
    assertEquals(new CheckpointHints(1, 4, "quick_gelu"), c.hints());
    assertEquals(ClipCheckpoints.FORMAT, c.stateDict().metadata().get("format"));
    assertSameTensors(openai, c.stateDict());
  }

  @Test
  void huggingFaceWithoutConfigHasNoHints() throws IOException {
    Path weights = tmp.resolve("model.safetensors");
    SafeTensors.write(weights, toHuggingFace(smallVit()), Map.of());
    Converted c = ClipCheckpoints.read(weights);
    assertEquals(Layout.HUGGING_FACE, c.layout());
    assertSame(CheckpointHints.NONE, c.hints());
  }

  @Test
  void huggingFaceConfigDefaultsAndActivation() throws IOException {
    Path config = tmp.resolve("config.json");
    // save_pretrained writes only what differs from transformers' defaults (12 vision, 8 text
    // heads)
    Files.writeString(
        config,
        "{\"text_config\": {\"hidden_act\": \"gelu\"}, \"vision_config\": {\"hidden_act\":"
            + " \"gelu\"}}");
    assertEquals(new CheckpointHints(12, 8, "gelu"), CheckpointConfigFiles.huggingFace(config));
    Files.writeString(
        config, "{\"text_config_dict\": {\"num_attention_heads\": 16}, \"vision_config\": null}");
    assertEquals(
        new CheckpointHints(12, 16, "quick_gelu"), CheckpointConfigFiles.huggingFace(config));

    Files.writeString(config, "{\"text_config\": {\"hidden_act\": \"gelu\"}}");
    assertMentions(
        assertThrows(
            InvalidModelException.class, () -> CheckpointConfigFiles.huggingFace(config)),
        config,
        "different activations");
    Files.writeString(
        config,
        "{\"vision_config\": {\"hidden_act\": \"relu\"}, \"text_config\": {\"hidden_act\":"
            + " \"relu\"}}");
    assertMentions(
        assertThrows(
            InvalidModelException.class, () -> CheckpointConfigFiles.huggingFace(config)),
        config,
        "relu");
    Files.writeString(config, "{\"text_config\": {\"num_attention_heads\": \"eight\"}}");
    assertMentions(
        assertThrows(
            InvalidModelException.class, () -> CheckpointConfigFiles.huggingFace(config)),
        config,
        "field 'text_config.num_attention_heads' must be a 32-bit integer, found a string (\"eight\")");
    Files.writeString(config, "[1, 2]");
    assertMentions(
        assertThrows(
            InvalidModelException.class, () -> CheckpointConfigFiles.huggingFace(config)),
        config,
        "JSON object");
  }

  @Test
  void openClipConfigGivesActivationAndHeads() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("open_clip"));
    Path weights = dir.resolve("open_clip_model.safetensors");
    SafeTensors.write(weights, smallVit().tensors(), Map.of());
    // LAION-trained models use nn.GELU: open_clip's default unless the config says quick_gelu
    Files.writeString(
        dir.resolve("open_clip_config.json"),
        "{\"model_cfg\": {\"embed_dim\": 32, \"vision_cfg\": {\"width\": 64, \"layers\": 2,"
            + " \"patch_size\": 8}, \"text_cfg\": {\"width\": 32, \"heads\": 4}},"
            + " \"preprocess_cfg\": {\"mean\": [0.5, 0.5, 0.5]}}");
    Converted c = ClipCheckpoints.read(weights);
    assertEquals(Layout.OPENAI, c.layout());
    assertEquals(new CheckpointHints(1, 4, "gelu"), c.hints());
    assertSameTensors(smallVit(), c.stateDict());

    Path config = dir.resolve("open_clip_config.json");
    Files.writeString(
        config,
        "{\"model_cfg\": {\"quick_gelu\": true, \"vision_cfg\": {\"width\": 64,"
            + " \"layers\": [3, 4, 6, 3], \"head_width\": 32}, \"text_cfg\": {}}}");
    // a ModifiedResNet's attention pool: width * 32 / head_width heads; 8 text heads by default
    assertEquals(
        new CheckpointHints(64, 8, "quick_gelu"), CheckpointConfigFiles.openClip(config));
  }

  @Test
  void configThatDoesNotFitTheWeightsIsRefused() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("mismatch"));
    Path weights = dir.resolve("model.safetensors");
    SafeTensors.write(weights, toHuggingFace(smallVit()), Map.of());
    // the defaults, 12 vision heads, cannot split a width of 64
    Files.writeString(dir.resolve("config.json"), "{}");
    InvalidModelException e =
        assertThrows(InvalidModelException.class, () -> ClipCheckpoints.read(weights));
    assertMentions(e, weights, "12 vision attention heads");
  }

  @Test
  void openAiNamesPassThroughAndTrainingWrappersAreUnwrapped() {
    StateDict openai = smallVit();
    Map<String, Tensor> wrapped = new LinkedHashMap<>();
    // open_clip saves {"state_dict": ...}, with "module." under DataParallel, beside the optimizer
    openai.tensors().forEach((k, v) -> wrapped.put("state_dict.module." + k, v));
    wrapped.put("optimizer.state.0.exp_avg", openai.get("logit_scale"));
    Converted c =
        ClipCheckpoints.toOpenAi(new StateDict(wrapped, "open_clip.pt"), CheckpointHints.NONE);
    assertEquals(Layout.OPENAI, c.layout());
    assertSameTensors(openai, c.stateDict());
    assertEquals("open_clip.pt", c.stateDict().source());

    // CLIP4Cir saves {"epoch": n, "CLIP": model.state_dict()}
    Map<String, Tensor> clip4cir = new LinkedHashMap<>();
    openai.tensors().forEach((k, v) -> clip4cir.put("CLIP." + k, v));
    assertSameTensors(
        openai,
        ClipCheckpoints.toOpenAi(
                new StateDict(clip4cir, "tuned_clip_best.pt"), CheckpointHints.NONE)
            .stateDict());
  }

  @Test
  void torchScriptExtrasAreDropped() {
    StateDict openai = smallVit();
    Map<String, Tensor> jit = new LinkedHashMap<>(openai.tensors());
    Tensor scalar = Tensor.ofLongs(new long[] {}, new long[] {224});
    // OpenAI's archives carry these; clip/model.py build_model deletes them
    jit.put("input_resolution", scalar);
    jit.put("context_length", scalar);
    jit.put("vocab_size", scalar);
    jit.put("transformer.resblocks.0.attn_mask", Tensor.ofFloats(new long[] {1}, new float[] {0}));
    assertSameTensors(
        openai,
        ClipCheckpoints.toOpenAi(new StateDict(jit, "RN50.pt"), CheckpointHints.NONE).stateDict());
  }

  @Test
  void torchScriptArchiveAndResNetReadAsTheyAre() {
    Converted vit = ClipCheckpoints.read(Fixtures.small("small-vit.jit.pt"));
    assertEquals(Layout.OPENAI, vit.layout());
    assertEquals("openai torchscript", vit.stateDict().metadata().get("converted_from"));
    assertSameTensors(smallVit(), vit.stateDict());

    // every ModifiedResNet name (BatchNorm buffers, downsample, attnpool) is an OpenAI name
    StateDict rn = Fixtures.smallTensors("small-rn.safetensors");
    assertSameTensors(rn, ClipCheckpoints.read(Fixtures.small("small-rn.safetensors")).stateDict());
  }

  @Test
  void unknownLayoutIsRefusedNamingFileAndKeys() {
    // a torch.save checkpoint whose state dict is not CLIP's
    Path file = TorchArchiveTest.resource("torch-save-proto2.pt");
    InvalidModelException e =
        assertThrows(InvalidModelException.class, () -> ClipCheckpoints.read(file));
    assertMentions(e, file, "'visual.proj_t', 'half', 'bf16'");

    Map<String, Tensor> timm = new LinkedHashMap<>(smallVit().tensors());
    timm.put("visual.trunk.blocks.0.norm1.weight", smallVit().get("ln_final.weight"));
    e =
        assertThrows(
            InvalidModelException.class,
            () ->
                ClipCheckpoints.toOpenAi(
                    new StateDict(timm, "timm-tower.bin"), CheckpointHints.NONE));
    assertTrue(e.getMessage().startsWith("timm-tower.bin: "), e.getMessage());
    assertTrue(e.getMessage().contains("'visual.trunk.blocks.0.norm1.weight'"), e.getMessage());

    Map<String, Tensor> hf = new LinkedHashMap<>(toHuggingFace(smallVit()));
    hf.put(
        "vision_model.encoder.layers.0.self_attn.rotary.weight", smallVit().get("ln_final.weight"));
    e =
        assertThrows(
            InvalidModelException.class,
            () ->
                ClipCheckpoints.toOpenAi(
                    new StateDict(hf, "hf.safetensors"), CheckpointHints.NONE));
    assertTrue(
        e.getMessage().contains("'vision_model.encoder.layers.0.self_attn.rotary.weight'"),
        e.getMessage());

    e =
        assertThrows(
            InvalidModelException.class,
            () ->
                ClipCheckpoints.toOpenAi(
                    new StateDict(Map.of(), "empty.safetensors"), CheckpointHints.NONE));
    assertTrue(e.getMessage().startsWith("empty.safetensors: "), e.getMessage());
  }

  @Test
  void openClipTextTowerIsRefused() {
    Map<String, Tensor> custom = new LinkedHashMap<>();
    smallVit()
        .tensors()
        .forEach(
            (k, v) ->
                custom.put(
                    k.startsWith("visual.") || k.equals("logit_scale") ? k : "text." + k, v));
    InvalidModelException e =
        assertThrows(
            InvalidModelException.class,
            () ->
                ClipCheckpoints.toOpenAi(
                    new StateDict(custom, "coca.safetensors"), CheckpointHints.NONE));
    assertTrue(e.getMessage().startsWith("coca.safetensors: "), e.getMessage());
    assertTrue(e.getMessage().contains("'text.positional_embedding'"), e.getMessage());
    assertTrue(e.getMessage().contains("text tower"), e.getMessage());
  }

  @Test
  void huggingFaceAttentionWithoutAllThreeProjectionsIsRefused() {
    Map<String, Tensor> hf = new LinkedHashMap<>(toHuggingFace(smallVit()));
    hf.remove("text_model.encoder.layers.1.self_attn.k_proj.bias");
    InvalidModelException e =
        assertThrows(
            InvalidModelException.class,
            () ->
                ClipCheckpoints.toOpenAi(
                    new StateDict(hf, "hf.safetensors"), CheckpointHints.NONE));
    assertTrue(
        e.getMessage().contains("transformer.resblocks.1.attn.in_proj_bias"), e.getMessage());
    assertTrue(e.getMessage().contains("k_proj"), e.getMessage());
  }

  @Test
  void filesThatAreNotCheckpointsAreRefused() throws IOException {
    Path notes = tmp.resolve("notes.txt");
    Files.writeString(notes, "hello");
    assertMentions(
        assertThrows(InvalidModelException.class, () -> ClipCheckpoints.read(notes)),
        notes,
        "not a");
    Path missing = tmp.resolve("missing.safetensors");
    assertMentions(
        assertThrows(InvalidModelException.class, () -> ClipCheckpoints.read(missing)),
        missing,
        "not found");
  }

  /**
   * OpenAI names to Hugging Face {@code CLIPModel} names, written from {@code
   * convert_clip_original_pytorch_to_hf.py}: in_proj split in three, projections transposed, plus
   * the {@code position_ids} buffers older transformers saved.
   */
  public static Map<String, Tensor> toHuggingFace(StateDict openai) {
    Map<String, Tensor> hf = new LinkedHashMap<>();
    for (Map.Entry<String, Tensor> e : openai.tensors().entrySet()) {
      String k = e.getKey();
      Tensor t = e.getValue();
      String tower = k.startsWith("visual.") ? "vision_model." : "text_model.";
      String block = k.replaceFirst("^(visual\\.)?transformer\\.resblocks\\.(\\d+)\\..*$", "$2");
      if (!block.equals(k)) {
        String layer = tower + "encoder.layers." + block + ".";
        String rest =
            k.substring(k.indexOf(".", k.indexOf("resblocks.") + "resblocks.".length()) + 1);
        if (rest.startsWith("attn.in_proj_")) {
          String kind = rest.endsWith("weight") ? "weight" : "bias";
          List<Tensor> thirds = split3(t);
          hf.put(layer + "self_attn.q_proj." + kind, thirds.get(0));
          hf.put(layer + "self_attn.k_proj." + kind, thirds.get(1));
          hf.put(layer + "self_attn.v_proj." + kind, thirds.get(2));
        } else {
          String renamed =
              rest.replace("attn.out_proj", "self_attn.out_proj")
                  .replace("ln_1", "layer_norm1")
                  .replace("ln_2", "layer_norm2")
                  .replace("mlp.c_fc", "mlp.fc1")
                  .replace("mlp.c_proj", "mlp.fc2");
          hf.put(layer + renamed, t);
        }
        continue;
      }
      switch (k) {
        case "visual.class_embedding" -> hf.put("vision_model.embeddings.class_embedding", t);
        case "visual.conv1.weight" -> hf.put("vision_model.embeddings.patch_embedding.weight", t);
        case "visual.positional_embedding" -> {
          hf.put("vision_model.embeddings.position_embedding.weight", t);
          hf.put("vision_model.embeddings.position_ids", positionIds(t.dim(0)));
        }
        case "visual.ln_pre.weight", "visual.ln_pre.bias" ->
            hf.put("vision_model.pre_layrnorm." + k.substring(k.lastIndexOf('.') + 1), t);
        case "visual.ln_post.weight", "visual.ln_post.bias" ->
            hf.put("vision_model.post_layernorm." + k.substring(k.lastIndexOf('.') + 1), t);
        case "visual.proj" -> hf.put("visual_projection.weight", transposed(t));
        case "token_embedding.weight" -> hf.put("text_model.embeddings.token_embedding.weight", t);
        case "positional_embedding" -> {
          hf.put("text_model.embeddings.position_embedding.weight", t);
          hf.put("text_model.embeddings.position_ids", positionIds(t.dim(0)));
        }
        case "ln_final.weight", "ln_final.bias" ->
            hf.put("text_model.final_layer_norm." + k.substring(k.lastIndexOf('.') + 1), t);
        case "text_projection" -> hf.put("text_projection.weight", transposed(t));
        case "logit_scale" -> hf.put("logit_scale", t);
        default -> throw new AssertionError("no Hugging Face name for " + k);
      }
    }
    return hf;
  }

  private static List<Tensor> split3(Tensor t) {
    long[] shape = t.shape();
    shape[0] /= 3;
    float[] all = t.toFloatArray();
    int n = all.length / 3;
    return List.of(
        Tensor.ofFloats(shape, java.util.Arrays.copyOfRange(all, 0, n)),
        Tensor.ofFloats(shape, java.util.Arrays.copyOfRange(all, n, 2 * n)),
        Tensor.ofFloats(shape, java.util.Arrays.copyOfRange(all, 2 * n, 3 * n)));
  }

  private static Tensor transposed(Tensor t) {
    int rows = (int) t.dim(0);
    int cols = (int) t.dim(1);
    float[] in = t.toFloatArray();
    float[] out = new float[in.length];
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        out[j * rows + i] = in[i * cols + j];
      }
    }
    return Tensor.ofFloats(new long[] {cols, rows}, out);
  }

  private static Tensor positionIds(long n) {
    long[] ids = new long[(int) n];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = i;
    }
    return Tensor.ofLongs(new long[] {1, n}, ids);
  }

  private static void assertSameTensors(StateDict expected, StateDict actual) {
    assertEquals(Set.copyOf(expected.keys()), Set.copyOf(actual.keys()));
    for (String k : expected.keys()) {
      Tensor e = expected.get(k);
      Tensor a = actual.get(k);
      assertEquals(e.dtype(), a.dtype(), k);
      assertArrayEquals(e.shape(), a.shape(), k);
      ByteBuffer eb = e.bytes();
      ByteBuffer ab = a.bytes();
      assertEquals(eb, ab, k);
    }
  }

  private static void assertMentions(InvalidModelException e, Path file, String what) {
    assertTrue(e.getMessage().contains(StateDict.describe(file)), e.getMessage());
    assertTrue(e.getMessage().contains(what), e.getMessage());
  }
}
