package dev.cir.clip.model;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;

/**
 * CLIP's ViT image encoder ({@code clip/model.py VisionTransformer}): patches by a strided
 * convolution, a class token, learned positions, a pre-norm transformer, and the class token's
 * output projected to the embedding.
 */
public final class VisionTransformer extends ClipBlock {
  private final Conv2d conv1;
  private final Parameter classEmbedding;
  private final Parameter positionalEmbedding;
  private final LayerNorm lnPre;
  private final Transformer transformer;
  private final LayerNorm lnPost;
  private final Parameter proj;
  private final long width;

  public VisionTransformer(Weights w, String prefix, ClipConfig c) {
    super(prefix);
    this.width = c.visionWidth();
    int patch = c.visionPatchSize();
    long grid = c.imageResolution() / patch;
    double scale = Math.pow(width, -0.5);
    this.conv1 = child("conv1", new Conv2d(w, sub("conv1"), 3, width, patch, patch, 0));
    this.classEmbedding = weight(w, "class_embedding", Init.normal(scale), width);
    this.positionalEmbedding = weight(w, "positional_embedding", Init.normal(scale), grid * grid + 1, width);
    this.lnPre = child("ln_pre", new LayerNorm(w, sub("ln_pre"), width));
    this.transformer =
        child(
            "transformer",
            new Transformer(w, sub("transformer"), width, c.visionLayerCount(), c.visionHeads(), c.activation()));
    this.lnPost = child("ln_post", new LayerNorm(w, sub("ln_post"), width));
    this.proj = weight(w, "proj", Init.normal(scale), width, c.embedDim());
  }

  /**
   * @param x normalised pixels [batch, 3, R, R]
   * @return raw image features [batch, embed_dim]
   */
  /** The pre-norm transformer over the class token and the patches. */
  public Transformer transformer() {
    return transformer;
  }

  @Override
  public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
    x = conv1.forward(ps, x, training); // [b, width, grid, grid]
    long b = x.getShape().get(0);
    x = x.reshape(b, width, -1).transpose(0, 2, 1); // [b, grid², width]
    NDArray cls = x.get(":, :1, :").zerosLike().add(value(ps, classEmbedding, x, training));
    x = cls.concat(x, 1).add(value(ps, positionalEmbedding, x, training));
    x = lnPre.forward(ps, x, training);
    // inference on kernels: the last layer's products after attention on the class tokens alone
    NDArray cls0 = training ? null : transformer.forwardAt(x, new long[(int) b], null);
    x = lnPost.forward(ps, cls0 != null ? cls0 : transformer.forward(ps, x, training).get(":, 0, :"), training);
    Bf16Kernels k = bf16();
    return k != null ? k.matMul(x, bf16Copy(proj)) : x.matMul(value(ps, proj, x, training));
  }

  @Override
  protected java.util.List<Parameter> bf16Parameters() {
    return java.util.List.of(proj);
  }
}
