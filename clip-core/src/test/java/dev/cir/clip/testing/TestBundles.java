package dev.cir.clip.testing;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.cir.clip.bundle.BundleManifest;
import dev.cir.clip.bundle.BundleWriter;
import dev.cir.clip.bundle.InversionSpec;
import dev.cir.clip.bundle.ModelBundle;
import dev.cir.clip.io.SafeTensors;
import dev.cir.clip.io.StateDict;
import dev.cir.clip.io.Tensor;
import dev.cir.clip.model.Activation;
import dev.cir.clip.model.ClipConfig;
import dev.cir.clip.model.ClipModel;
import dev.cir.clip.model.Inversion;
import dev.cir.clip.model.RandomWeights;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Bundles built from the small reference fixture, for tests of everything that reads bundles. */
public final class TestBundles {
  private TestBundles() {}

  /** Text-tower head counts of the fixture models (not inferable from shapes at width 32). */
  public static final Map<String, Integer> TEXT_HEADS = Map.of("small-vit", 4, "small-rn", 2);

  /**
   * A bundle of the fixture model {@code name} ("small-vit" or "small-rn") in {@code dir}, with the
   * fixture's Combiner when {@code withCombiner} and the ViT (embedding 32), and a word-level
   * tokenizer of the fixture's 1,000 ids (998 start, 999 end).
   */
  public static ModelBundle small(String name, Path dir, boolean withCombiner) {
    try {
      StateDict clip = Fixtures.smallTensors(name + ".safetensors");
      ClipConfig config = ClipConfig.infer(clip, null, TEXT_HEADS.get(name), Activation.QUICK_GELU);
      Path tokenizer = Files.createTempFile("tokenizer", ".json");
      Files.writeString(tokenizer, wordLevelTokenizer(config.vocabSize()));
      StateDict combiner = withCombiner ? Fixtures.smallTensors("combiner.safetensors") : null;
      if (combiner != null && config.embedDim() != 32) {
        throw new IllegalArgumentException("the fixture Combiner has feature dimension 32; " + name + " has " + config.embedDim());
      }
      BundleManifest m =
          new BundleManifest(
              BundleManifest.FORMAT_VERSION, name, config, "targetpad", 1.25, BundleManifest.CLIP_FILE,
              BundleManifest.TOKENIZER_FILE, null, null, null, Map.of("source", "test fixture " + name));
      if (combiner != null) {
        m = m.withCombiner(new int[] {32, 64, 128});
      }
      ModelBundle b = BundleWriter.write(dir, m, clip.tensors(), tokenizer, combiner == null ? null : combiner.tensors());
      Files.delete(tokenizer);
      return b;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A copy of {@code from} in {@code dir} whose CLIP tensor {@code key} has its first value moved
   * by 0.25: another image tower when {@code key} is a {@code visual.} tensor, another text tower
   * otherwise. The Combiner, if any, is kept.
   */
  public static ModelBundle withOneWeightChanged(ModelBundle from, String key, Path dir) {
    try {
      StateDict clip = SafeTensors.read(from.clipFile());
      Map<String, Tensor> tensors = new java.util.LinkedHashMap<>(clip.tensors());
      Tensor t = clip.require(key);
      float[] v = t.toFloatArray();
      v[0] += 0.25f;
      tensors.put(key, Tensor.ofFloats(t.shape(), v));
      Path tok = Files.createTempFile("tokenizer", ".json");
      Files.copy(from.tokenizerFile(), tok, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      Map<String, Tensor> combiner = from.combinerFile().isPresent() ? SafeTensors.read(from.combinerFile().get()).tensors() : null;
      ModelBundle b = BundleWriter.write(dir, from.manifest().withInversion(null), tensors, tok, combiner);
      Files.delete(tok);
      return b;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The small ViT bundle with the fixture's Combiner and a random inversion network φ of Pic2Word's
   * shape, whose query template is {@code template}: for everything that serves combine=inversion.
   */
  public static ModelBundle smallWithInversion(Path dir, String template) {
    ModelBundle plain = small("small-vit", dir, true);
    int d = plain.manifest().embeddingDim();
    int w = plain.manifest().config().textWidth();
    try (NDManager m = NDManager.newBaseManager()) {
      Inversion phi = Inversion.pic2word(new RandomWeights(m), d, w);
      InversionSpec spec = new InversionSpec(BundleManifest.INVERSION_FILE, d, phi.hiddenDim(), w, phi.hiddenLayers(), template);
      return BundleWriter.writeInversion(dir, spec, ClipModel.export(phi.namedParameters()), Map.of("inversion", "random"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A Hugging Face word-level tokenizer.json over {@code vocab} ids: 0 padding, 1 unknown, words
   * "w2".."w{vocab-3}", then start and end of text as the two largest ids (CLIP's convention).
   */
  public static String wordLevelTokenizer(int vocab) {
    JsonObject v = new JsonObject();
    v.addProperty("<|pad|>", 0);
    v.addProperty("<|unk|>", 1);
    for (int i = 2; i < vocab - 2; i++) {
      v.addProperty("w" + i, i);
    }
    v.addProperty("<|startoftext|>", vocab - 2);
    v.addProperty("<|endoftext|>", vocab - 1);
    JsonObject model = new JsonObject();
    model.addProperty("type", "WordLevel");
    model.add("vocab", v);
    model.addProperty("unk_token", "<|unk|>");
    JsonObject root = new JsonObject();
    root.addProperty("version", "1.0");
    root.add("truncation", null);
    root.add("padding", null);
    JsonArray added = new JsonArray();
    String[] specials = {"<|pad|>", "<|unk|>", "<|startoftext|>", "<|endoftext|>"};
    int[] ids = {0, 1, vocab - 2, vocab - 1};
    for (int i = 0; i < specials.length; i++) {
      JsonObject t = new JsonObject();
      t.addProperty("id", ids[i]);
      t.addProperty("content", specials[i]);
      t.addProperty("single_word", false);
      t.addProperty("lstrip", false);
      t.addProperty("rstrip", false);
      t.addProperty("normalized", false);
      t.addProperty("special", true);
      added.add(t);
    }
    root.add("added_tokens", added);
    JsonObject normalizer = new JsonObject();
    normalizer.addProperty("type", "Lowercase");
    root.add("normalizer", normalizer);
    JsonObject pre = new JsonObject();
    pre.addProperty("type", "Whitespace");
    root.add("pre_tokenizer", pre);
    root.add("post_processor", null);
    root.add("decoder", null);
    root.add("model", model);
    return root.toString();
  }

  /** Reads a fixture tensor file from the small fixture. */
  public static StateDict expected(String name) {
    return SafeTensors.read(Fixtures.small(name + ".expected.safetensors"));
  }
}
