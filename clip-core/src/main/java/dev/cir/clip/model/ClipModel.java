package dev.cir.clip.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.cir.clip.io.StateDict;
import dev.cir.clip.io.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * OpenAI's {@code CLIP}: an image tower ({@link VisionTransformer} or {@link ModifiedResNet} under
 * {@code visual.}), a {@link TextTransformer} at the root, and {@code logit_scale}. As a DJL block
 * its single input is pixels [b, 3, R, R] (float32) or token ids [b, n] (int64), and its output is
 * the corresponding raw features.
 */
public final class ClipModel extends ClipBlock {
  private final ClipConfig config;
  private final ClipBlock visual;
  private final TextTransformer text;
  private final Parameter logitScale;

  public ClipModel(Weights w, ClipConfig config) {
    super("");
    this.config = config;
    this.visual =
        child("visual", config.isVit() ? new VisionTransformer(w, "visual.", config) : new ModifiedResNet(w, "visual.", config));
    this.text = child("text", new TextTransformer(w, config));
    this.logitScale = weight(w, "logit_scale", Init.constant((float) Math.log(1 / 0.07)));
  }

  /** Builds the model from a state dict in OpenAI's key names, refusing unknown or missing tensors. */
  public static ClipModel fromStateDict(StateDict dict, ClipConfig config, NDManager manager) {
    StateDictWeights w = new StateDictWeights(dict, manager);
    ClipModel m = new ClipModel(w, config);
    w.checkAllUsed();
    return m;
  }

  /** A model with OpenAI's random initialisation. */
  public static ClipModel random(ClipConfig config, NDManager manager) {
    return new ClipModel(new RandomWeights(manager), config);
  }

  public ClipConfig config() {
    return config;
  }

  /** The image tower. */
  public ClipBlock visual() {
    return visual;
  }

  public TextTransformer text() {
    return text;
  }

  public Parameter logitScale() {
    return logitScale;
  }

  /** Pixels [b, 3, R, R] → raw image features [b, embed_dim]. */
  /**
   * Makes inference run the transformers' layers through {@code kernels}: the text tower's with
   * prepacked weights (a copy of its weight matrices; passes of a few captions are most of a
   * query's cost), a ViT image tower's on its weights as they are in float32 (batches of images
   * are large products already) and both on prepacked bfloat16 copies in bf16. A ResNet image
   * tower runs as before. Inference only: the copies do not follow later changes of the weights.
   * Call before {@link #useBf16}, which then copies nothing for the fused layers.
   *
   * @param emulatedBf16 in bf16, whether its products run emulated on float32 kernels (a CPU
   *     without native bfloat16, {@link Bf16Kernels#emulated()})
   */
  public void useInferenceKernels(InferenceKernels kernels, Precision precision, boolean emulatedBf16) {
    InferenceKernels.Products bf16 = emulatedBf16 ? InferenceKernels.Products.BF16_EMULATED : InferenceKernels.Products.BF16_PACKED;
    boolean low = precision == Precision.BF16;
    text.transformer().useInferenceKernels(kernels, low ? bf16 : InferenceKernels.Products.FLOAT32_PACKED);
    if (visual instanceof VisionTransformer vit) {
      vit.transformer().useInferenceKernels(kernels, low ? bf16 : InferenceKernels.Products.FLOAT32);
    }
  }

  public NDArray encodeImage(ParameterStore ps, NDArray pixels, boolean training) {
    return visual.forward(ps, pixels, training);
  }

  /** Token ids [b, n] → raw text features [b, embed_dim]. */
  public NDArray encodeText(ParameterStore ps, NDArray tokens, boolean training) {
    return text.forward(ps, tokens, training);
  }

  /**
   * Token ids [b, n] whose {@code placeholder} position takes {@code embeddings} [b, width] instead
   * of the vocabulary's row → raw text features [b, embed_dim] ({@link TextTransformer#forward(ParameterStore,
   * NDArray, long, NDArray, boolean)}).
   */
  public NDArray encodeText(ParameterStore ps, NDArray tokens, long placeholder, NDArray embeddings, boolean training) {
    return text.forward(ps, tokens, placeholder, embeddings, training);
  }

  /**
   * Raw text features of token rows whose position {@code positions[i]} takes row i of {@code
   * embeddings} ({@link TextTransformer#forwardAt}).
   */
  public NDArray encodeTextAt(ParameterStore ps, NDArray tokens, long[] positions, NDArray embeddings, boolean training) {
    return text.forwardAt(ps, tokens, positions, embeddings, training);
  }

  @Override
  public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
    return x.getDataType().isInteger() ? encodeText(ps, x, training) : encodeImage(ps, x, training);
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    return new NDList(forward(ps, inputs.singletonOrThrow(), training));
  }

  /**
   * The parameters as a state dict with OpenAI's key names, loadable by {@code
   * CLIP.load_state_dict} (BatchNorm layers get a {@code num_batches_tracked} of 0).
   */
  public Map<String, Tensor> stateDict() {
    return export(namedParameters());
  }

  /** Copies parameter arrays out of the engine, by name. */
  public static Map<String, Tensor> export(Map<String, Parameter> params) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (Map.Entry<String, Parameter> e : params.entrySet()) {
      NDArray a = e.getValue().getArray();
      out.put(e.getKey(), Tensor.ofFloats(a.getShape().getShape(), a.toFloatArray()));
      if (e.getKey().endsWith(".running_var")) {
        String bn = e.getKey().substring(0, e.getKey().length() - "running_var".length());
        out.put(bn + "num_batches_tracked", Tensor.ofLongs(new long[0], new long[] {0}));
      }
    }
    return out;
  }

  /** Number of trainable parameters (buffers excluded), as {@code sum(p.numel() for p in model.parameters())}. */
  public long parameterCount() {
    long n = 0;
    for (Parameter p : namedParameters().values()) {
      if (p.requiresGradient()) {
        n += p.getArray().size();
      }
    }
    return n;
  }
}
