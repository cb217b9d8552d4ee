package dev.cir.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.cir.clip.bundle.ModelBundle;
import dev.cir.clip.encoder.CirEncoder;
import dev.cir.clip.encoder.EncoderOptions;
import dev.cir.clip.image.ImageDecoder;
import dev.cir.clip.image.ImagePreprocessor;
import dev.cir.clip.image.ImageTransform;
import dev.cir.clip.io.AtomicFiles;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "embed",
    mixinStandardHelpOptions = true,
    description = {
      "Encode images and texts with a bundle's CLIP towers.",
      "Writes JSON {\"image_features\": [[...], ...], \"text_features\": [[...], ...]}: raw (unnormalized)",
      "features in argument order."
    })
final class EmbedCommand implements Callable<Integer> {
  @Option(names = "--model", required = true, paramLabel = "DIR", description = "Model bundle.")
  Path model;

  @Option(names = "--image", paramLabel = "FILE", description = "An image to encode (repeatable).")
  List<Path> images = new ArrayList<>();

  @Option(names = "--text", paramLabel = "TEXT", description = "A text to encode (repeatable).")
  List<String> texts = new ArrayList<>();

  @Option(names = "--preprocess", paramLabel = "NAME", description = "clip, squarepad or targetpad (default: the bundle's).")
  String preprocess;

  @Option(names = "--out", required = true, paramLabel = "FILE", description = "Output JSON file.")
  Path out;

  @Option(names = "--device", paramLabel = "DEVICE", description = "cpu, gpu, gpu:N or auto (default: ${DEFAULT-VALUE}).")
  String device = "cpu";

  private final EncoderOptions defaults;

  @Inject
  EmbedCommand(EncoderOptions defaults) {
    this.defaults = defaults;
  }

  @Override
  public Integer call() throws IOException {
    if (images.isEmpty() && texts.isEmpty()) {
      throw new IllegalArgumentException("nothing to encode: give --image FILE and/or --text TEXT");
    }
    ModelBundle bundle = ModelBundle.open(model);
    try (CirEncoder enc = CirEncoder.open(bundle, defaults.withDevice(device))) {
      float[][] imageFeatures;
      if (preprocess == null) {
        imageFeatures = enc.encodeImages(images);
      } else {
        ImagePreprocessor pre =
            new ImagePreprocessor(
                new ImageDecoder(), ImageTransform.forName(preprocess, enc.config().imageResolution(), bundle.manifest().targetRatio()));
        List<float[]> pixels = new ArrayList<>();
        for (Path p : images) {
          pixels.add(pre.preprocess(p));
        }
        imageFeatures = enc.encodePixels(pixels);
      }
      float[][] textFeatures = enc.encodeTexts(texts);
      JsonObject o = new JsonObject();
      o.add("image_features", matrix(imageFeatures));
      o.add("text_features", matrix(textFeatures));
      AtomicFiles.writeString(out, new GsonBuilder().create().toJson(o) + "\n");
    }
    return 0;
  }

  static JsonArray matrix(float[][] rows) {
    JsonArray a = new JsonArray();
    for (float[] r : rows) {
      JsonArray row = new JsonArray();
      for (float v : r) {
        row.add(v);
      }
      a.add(row);
    }
    return a;
  }
}
