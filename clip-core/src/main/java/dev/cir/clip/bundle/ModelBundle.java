package dev.cir.clip.bundle;

import ai.djl.ndarray.NDManager;
import dev.cir.clip.io.InvalidModelException;
import dev.cir.clip.io.SafeTensors;
import dev.cir.clip.io.StateDict;
import dev.cir.clip.io.Tensor;
import dev.cir.clip.model.ClipModel;
import dev.cir.clip.model.Combiner;
import dev.cir.clip.model.Inversion;
import dev.cir.clip.model.StateDictWeights;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;

/**
 * A model bundle on disk: {@code bundle.json}, {@code clip.safetensors} (OpenAI key names), {@code
 * tokenizer.json}, and optionally {@code combiner.safetensors} (CLIP4Cir key names). Opening checks
 * the manifest and that every file it names is present; loading builds the blocks from the
 * manifest's architecture, so a tensor whose shape disagrees with {@code bundle.json} is refused
 * with the file and the tensor named.
 */
public final class ModelBundle {
  private final Path dir;
  private final BundleManifest manifest;
  private final String fingerprint;
  private volatile String imageTowerFingerprint;

  private ModelBundle(Path dir, BundleManifest manifest, String fingerprint) {
    this.dir = dir;
    this.manifest = manifest;
    this.fingerprint = fingerprint;
  }

