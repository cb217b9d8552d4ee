package dev.cir.clip.bundle;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.cir.clip.io.InvalidModelException;
import dev.cir.clip.io.JsonBinding;
import dev.cir.clip.io.JsonBinding.Optional;
import dev.cir.clip.model.Activation;
import dev.cir.clip.model.ClipConfig;
import dev.cir.clip.text.PromptTemplate;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The contents of {@code bundle.json}: format version, architecture, preprocessing, the names of
 * the bundle's files, the Combiner's sizes when it has one, and where the weights came from.
 *
 * @param combinerSizes feature, projection and hidden dimensions, or null without a Combiner
 * @param inversion the inversion network φ of zero-shot queries, or null without one
 * @param checksums file name → "sha256:…" of each file, written with the bundle
 * @param provenance free-form facts about the origin (source file, command, date, metrics)
 */
public record BundleManifest(
    int formatVersion,
    String architectureName,
    ClipConfig config,
    String preprocess,
    double targetRatio,
    String clipFile,
    String tokenizerFile,
    String combinerFile,
    int[] combinerSizes,
    Map<String, String> checksums,
    Map<String, String> provenance,
    InversionSpec inversion) {

  public static final String FILE_NAME = "bundle.json";
  public static final int FORMAT_VERSION = 1;
  public static final String CLIP_FILE = "clip.safetensors";
  public static final String TOKENIZER_FILE = "tokenizer.json";
  public static final String COMBINER_FILE = "combiner.safetensors";
  public static final String INVERSION_FILE = "inversion.safetensors";
  private static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();

  public BundleManifest {
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(preprocess, "preprocess");
    Objects.requireNonNull(clipFile, "clipFile");
    Objects.requireNonNull(tokenizerFile, "tokenizerFile");
    if ((combinerFile == null) != (combinerSizes == null)) {
      throw new IllegalArgumentException("a Combiner needs both its file and its sizes");
    }
    combinerSizes = combinerSizes == null ? null : combinerSizes.clone();
    checksums = checksums == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(checksums));
    provenance = provenance == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(provenance));
  }

  /** A manifest without an inversion network. */
  public BundleManifest(
      int formatVersion,
      String architectureName,
      ClipConfig config,
      String preprocess,
      double targetRatio,
      String clipFile,
      String tokenizerFile,
      String combinerFile,
      int[] combinerSizes,
      Map<String, String> checksums,
      Map<String, String> provenance) {
    this(
        formatVersion, architectureName, config, preprocess, targetRatio, clipFile, tokenizerFile, combinerFile,
        combinerSizes, checksums, provenance, null);
  }

  public boolean hasInversion() {
    return inversion != null;
  }

  /** This manifest with the given inversion network, or none. */
  public BundleManifest withInversion(InversionSpec spec) {
    return new BundleManifest(
        formatVersion, architectureName, config, preprocess, targetRatio, clipFile, tokenizerFile, combinerFile,
        combinerSizes, checksums, provenance, spec);
  }

  public boolean hasCombiner() {
    return combinerFile != null;
  }

  /** The dimension of every vector the bundle produces. */
  public int embeddingDim() {
    return config.embedDim();
  }

  /** This manifest with a Combiner of the given sizes stored in {@link #COMBINER_FILE}, or none. */
  public BundleManifest withCombiner(int[] sizes) {
    return new BundleManifest(
        formatVersion, architectureName, config, preprocess, targetRatio, clipFile, tokenizerFile,
        sizes == null ? null : COMBINER_FILE, sizes, checksums, provenance, inversion);
  }

  /** This manifest with the given file checksums. */
  public BundleManifest withChecksums(Map<String, String> sums) {
    return new BundleManifest(
        formatVersion, architectureName, config, preprocess, targetRatio, clipFile, tokenizerFile, combinerFile,
        combinerSizes, sums, provenance, inversion);
  }

  /** This manifest with more provenance entries. */
  public BundleManifest withProvenance(Map<String, String> more) {
    Map<String, String> p = new LinkedHashMap<>(provenance);
    p.putAll(more);
    return new BundleManifest(
        formatVersion, architectureName, config, preprocess, targetRatio, clipFile, tokenizerFile, combinerFile,
        combinerSizes, checksums, p, inversion);
  }

  public String toJson() {
    JsonObject o = new JsonObject();
    o.addProperty("format", "cir-bundle");
    o.addProperty("format_version", formatVersion);
    if (architectureName != null) {
      o.addProperty("name", architectureName);
    }
    o.addProperty("embedding_dim", config.embedDim());
    o.addProperty("input_resolution", config.imageResolution());
    o.addProperty("context_length", config.contextLength());
    JsonObject arch = new JsonObject();
    arch.addProperty("type", config.isVit() ? "vit" : "modified_resnet");
    arch.addProperty("embed_dim", config.embedDim());
    arch.addProperty("image_resolution", config.imageResolution());
    JsonArray layers = new JsonArray();
    for (int l : config.visionLayers()) {
      layers.add(l);
    }
    arch.add("vision_layers", layers);
    arch.addProperty("vision_width", config.visionWidth());
    arch.addProperty("vision_patch_size", config.visionPatchSize());
    arch.addProperty("vision_heads", config.visionHeads());
    arch.addProperty("context_length", config.contextLength());
    arch.addProperty("vocab_size", config.vocabSize());
    arch.addProperty("transformer_width", config.textWidth());
    arch.addProperty("transformer_heads", config.textHeads());
    arch.addProperty("transformer_layers", config.textLayers());
    arch.addProperty("activation", config.activation().id());
    o.add("architecture", arch);
    JsonObject pre = new JsonObject();
    pre.addProperty("name", preprocess);
    pre.addProperty("target_ratio", targetRatio);
    o.add("preprocess", pre);
    JsonObject files = new JsonObject();
    files.addProperty("clip", clipFile);
    files.addProperty("tokenizer", tokenizerFile);
    if (combinerFile != null) {
      files.addProperty("combiner", combinerFile);
    }
    if (inversion != null) {
      files.addProperty("inversion", inversion.file());
    }
    o.add("files", files);
    if (combinerSizes != null) {
      JsonObject c = new JsonObject();
      c.addProperty("feature_dim", combinerSizes[0]);
      c.addProperty("projection_dim", combinerSizes[1]);
      c.addProperty("hidden_dim", combinerSizes[2]);
      o.add("combiner", c);
    }
    if (inversion != null) {
      JsonObject v = new JsonObject();
      v.addProperty("feature_dim", inversion.featureDim());
      v.addProperty("hidden_dim", inversion.hiddenDim());
      v.addProperty("token_dim", inversion.tokenDim());
      v.addProperty("hidden_layers", inversion.hiddenLayers());
      v.addProperty("template", inversion.template());
      v.addProperty("placeholder", PromptTemplate.PLACEHOLDER);
      o.add("inversion", v);
    }
    JsonObject sums = new JsonObject();
    checksums.forEach(sums::addProperty);
    o.add("checksums", sums);
    JsonObject prov = new JsonObject();
    provenance.forEach(prov::addProperty);
    o.add("provenance", prov);
    return GSON.toJson(o) + "\n";
  }

  /**
   * Parses {@code bundle.json}.
   *
   * @param source the file, named in every error
   * @throws InvalidModelException when the JSON is malformed, of another format version, or
   *     inconsistent
   */
  public static BundleManifest parse(String json, String source) {
    JsonObject o = JsonBinding.object(JsonBinding.parse(json, source, InvalidModelException::new), source, InvalidModelException::new);
    JsonElement format = o.get("format");
    if (!JsonBinding.isString(format) || !"cir-bundle".equals(format.getAsString())) {
      throw new InvalidModelException(source + ": not a model bundle manifest (\"format\": \"cir-bundle\" missing)");
    }
    JsonElement version = o.get("format_version");
    if (version != null && version.isJsonPrimitive() && version.getAsJsonPrimitive().isNumber()
        && version.getAsDouble() != FORMAT_VERSION) {
      throw new InvalidModelException(
          source + ": bundle format version " + version.getAsString() + " is not supported (this build reads version "
              + FORMAT_VERSION + "); re-create the bundle with 'cir import' or a matching release");
    }
    ManifestJson m = JsonBinding.bind(o, ManifestJson.class, source, InvalidModelException::new);
    ArchitectureJson a = m.architecture();
    ClipConfig config;
    try {
      config =
          new ClipConfig(
              a.embedDim(), a.imageResolution(), a.visionLayers(), a.visionWidth(), a.visionPatchSize(), a.visionHeads(),
              a.contextLength(), a.vocabSize(), a.transformerWidth(), a.transformerHeads(), a.transformerLayers(),
              Activation.parse(a.activation()));
    } catch (IllegalArgumentException e) {
      throw new InvalidModelException(source + ": field 'architecture': " + e.getMessage(), e);
    }
    int[] sizes =
        m.combiner() == null
            ? null
            : new int[] {m.combiner().featureDim(), m.combiner().projectionDim(), m.combiner().hiddenDim()};
    if ((m.files().combiner() == null) != (sizes == null)) {
      throw new InvalidModelException(source + ": a Combiner needs both \"files\".\"combiner\" and \"combiner\" with its sizes");
    }
    InversionSpec inversion = null;
    if (m.inversion() != null) {
      InversionJson v = m.inversion();
      String placeholder = v.placeholder() != null ? v.placeholder() : PromptTemplate.PLACEHOLDER;
      if (!PromptTemplate.PLACEHOLDER.equals(placeholder)) {
        throw new InvalidModelException(
            source + ": inversion placeholder '" + placeholder + "' is not supported; this build reads '"
                + PromptTemplate.PLACEHOLDER + "'");
      }
      if (m.files().inversion() == null) {
        throw new InvalidModelException(source + ": \"inversion\" is described but \"files\" names no inversion file");
      }
      try {
        inversion =
            new InversionSpec(m.files().inversion(), v.featureDim(), v.hiddenDim(), v.tokenDim(), v.hiddenLayers(), v.template());
      } catch (IllegalArgumentException e) {
        throw new InvalidModelException(source + ": inversion: " + e.getMessage(), e);
      }
    }
    Map<String, String> provenance = new LinkedHashMap<>();
    if (m.provenance() != null) {
      m.provenance().forEach((k, e) -> provenance.put(k, e.isJsonPrimitive() ? e.getAsString() : e.toString()));
    }
    return new BundleManifest(
        m.formatVersion(), m.name(), config, m.preprocess().name(),
        m.preprocess().targetRatio() != null ? m.preprocess().targetRatio() : 1.25, m.files().clip(), m.files().tokenizer(),
        m.files().combiner(), sizes, m.checksums(), provenance, inversion);
  }

  /** {@code bundle.json} as written by {@link #toJson}; the JSON names are these in snake_case. */
  private record ManifestJson(
      String format,
      int formatVersion,
      @Optional String name,
      ArchitectureJson architecture,
      PreprocessJson preprocess,
      FilesJson files,
      @Optional CombinerJson combiner,
      @Optional InversionJson inversion,
      @Optional Map<String, String> checksums,
      @Optional Map<String, JsonElement> provenance) {}

  private record ArchitectureJson(
      int embedDim,
      int imageResolution,
      int[] visionLayers,
      int visionWidth,
      int visionPatchSize,
      int visionHeads,
      int contextLength,
      int vocabSize,
      int transformerWidth,
      int transformerHeads,
      int transformerLayers,
      String activation) {}

  private record PreprocessJson(String name, @Optional Double targetRatio) {}

  private record FilesJson(String clip, String tokenizer, @Optional String combiner, @Optional String inversion) {}

  private record CombinerJson(int featureDim, int projectionDim, int hiddenDim) {}

  private record InversionJson(int featureDim, int hiddenDim, int tokenDim, int hiddenLayers, String template, @Optional String placeholder) {}
}
