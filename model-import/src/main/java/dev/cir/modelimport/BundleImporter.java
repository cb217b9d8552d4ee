package dev.cir.modelimport;

import ai.djl.ndarray.NDManager;
import dev.cir.clip.bundle.BundleManifest;
import dev.cir.clip.bundle.BundleWriter;
import dev.cir.clip.bundle.ModelBundle;
import dev.cir.clip.encoder.Engines;
import dev.cir.clip.image.ImageTransform;
import dev.cir.clip.io.InvalidModelException;
import dev.cir.clip.io.SafeTensors;
import dev.cir.clip.io.StateDict;
import dev.cir.clip.io.Tensor;
import dev.cir.clip.model.Activation;
import dev.cir.clip.model.ClipConfig;
import dev.cir.clip.model.ClipModel;
import dev.cir.clip.model.Combiner;
import dev.cir.clip.model.StateDictWeights;
import dev.cir.clip.text.ClipTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Builds a model bundle from published weights: OpenAI / open_clip state dicts in safetensors,
 * Hugging Face {@code CLIPModel} safetensors, or PyTorch archives (OpenAI's TorchScript {@code .pt},
 * {@code torch.save} checkpoints such as CLIP4Cir's). The format and the architecture are detected
 * from the file; every tensor is checked by building the model from it, so an incomplete or
 * mis-shaped checkpoint is refused before anything is written.
 */
public final class BundleImporter {
  /**
   * What to import.
   *
   * @param weights the CLIP checkpoint
   * @param tokenizer a Hugging Face tokenizer.json whose vocabulary matches the checkpoint
   * @param combiner a CLIP4Cir Combiner checkpoint (safetensors or torch.save), or null
   * @param preprocess clip, squarepad or targetpad
   * @param visionHeads image-tower heads when OpenAI's width/64 rule does not hold, or null
   * @param textHeads text-transformer heads when OpenAI's width/64 rule does not hold, or null
   * @param activation quick_gelu or gelu when the checkpoint does not say, or null (QuickGELU)
   */
  public record Request(
      Path weights,
      Path tokenizer,
      Path combiner,
      String preprocess,
      double targetRatio,
      Integer visionHeads,
      Integer textHeads,
      String activation,
      String name) {
    public Request {
      Objects.requireNonNull(weights, "weights");
      Objects.requireNonNull(tokenizer, "tokenizer");
      preprocess = preprocess == null ? "targetpad" : preprocess;
      if (!(targetRatio >= 1.0)) {
        throw new IllegalArgumentException("target ratio must be at least 1, got " + targetRatio);
      }
    }

    public static Request of(Path weights, Path tokenizer) {
      return new Request(weights, tokenizer, null, "targetpad", 1.25, null, null, null, null);
    }
  }

  private BundleImporter() {}

  /** Imports {@code r} into {@code out} and returns the written bundle. */
  public static ModelBundle importBundle(Request r, Path out) throws IOException {
    ImageTransform.forName(r.preprocess(), 224, r.targetRatio()); // refuses unknown names and ratios
    ClipCheckpoints.Converted converted = ClipCheckpoints.read(r.weights());
    StateDict dict = converted.stateDict();
    CheckpointHints hints = converted.hints();
    Integer visionHeads = r.visionHeads() != null ? r.visionHeads() : hints.visionHeads();
    Integer textHeads = r.textHeads() != null ? r.textHeads() : hints.textHeads();
    String act = r.activation() != null ? r.activation() : hints.activation();
    ClipConfig config = ClipConfig.infer(dict, visionHeads, textHeads, act == null ? Activation.QUICK_GELU : Activation.parse(act));
    try (ClipTokenizer tok = ClipTokenizer.load(r.tokenizer(), config.contextLength())) {
      tok.checkCompatible(config.vocabSize(), config.contextLength());
    }
    Map<String, Tensor> clip;
    Map<String, Tensor> combiner = null;
    int[] combinerSizes = null;
    try (NDManager m = Engines.pytorch().newBaseManager()) {
      clip = ClipModel.fromStateDict(dict, config, m).stateDict();
      if (r.combiner() != null) {
        StateDict c = readCombiner(r.combiner());
        combinerSizes = combinerSizes(c);
        if (combinerSizes[0] != config.embedDim()) {
          throw new InvalidModelException(
              c.source() + ": the Combiner takes " + combinerSizes[0] + "-dimensional features but the CLIP model in "
                  + r.weights() + " produces " + config.embedDim());
        }
        StateDictWeights w = new StateDictWeights(c, m);
        Combiner block = new Combiner(w, combinerSizes[0], combinerSizes[1], combinerSizes[2]);
        w.checkAllUsed();
        combiner = ClipModel.export(block.namedParameters());
      }
    }
    Map<String, String> provenance = new LinkedHashMap<>();
    provenance.put("created_by", "cir import");
    provenance.put("created", Instant.now().toString());
    provenance.put("source_weights", r.weights().getFileName().toString());
    provenance.put("source_format", describe(converted, r.weights()));
    provenance.put("source_weights_sha256", ModelBundle.checksum(r.weights()));
    provenance.put("source_tokenizer", r.tokenizer().getFileName().toString());
    if (r.combiner() != null) {
      provenance.put("source_combiner", r.combiner().getFileName().toString());
    }
    String name = r.name() != null ? r.name() : knownName(config);
    BundleManifest manifest =
        new BundleManifest(
            BundleManifest.FORMAT_VERSION, name, config, r.preprocess(), r.targetRatio(), BundleManifest.CLIP_FILE,
            BundleManifest.TOKENIZER_FILE, null, null, null, provenance);
    if (combiner != null) {
      manifest = manifest.withCombiner(combinerSizes);
    }
    return BundleWriter.write(out, manifest, clip, r.tokenizer(), combiner);
  }

  /** The OpenAI name of a configuration, when it is one of OpenAI's (with any vocabulary). */
  static String knownName(ClipConfig config) {
    for (Map.Entry<String, ClipConfig> e : ClipConfig.openAiArchitectures().entrySet()) {
      if (e.getValue().equals(config)) {
        return e.getKey();
      }
    }
    return null;
  }

  private static String describe(ClipCheckpoints.Converted c, Path file) throws IOException {
    String container = isSafeTensors(file) ? "safetensors" : "PyTorch archive";
    return (c.layout() == ClipCheckpoints.Layout.HUGGING_FACE ? "Hugging Face CLIPModel" : "OpenAI/open_clip state dict")
        + " (" + container + ")";
  }

  /**
   * Reads a CLIP4Cir Combiner: its keys ({@code text_projection_layer.weight}, ...) at the top, or
   * under {@code Combiner.} as CLIP4Cir's training script saves {@code {"epoch", "Combiner"}}.
   */
  static StateDict readCombiner(Path file) throws IOException {
    StateDict raw = isSafeTensors(file) ? SafeTensors.read(file) : TorchArchive.read(file);
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (Map.Entry<String, Tensor> e : raw.tensors().entrySet()) {
      String k = e.getKey();
      for (String prefix : new String[] {"Combiner.", "state_dict.", "module."}) {
        if (k.startsWith(prefix)) {
          k = k.substring(prefix.length());
        }
      }
      out.put(k, e.getValue());
    }
    return new StateDict(out, raw.metadata(), raw.source());
  }

  /** Feature, projection and hidden sizes from a Combiner's shapes. */
  static int[] combinerSizes(StateDict c) {
    long[] tp = c.shape("text_projection_layer.weight"); // [projection, feature]
    long[] cl = c.shape("combiner_layer.weight"); // [hidden, 2·projection]
    return new int[] {(int) tp[1], (int) tp[0], (int) cl[0]};
  }

  private static boolean isSafeTensors(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      byte[] head = in.readNBytes(9);
      return head.length == 9 && head[8] == '{';
    }
  }
}