  /**
   * Opens the bundle in {@code dir}.
   *
   * @throws InvalidModelException naming the directory or file that is missing or malformed
   */
  public static ModelBundle open(Path dir) {
    Path abs = dir.toAbsolutePath().normalize();
    if (!Files.isDirectory(abs)) {
      throw new InvalidModelException(abs + ": model bundle directory not found");
    }
    Path json = abs.resolve(BundleManifest.FILE_NAME);
    if (!Files.isRegularFile(json)) {
      throw new InvalidModelException(
          json + ": missing; a model bundle holds bundle.json, clip.safetensors and tokenizer.json (create one with"
              + " 'cir import')");
    }
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(json);
    } catch (IOException e) {
      throw new InvalidModelException(json + ": cannot read: " + e.getMessage(), e);
    }
    BundleManifest manifest = BundleManifest.parse(new String(bytes, StandardCharsets.UTF_8), json.toString());
    requireFile(abs, manifest.clipFile(), "CLIP weights");
    requireFile(abs, manifest.tokenizerFile(), "tokenizer");
    if (manifest.hasCombiner()) {
      requireFile(abs, manifest.combinerFile(), "Combiner weights");
    }
    if (manifest.hasInversion()) {
      requireFile(abs, manifest.inversion().file(), "inversion network");
    }
    return new ModelBundle(abs, manifest, "sha256:" + HexFormat.of().formatHex(sha256(bytes)));
  }

  private static void requireFile(Path dir, String name, String what) {
    Path f = dir.resolve(name).normalize();
    if (!f.startsWith(dir)) {
      throw new InvalidModelException(dir.resolve(BundleManifest.FILE_NAME) + ": file '" + name + "' lies outside the bundle");
    }
    if (!Files.isRegularFile(f)) {
      throw new InvalidModelException(f + ": missing (" + what + " named by bundle.json)");
    }
  }

  public Path dir() {
    return dir;
  }

  public BundleManifest manifest() {
    return manifest;
  }

  public Path clipFile() {
    return dir.resolve(manifest.clipFile());
  }

  public Path tokenizerFile() {
    return dir.resolve(manifest.tokenizerFile());
  }

  public Optional<Path> combinerFile() {
    return manifest.hasCombiner() ? Optional.of(dir.resolve(manifest.combinerFile())) : Optional.empty();
  }

  /**
   * Identifies the bundle's content: the hash of {@code bundle.json}, which records every file's
   * checksum. Caches of features key on it.
   */
  public String fingerprint() {
    return fingerprint;
  }

  /**
   * Identifies what makes an image's vector: the image tower's weights (every {@code visual.}
   * tensor of {@code clip.safetensors}, names, shapes and bytes) and the preprocessing (transform,
   * target ratio, resolution). Bundles that differ only in their text tower, Combiner or φ share
   * it, so vectors indexed with one are searched correctly with the other; precision is not part
   * of it (bf16's image features keep a cosine above 0.9999 to float32's). Computed on first use
   * (it reads the weights file) and kept.
   *
   * @return {@code image-tower:} and 24 hex digits of a SHA-256
   */
  public String imageTowerFingerprint() {
    String f = imageTowerFingerprint;
    if (f == null) {
      synchronized (this) {
        f = imageTowerFingerprint;
        if (f == null) {
          f = computeImageTowerFingerprint();
          imageTowerFingerprint = f;
        }
      }
    }
    return f;
  }

  private String computeImageTowerFingerprint() {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    md.update(
        ("cir image tower 1\n" + manifest.preprocess() + "\n" + manifest.targetRatio() + "\n" + manifest.config().imageResolution() + "\n")
            .getBytes(StandardCharsets.UTF_8));
    StateDict dict = SafeTensors.read(clipFile());
    for (String key : new java.util.TreeSet<>(dict.keys())) {
      if (!key.startsWith("visual.")) {
        continue;
      }
      Tensor t = dict.get(key);
      md.update((key + " " + t.dtype() + " " + java.util.Arrays.toString(t.shape()) + "\n").getBytes(StandardCharsets.UTF_8));
      md.update(t.bytes().duplicate());
    }
    return "image-tower:" + HexFormat.of().formatHex(md.digest()).substring(0, 24);
  }

  /** Builds the CLIP model on {@code manager} from {@code clip.safetensors}. */
  public ClipModel loadClip(NDManager manager) {
    StateDict dict = SafeTensors.read(clipFile());
    return ClipModel.fromStateDict(dict, manifest.config(), manager);
  }

  /**
   * Builds the Combiner on {@code manager}.
   *
   * @throws IllegalStateException when the bundle has none
   */
  public Combiner loadCombiner(NDManager manager) {
    Path file = combinerFile().orElseThrow(() -> new IllegalStateException(dir + " has no Combiner"));
    int[] s = manifest.combinerSizes();
    if (s[0] != manifest.embeddingDim()) {
      throw new InvalidModelException(
          dir.resolve(BundleManifest.FILE_NAME) + ": Combiner feature dimension " + s[0]
              + " differs from the CLIP embedding dimension " + manifest.embeddingDim());
    }
    StateDictWeights w = new StateDictWeights(SafeTensors.read(file), manager);
    Combiner c = new Combiner(w, s[0], s[1], s[2]);
    w.checkAllUsed();
    return c;
  }

  /**
   * Builds the inversion network φ on {@code manager}.
   *
   * @throws IllegalStateException when the bundle has none
   */
  public Inversion loadInversion(NDManager manager) {
    InversionSpec spec = manifest.inversion();
    if (spec == null) {
      throw new IllegalStateException(dir + " has no inversion network; train one with 'cir train inversion'");
    }
    if (spec.featureDim() != manifest.embeddingDim() || spec.tokenDim() != manifest.config().textWidth()) {
      throw new InvalidModelException(
          dir.resolve(BundleManifest.FILE_NAME) + ": inversion maps " + spec.featureDim() + " to " + spec.tokenDim()
              + " but the CLIP model has embedding " + manifest.embeddingDim() + " and token width "
              + manifest.config().textWidth());
    }
    StateDictWeights w = new StateDictWeights(SafeTensors.read(dir.resolve(spec.file())), manager);
    Inversion inversion =
        new Inversion(w, spec.featureDim(), spec.hiddenDim(), spec.tokenDim(), spec.hiddenLayers(), Inversion.DROPOUT);
    w.checkAllUsed();
    return inversion;
  }

  /**
   * Recomputes every file's checksum and compares it with {@code bundle.json}.
   *
   * @throws InvalidModelException naming the first file whose content changed
   */
  public void verify() {
    for (Map.Entry<String, String> e : manifest.checksums().entrySet()) {
      Path f = dir.resolve(e.getKey());
      String actual = checksum(f);
      if (!actual.equals(e.getValue())) {
        throw new InvalidModelException(
            f + ": content differs from the checksum in bundle.json (" + e.getValue() + " expected, " + actual
                + " found); the file is corrupt or was replaced");
      }
    }
  }

  /** "sha256:" and the hex digest of a file. */
  public static String checksum(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
      return "sha256:" + HexFormat.of().formatHex(md.digest());
    } catch (IOException e) {
      throw new InvalidModelException(file + ": cannot read: " + e.getMessage(), e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public String toString() {
    return dir + " (" + (manifest.architectureName() != null ? manifest.architectureName() + ", " : "")
        + manifest.config() + (manifest.hasCombiner() ? ", with Combiner" : "")
        + (manifest.hasInversion() ? ", with inversion network" : "") + ")";
  }
}
