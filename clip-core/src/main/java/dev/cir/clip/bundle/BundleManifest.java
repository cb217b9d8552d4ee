package dev.cir.clip.bundle;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.cir.clip.io.InvalidModelException;
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
    JsonObject o;
    try {
      JsonElement e = JsonParser.parseString(json);
      if (!e.isJsonObject()) {
        throw new InvalidModelException(source + ": not a JSON object");
      }
      o = e.getAsJsonObject();
    } catch (JsonParseException e) {
      throw new InvalidModelException(source + ": not valid JSON: " + e.getMessage(), e);
    }
    try {
      if (!o.has("format") || !"cir-bundle".equals(o.get("format").getAsString())) {
        throw new InvalidModelException(source + ": not a model bundle manifest (\"format\": \"cir-bundle\" missing)");
      }
      int version = o.get("format_version").getAsInt();
      if (version != FORMAT_VERSION) {
        throw new InvalidModelException(
            source + ": bundle format version " + version + " is not supported (this build reads version "
                + FORMAT_VERSION + "); re-create the bundle with 'cir import' or a matching release");
      }
      JsonObject a = o.getAsJsonObject("architecture");
      JsonArray layersJson = a.getAsJsonArray("vision_layers");
      int[] layers = new int[layersJson.size()];
      for (int i = 0; i < layers.length; i++) {
        layers[i] = layersJson.get(i).getAsInt();
      }
      ClipConfig config =
          new ClipConfig(
              a.get("embed_dim").getAsInt(),
              a.get("image_resolution").getAsInt(),
              layers,
              a.get("vision_width").getAsInt(),
              a.get("vision_patch_size").getAsInt(),
              a.get("vision_heads").getAsInt(),
              a.get("context_length").getAsInt(),
              a.get("vocab_size").getAsInt(),
              a.get("transformer_width").getAsInt(),
              a.get("transformer_heads").getAsInt(),
              a.get("transformer_layers").getAsInt(),
              Activation.parse(a.get("activation").getAsString()));
      JsonObject pre = o.getAsJsonObject("preprocess");
      JsonObject files = o.getAsJsonObject("files");
      int[] sizes = null;
      if (o.has("combiner") && o.get("combiner").isJsonObject()) {
        JsonObject c = o.getAsJsonObject("combiner");
        sizes =
            new int[] {
              c.get("feature_dim").getAsInt(), c.get("projection_dim").getAsInt(), c.get("hidden_dim").getAsInt()
            };
      }
      InversionSpec inversion = null;
      if (o.has("inversion") && o.get("inversion").isJsonObject()) {
        JsonObject v = o.getAsJsonObject("inversion");
        String placeholder = v.has("placeholder") ? v.get("placeholder").getAsString() : PromptTemplate.PLACEHOLDER;
        if (!PromptTemplate.PLACEHOLDER.equals(placeholder)) {
          throw new InvalidModelException(
              source + ": inversion placeholder '" + placeholder + "' is not supported; this build reads '"
                  + PromptTemplate.PLACEHOLDER + "'");
        }
        if (!files.has("inversion")) {
          throw new InvalidModelException(source + ": \"inversion\" is described but \"files\" names no inversion file");
        }
        try {
          inversion =
              new InversionSpec(
                  files.get("inversion").getAsString(), v.get("feature_dim").getAsInt(), v.get("hidden_dim").getAsInt(),
                  v.get("token_dim").getAsInt(), v.get("hidden_layers").getAsInt(), v.get("template").getAsString());
        } catch (IllegalArgumentException e) {
          throw new InvalidModelException(source + ": inversion: " + e.getMessage(), e);
        }
      }
      Map<String, String> checksums = new LinkedHashMap<>();
      if (o.has("checksums") && o.get("checksums").isJsonObject()) {
        for (Map.Entry<String, JsonElement> e : o.getAsJsonObject("checksums").entrySet()) {
          checksums.put(e.getKey(), e.getValue().getAsString());
        }
      }
      Map<String, String> provenance = new LinkedHashMap<>();
      if (o.has("provenance") && o.get("provenance").isJsonObject()) {
        for (Map.Entry<String, JsonElement> e : o.getAsJsonObject("provenance").entrySet()) {
          provenance.put(e.getKey(), e.getValue().isJsonPrimitive() ? e.getValue().getAsString() : e.getValue().toString());
        }
      }
      return new BundleManifest(
          version,
          o.has("name") ? o.get("name").getAsString() : null,
          config,
          pre.get("name").getAsString(),
          pre.has("target_ratio") ? pre.get("target_ratio").getAsDouble() : 1.25,
          files.get("clip").getAsString(),
          files.get("tokenizer").getAsString(),
          files.has("combiner") ? files.get("combiner").getAsString() : null,
          sizes,
          checksums,
          provenance,
          inversion);
    } catch (InvalidModelException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new InvalidModelException(
          source + ": incomplete or malformed manifest (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")", e);
    }
  }
}
