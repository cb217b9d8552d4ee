package dev.cir.clip.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import static ai.djl.nn.Activation.relu;

import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;

/**
 * OpenAI's anti-aliased ResNet bottleneck ({@code clip/model.py Bottleneck}): every convolution has
 * stride 1 and an average pool follows the 3x3 convolution when the block downsamples; the shortcut
 * is avgpool → 1x1 conv → BN ({@code downsample.-1/.0/.1}).
 */
public final class Bottleneck extends ClipBlock {
  static final int EXPANSION = 4;

  private final Conv2d conv1;
  private final BatchNorm2d bn1;
  private final Conv2d conv2;
  private final BatchNorm2d bn2;
  private final Conv2d conv3;
  private final BatchNorm2d bn3;
  private final Conv2d downsampleConv;
  private final BatchNorm2d downsampleBn;
  private final int stride;

  public Bottleneck(Weights w, String prefix, long inplanes, long planes, int stride) {
    super(prefix);
    this.stride = stride;
    this.conv1 = child("conv1", new Conv2d(w, sub("conv1"), inplanes, planes, 1, 1, 0));
    this.bn1 = child("bn1", new BatchNorm2d(w, sub("bn1"), planes));
    this.conv2 = child("conv2", new Conv2d(w, sub("conv2"), planes, planes, 3, 1, 1));
    this.bn2 = child("bn2", new BatchNorm2d(w, sub("bn2"), planes));
    this.conv3 = child("conv3", new Conv2d(w, sub("conv3"), planes, planes * EXPANSION, 1, 1, 0));
    // OpenAI zero-initialises the last BN of each block, so a fresh block starts as the identity
    this.bn3 = child("bn3", new BatchNorm2d(w, sub("bn3"), planes * EXPANSION, Init.zeros()));
    if (stride > 1 || inplanes != planes * EXPANSION) {
      this.downsampleConv = child("downsample.0", new Conv2d(w, sub("downsample.0"), inplanes, planes * EXPANSION, 1, 1, 0));
      this.downsampleBn = child("downsample.1", new BatchNorm2d(w, sub("downsample.1"), planes * EXPANSION));
    } else {
      this.downsampleConv = null;
      this.downsampleBn = null;
    }
  }

  @Override
  public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
    NDArray out = relu(bn1.forward(ps, conv1.forward(ps, x, training), training));
    out = relu(bn2.forward(ps, conv2.forward(ps, out, training), training));
    out = avgPool(out, stride);
    out = bn3.forward(ps, conv3.forward(ps, out, training), training);
    NDArray identity = x;
    if (downsampleConv != null) {
      identity = downsampleBn.forward(ps, downsampleConv.forward(ps, avgPool(x, stride), training), training);
    }
    return relu(out.add(identity));
  }

  /** {@code nn.AvgPool2d(k)}: kernel = stride = k, no padding; the identity when k is 1. */
  static NDArray avgPool(NDArray x, int k) {
    if (k == 1) {
      return x;
    }
    return Pool.avgPool2d(x, new Shape(k, k), new Shape(k, k), new Shape(0, 0), false, true);
  }
}
