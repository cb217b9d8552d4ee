package dev.cir.clip.model;

import static ai.djl.nn.Activation.relu;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.List;

/**
 * OpenAI's ResNet image encoder ({@code clip/model.py ModifiedResNet}): a three-convolution stem
 * with an average pool instead of a max pool, anti-aliased strided {@link Bottleneck}s, and an
 * {@link AttentionPool2d} in place of global average pooling.
 */
public final class ModifiedResNet extends ClipBlock {
  private final Conv2d conv1;
  private final BatchNorm2d bn1;
  private final Conv2d conv2;
  private final BatchNorm2d bn2;
  private final Conv2d conv3;
  private final BatchNorm2d bn3;
  private final List<List<Bottleneck>> layers = new ArrayList<>();
  private final AttentionPool2d attnpool;

  public ModifiedResNet(Weights w, String prefix, ClipConfig c) {
    super(prefix);
    long width = c.visionWidth();
    int[] blocks = c.visionLayers();
    this.conv1 = child("conv1", new Conv2d(w, sub("conv1"), 3, width / 2, 3, 2, 1));
    this.bn1 = child("bn1", new BatchNorm2d(w, sub("bn1"), width / 2));
    this.conv2 = child("conv2", new Conv2d(w, sub("conv2"), width / 2, width / 2, 3, 1, 1));
    this.bn2 = child("bn2", new BatchNorm2d(w, sub("bn2"), width / 2));
    this.conv3 = child("conv3", new Conv2d(w, sub("conv3"), width / 2, width, 3, 1, 1));
    this.bn3 = child("bn3", new BatchNorm2d(w, sub("bn3"), width));
    long inplanes = width;
    for (int l = 0; l < 4; l++) {
      long planes = width << l;
      List<Bottleneck> layer = new ArrayList<>();
      for (int i = 0; i < blocks[l]; i++) {
        String name = "layer" + (l + 1) + "." + i;
        int stride = (i == 0 && l > 0) ? 2 : 1;
        layer.add(child(name, new Bottleneck(w, sub(name), inplanes, planes, stride)));
        inplanes = planes * Bottleneck.EXPANSION;
      }
      layers.add(layer);
    }
    long embedDim = width * 32;
    this.attnpool =
        child(
            "attnpool",
            new AttentionPool2d(w, sub("attnpool"), c.imageResolution() / 32, embedDim, c.visionHeads(), c.embedDim()));
  }

  /**
   * @param x normalised pixels [batch, 3, R, R]
   * @return raw image features [batch, embed_dim]
   */
  @Override
  public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
    x = relu(bn1.forward(ps, conv1.forward(ps, x, training), training));
    x = relu(bn2.forward(ps, conv2.forward(ps, x, training), training));
    x = relu(bn3.forward(ps, conv3.forward(ps, x, training), training));
    x = Bottleneck.avgPool(x, 2);
    for (List<Bottleneck> layer : layers) {
      for (Bottleneck block : layer) {
        x = block.forward(ps, x, training);
      }
    }
    return attnpool.forward(ps, x, training);
  }
}
