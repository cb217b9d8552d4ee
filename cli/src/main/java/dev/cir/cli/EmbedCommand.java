package dev.cir.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.cir.clip.bundle.ModelBundle;
import dev.cir.clip.encoder.CirEncoder;
import dev.cir.clip.encoder.Combination;
import dev.cir.clip.encoder.CombineMode;
import dev.cir.clip.encoder.EncoderOptions;
import dev.cir.clip.model.Precision;
import dev.cir.clip.image.ImageDecoder;
import dev.cir.clip.image.ImagePreprocessor;
import dev.cir.clip.image.ImageTransform;
import dev.cir.clip.io.AtomicFiles;
import dev.cir.clip.text.PromptTemplate;
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
      "features in argument order.",
      "With --combine, also the composed query vectors {!cir} searches with, one per (image, text) pair",
      "(one image with several texts pairs it with each): \"query_vectors\", normalized, with \"combine\"",
      "and, for inversion, the \"template\" used."
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

  @Option(
      names = "--combine",
      paramLabel = "MODE",
      description = "combiner (the bundle's Combiner), inversion (zero-shot, the bundle's phi) or sum: write query_vectors.")
  String combine;

  @Option(
      names = "--template",
      paramLabel = "PROMPT",
      description = "Prompt of --combine inversion instead of the bundle's, e.g. 'a photo of $ that {text}'.")
  String template;

  @Option(names = "--device", paramLabel = "DEVICE", description = "cpu, gpu, gpu:N or auto (default: ${DEFAULT-VALUE}).")
  String device = "cpu";

  @Option(names = "--precision", paramLabel = "P",
      description = "float32 (exact) or bf16: the products with weights in bfloat16, fast where the CPU has AVX512-BF16 or AMX (default: ${DEFAULT-VALUE}).")
  String precision = "float32";

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
    CombineMode mode = mode();
    PromptTemplate prompt = template == null ? null : PromptTemplate.query(template);
    ModelBundle bundle = ModelBundle.open(model);
    try (CirEncoder enc = CirEncoder.open(bundle, defaults.withDevice(device).withPrecision(Precision.parse(precision)))) {
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
      if (mode != null) {
        float[][] references = new float[texts.size()][];
        for (int i = 0; i < references.length; i++) {
          references[i] = imageFeatures[images.size() == 1 ? 0 : i];
        }
        Combination c =
            mode == CombineMode.INVERSION ? enc.zeroShot(references, texts, prompt) : enc.combine(references, textFeatures, mode);
        o.addProperty("combine", mode.id());
        if (mode == CombineMode.INVERSION) {
          o.addProperty("template", (prompt != null ? prompt : bundle.manifest().inversion().queryTemplate()).template());
        }
        o.add("query_vectors", matrix(c.vectors()));
      }
      AtomicFiles.writeString(out, new GsonBuilder().create().toJson(o) + "\n");
    }
    return 0;
  }

  /** The --combine mode, checked against the arguments before anything is loaded. */
  private CombineMode mode() {
    if (combine == null) {
      if (template != null) {
        throw new IllegalArgumentException("--template is the prompt of --combine inversion; add --combine inversion");
      }
      return null;
    }
    CombineMode m = CombineMode.parse(combine);
    if (m == CombineMode.IMAGE || m == CombineMode.TEXT) {
      throw new IllegalArgumentException(
          "--combine " + m.id() + " is one tower's features: they are image_features / text_features already; use combiner, inversion or sum");
    }
    if (template != null && m != CombineMode.INVERSION) {
      throw new IllegalArgumentException("--template is the prompt of --combine inversion, not of --combine " + m.id());
    }
    if (texts.isEmpty() || !(images.size() == texts.size() || images.size() == 1)) {
      throw new IllegalArgumentException(
          "--combine " + m.id() + " pairs each --image with a --text: give as many of each, or one image and several texts (got "
              + images.size() + " images and " + texts.size() + " texts)");
    }
    return m;
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
