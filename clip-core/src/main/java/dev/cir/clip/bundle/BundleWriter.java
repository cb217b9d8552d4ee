package dev.cir.clip.bundle;

import dev.cir.clip.io.AtomicFiles;
import dev.cir.clip.io.SafeTensors;
import dev.cir.clip.io.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
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
   * Adds (or replaces) the Combiner of the bundle in {@code dir}, leaving its CLIP weights and
   * tokenizer untouched.
   */
  public static ModelBundle writeCombiner(Path dir, int[] sizes, Map<String, Tensor> combiner, Map<String, String> provenance)
      throws IOException {
    ModelBundle existing = ModelBundle.open(dir);
    BundleManifest m = existing.manifest().withCombiner(sizes).withProvenance(provenance);
    SafeTensors.write(dir.resolve(m.combinerFile()), combiner, Map.of("format", "clip4cir-combiner"));
    return writeManifest(dir, m);
  }

  /** Records the checksums of the files {@code manifest} names and writes {@code bundle.json}. */
  static ModelBundle writeManifest(Path dir, BundleManifest manifest) throws IOException {
    Map<String, String> sums = new LinkedHashMap<>();
    sums.put(manifest.clipFile(), ModelBundle.checksum(dir.resolve(manifest.clipFile())));
    sums.put(manifest.tokenizerFile(), ModelBundle.checksum(dir.resolve(manifest.tokenizerFile())));
    if (manifest.hasCombiner()) {
      sums.put(manifest.combinerFile(), ModelBundle.checksum(dir.resolve(manifest.combinerFile())));
    }
    AtomicFiles.writeString(dir.resolve(BundleManifest.FILE_NAME), manifest.withChecksums(sums).toJson());
    return ModelBundle.open(dir);
  }
}
