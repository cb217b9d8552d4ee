package dev.cir.clip.model;

import static ai.djl.nn.Activation.relu;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;

/**
 * φ, the textual-inversion network of zero-shot composed retrieval (Pic2Word's {@code IM2TEXT},
 * Saito et al. 2023): an MLP from an image's raw features to one token embedding of the text
 * tower, the pseudo-word that stands for the image in a prompt such as "a photo of $ that is red":
 *
 * <pre>
 *   h₁ = relu(dropout(W₁·img))      h_k = relu(dropout(W_k·h_{k−1}))      φ(img) = W_out·h_n
 * </pre>
 *
 * Dropout is active only while training. Parameter names are Pic2Word's ({@code layers.K.0},
 * {@code fc_out}), so its checkpoints' shapes and keys map one to one.
 */
public final class Inversion extends ClipBlock {
  /** Pic2Word's dropout. */
  public static final float DROPOUT = 0.1f;

  private final Linear[] layers;
  private final Linear out;
  private final int featureDim;
  private final int hiddenDim;
  private final int tokenDim;
  private final float dropout;

  /**
   * @param featureDim the image features' size (the bundle's embedding)
   * @param hiddenDim the hidden layers' size
   * @param tokenDim the text tower's token-embedding width
   * @param hiddenLayers hidden layers (Pic2Word: 2)
   */
  public Inversion(Weights w, int featureDim, int hiddenDim, int tokenDim, int hiddenLayers, float dropout) {
    super("");
    if (hiddenLayers < 1) {
      throw new IllegalArgumentException("the inversion network needs at least one hidden layer, got " + hiddenLayers);
    }
    if (dropout < 0 || dropout >= 1) {
      throw new IllegalArgumentException("dropout must be in [0, 1), got " + dropout);
    }
    this.featureDim = featureDim;
    this.hiddenDim = hiddenDim;
    this.tokenDim = tokenDim;
    this.dropout = dropout;
    this.layers = new Linear[hiddenLayers];
    long in = featureDim;
    for (int k = 0; k < hiddenLayers; k++) {
      layers[k] = child("layers." + k + ".0", new Linear(w, "layers." + k + ".0.", in, hiddenDim));
      in = hiddenDim;
    }
    this.out = child("fc_out", new Linear(w, "fc_out.", hiddenDim, tokenDim));
  }

  /**
   * Pic2Word's shape for a bundle: two hidden layers of 512 (for a model narrower than that, of the
   * larger of its feature and token widths), dropout 0.1.
   */
  public static Inversion pic2word(Weights w, int featureDim, int tokenDim) {
    return new Inversion(w, featureDim, Math.min(512, Math.max(featureDim, tokenDim)), tokenDim, 2, DROPOUT);
  }

  public int featureDim() {
    return featureDim;
  }

  public int hiddenDim() {
    return hiddenDim;
  }

  public int tokenDim() {
    return tokenDim;
  }

  public int hiddenLayers() {
    return layers.length;
  }

  /**
   * @param image raw image features [b, featureDim]
   * @return pseudo-word token embeddings [b, tokenDim]
   */
  @Override
  public NDArray forward(ParameterStore ps, NDArray image, boolean training) {
    if (image.getShape().dimension() != 2 || image.getShape().get(1) != featureDim) {
      throw new IllegalArgumentException("image features must be [batch, " + featureDim + "], got " + image.getShape());
    }
    NDArray x = image;
    for (Linear layer : layers) {
      x = layer.forward(ps, x, training);
      if (training && dropout > 0) {
        x = Dropout.dropout(x, dropout, true).singletonOrThrow();
      }
      x = relu(x);
    }
    return out.forward(ps, x, training);
  }
}
