package dev.cir.train.clip;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import dev.cir.clip.bundle.ModelBundle;
import dev.cir.clip.encoder.Engines;
import dev.cir.clip.io.StateDict;
import dev.cir.clip.model.ClipConfig;
import dev.cir.clip.model.ClipModel;
import dev.cir.clip.text.CaptionVocabulary;
import dev.cir.train.data.TrainingData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * Where a CLIP run starts: a bundle's weights and tokenizer, or a named architecture with OpenAI's
 * random initialisation and a word-level vocabulary built from the training texts.
 *
 * @param name the architecture's name for the bundle ("tiny", "ViT-B/32", or the bundle's own)
 * @param tokenizer the run's tokenizer.json
 * @param bundle the starting bundle, or empty for a random start
 */
public record ClipStart(String name, ClipConfig config, Path tokenizer, String preprocess, double targetRatio, Optional<ModelBundle> bundle) {

  /** Starts from a bundle. */
  public static ClipStart of(ModelBundle b) {
    return new ClipStart(
        b.manifest().architectureName() == null ? "clip" : b.manifest().architectureName(), b.manifest().config(),
        b.tokenizerFile(), b.manifest().preprocess(), b.manifest().targetRatio(), Optional.of(b));
  }

  /**
   * Starts from random weights of {@code arch} ({@code tiny} or an OpenAI name). Unless a tokenizer
   * is given, a word-level vocabulary of the training texts is written to {@code tokenizerOut}
   * (once: a resumed run reuses it).
   */
  public static ClipStart random(String arch, Path tokenizer, TrainingData data, Path tokenizerOut) throws IOException {
    Path tok = tokenizer;
    int vocab;
    if (tok == null) {
      if (!Files.isRegularFile(tokenizerOut)) {
        CaptionVocabulary v = CaptionVocabulary.builder().build(data.texts("train"));
        Files.createDirectories(tokenizerOut.toAbsolutePath().getParent());
        v.writeTokenizerJson(tokenizerOut);
      }
      tok = tokenizerOut;
    }
    try (dev.cir.clip.text.ClipTokenizer t = dev.cir.clip.text.ClipTokenizer.load(tok)) {
      vocab = t.vocabSize();
    }
    ClipConfig config = architecture(arch, vocab);
    return new ClipStart(arch.toLowerCase(Locale.ROOT).equals("tiny") ? "tiny" : arch, config, tok, "targetpad", 1.25, Optional.empty());
  }

  /** {@code tiny} ({@link TinyClip}) or one of OpenAI's architectures, with the tokenizer's vocabulary. */
  public static ClipConfig architecture(String arch, int vocab) {
    if (arch.equalsIgnoreCase("tiny")) {
      return TinyClip.config(vocab);
    }
    return ClipConfig.named(arch).withVocabSize(vocab);
  }

  /** The model: the checkpoint's weights when resuming, else the bundle's, else a seeded random draw. */
  public ClipModel load(Optional<StateDict> checkpoint, long seed, NDManager manager) {
    if (checkpoint.isPresent()) {
      return ClipModel.fromStateDict(checkpoint.get(), config, manager);
    }
    if (bundle.isPresent()) {
      return bundle.get().loadClip(manager);
    }
    Engine engine = Engines.pytorch();
    engine.setRandomSeed((int) (seed & 0x7fffffff));
    return ClipModel.random(config, manager);
  }

  /**
   * A random start at another input resolution.
   *
   * @throws IllegalArgumentException for a start from a bundle (its weights are for its own size), or
   *     a size the architecture cannot take
   */
  public ClipStart withImageResolution(int px) {
    if (bundle.isPresent()) {
      throw new IllegalArgumentException("--image-size applies to --arch (random weights); a bundle keeps its own size");
    }
    return new ClipStart(name, config.withImageResolution(px), tokenizer, preprocess, targetRatio, bundle);
  }

  public String describe() {
    return bundle.map(b -> b.dir().toString()).orElse("random " + name);
  }
}
