package dev.cir.clip.bundle;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import dev.cir.clip.encoder.Engines;
import dev.cir.clip.io.AtomicFiles;
import dev.cir.clip.model.ClipConfig;
import dev.cir.clip.model.ClipModel;
import dev.cir.clip.model.Combiner;
import dev.cir.clip.model.RandomWeights;
import dev.cir.clip.io.SafeTensors;
import dev.cir.clip.io.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes model bundles. Every file is written to a temporary name and renamed into place, and
 * {@code bundle.json} (with the checksums of the others) goes last, so a reader sees either the
 * old bundle or the complete new one's manifest — never a manifest naming a half-written file.
 */
public final class BundleWriter {
  private BundleWriter() {}

  /**
   * Writes a complete bundle into {@code dir} (created if needed).
   *
   * @param clip CLIP state dict in OpenAI key names
   * @param tokenizerJson the tokenizer file to copy in
   * @param combiner CLIP4Cir Combiner state dict, or null (then {@code manifest} must have none)
   */
  public static ModelBundle write(
      Path dir, BundleManifest manifest, Map<String, Tensor> clip, Path tokenizerJson, Map<String, Tensor> combiner)
      throws IOException {
    if ((combiner == null) == manifest.hasCombiner()) {
      throw new IllegalArgumentException(
          manifest.hasCombiner() ? "the manifest names a Combiner but none was given" : "a Combiner was given but the manifest has none");
    }
    Files.createDirectories(dir);
    Map<String, String> meta = Map.of("format", "openai-clip-state-dict");
    SafeTensors.write(dir.resolve(manifest.clipFile()), clip, meta);
    Path tokenizerTarget = dir.resolve(manifest.tokenizerFile());
    if (!tokenizerJson.toAbsolutePath().normalize().equals(tokenizerTarget.toAbsolutePath().normalize())) {
      Path tmp = Files.createTempFile(dir, "." + manifest.tokenizerFile(), ".tmp");
      try {
        Files.copy(tokenizerJson, tmp, StandardCopyOption.REPLACE_EXISTING);
        AtomicFiles.moveIntoPlace(tmp, tokenizerTarget);
      } finally {
        Files.deleteIfExists(tmp);
      }
    }
    if (combiner != null) {
      SafeTensors.write(dir.resolve(manifest.combinerFile()), combiner, Map.of("format", "clip4cir-combiner"));
    }
    return writeManifest(dir, manifest);
  }

  /**
   * Copies every file of {@code from} (CLIP weights, tokenizer, Combiner and inversion network, as
   * it has them) into {@code dir} and writes its manifest with more provenance.
   */
  public static ModelBundle copy(ModelBundle from, Path dir, Map<String, String> provenance) throws IOException {
    Files.createDirectories(dir);
    BundleManifest m = from.manifest();
    List<String> files = new java.util.ArrayList<>(List.of(m.clipFile(), m.tokenizerFile()));
    if (m.hasCombiner()) {
      files.add(m.combinerFile());
    }
    if (m.hasInversion()) {
      files.add(m.inversion().file());
    }
    for (String f : files) {
      Path source = from.dir().resolve(f);
      Path target = dir.resolve(f);
      if (source.toAbsolutePath().normalize().equals(target.toAbsolutePath().normalize())) {
        continue;
      }
      Path tmp = Files.createTempFile(dir, "." + f, ".tmp");
      try {
        Files.copy(source, tmp, StandardCopyOption.REPLACE_EXISTING);
        AtomicFiles.moveIntoPlace(tmp, target);
      } finally {
        Files.deleteIfExists(tmp);
      }
    }
    return writeManifest(dir, m.withProvenance(provenance));
  }

  /**
   * Adds (or replaces) the inversion network φ of the bundle in {@code dir}, leaving its other files
   * untouched.
   */
  public static ModelBundle writeInversion(Path dir, InversionSpec spec, Map<String, Tensor> weights, Map<String, String> provenance)
      throws IOException {
    ModelBundle existing = ModelBundle.open(dir);
    if (spec.featureDim() != existing.manifest().embeddingDim() || spec.tokenDim() != existing.manifest().config().textWidth()) {
      throw new IllegalArgumentException(
          "an inversion network from " + spec.featureDim() + " to " + spec.tokenDim() + " does not fit " + dir + " (embedding "
              + existing.manifest().embeddingDim() + ", token width " + existing.manifest().config().textWidth() + ")");
    }
    BundleManifest m = existing.manifest().withInversion(spec).withProvenance(provenance);
    SafeTensors.write(dir.resolve(spec.file()), weights, Map.of("format", "pic2word-img2text"));
    return writeManifest(dir, m);
  }

  /**
   * Writes a bundle of {@code config} with OpenAI's random initialisation (and a Combiner with
   * CLIP4Cir's default sizes, also random, when asked): the starting point of training from
   * scratch, and a model of full size for measurements that do not depend on the weights.
   *
   * @param tokenizerJson a tokenizer whose vocabulary has {@code config.vocabSize()} ids
   */
  public static ModelBundle writeRandom(
      Path dir, String name, ClipConfig config, Path tokenizerJson, boolean withCombiner, long seed, Map<String, String> provenance)
      throws IOException {
    Engine engine = Engines.pytorch();
    engine.setRandomSeed((int) seed);
    Map<String, Tensor> clip;
    Map<String, Tensor> combiner = null;
    int[] sizes = Combiner.defaultSizes(config.embedDim());
    try (NDManager m = engine.newBaseManager()) {
      clip = ClipModel.random(config, m).stateDict();
      if (withCombiner) {
        combiner = ClipModel.export(new Combiner(new RandomWeights(m), sizes[0], sizes[1], sizes[2]).namedParameters());
      }
    }
    Map<String, String> p = new LinkedHashMap<>(provenance);
    p.putIfAbsent("weights", "random initialisation, seed " + seed);
    BundleManifest manifest =
        new BundleManifest(
            BundleManifest.FORMAT_VERSION, name, config, "targetpad", 1.25, BundleManifest.CLIP_FILE,
            BundleManifest.TOKENIZER_FILE, null, null, null, p);
    if (withCombiner) {
      manifest = manifest.withCombiner(sizes);
    }
    return write(dir, manifest, clip, tokenizerJson, combiner);
  }

  /** Records the checksums of the files {@code manifest} names and writes {@code bundle.json}. */
  static ModelBundle writeManifest(Path dir, BundleManifest manifest) throws IOException {
    Map<String, String> sums = new LinkedHashMap<>();
    sums.put(manifest.clipFile(), ModelBundle.checksum(dir.resolve(manifest.clipFile())));
    sums.put(manifest.tokenizerFile(), ModelBundle.checksum(dir.resolve(manifest.tokenizerFile())));
    if (manifest.hasCombiner()) {
      sums.put(manifest.combinerFile(), ModelBundle.checksum(dir.resolve(manifest.combinerFile())));
    }
    if (manifest.hasInversion()) {
      sums.put(manifest.inversion().file(), ModelBundle.checksum(dir.resolve(manifest.inversion().file())));
    }
    AtomicFiles.writeString(dir.resolve(BundleManifest.FILE_NAME), manifest.withChecksums(sums).toJson());
    return ModelBundle.open(dir);
  }
}
