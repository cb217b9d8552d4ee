package dev.cir.clip.bundle;

import dev.cir.clip.text.PromptTemplate;
import java.util.Objects;

/**
 * What {@code bundle.json} says of the bundle's inversion network φ (zero-shot composed retrieval):
 * its file, its sizes, and the prompt template its queries use.
 *
 * @param file the safetensors file, {@link BundleManifest#INVERSION_FILE}
 * @param featureDim φ's input: the image features' dimension (the bundle's embedding)
 * @param hiddenDim the hidden layers' width
 * @param tokenDim φ's output: the text tower's token-embedding width
 * @param hiddenLayers hidden layers
 * @param template the query template, {@code $} for the reference's pseudo-word and {@code {text}}
 *     for the modification
 */
public record InversionSpec(String file, int featureDim, int hiddenDim, int tokenDim, int hiddenLayers, String template) {
  public InversionSpec {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(template, "template");
    if (featureDim < 1 || hiddenDim < 1 || tokenDim < 1 || hiddenLayers < 1) {
      throw new IllegalArgumentException(
          "inversion sizes must be positive: feature " + featureDim + ", hidden " + hiddenDim + " x " + hiddenLayers
              + ", token " + tokenDim);
    }
    PromptTemplate.query(template);
  }

  /** The template as a checked {@link PromptTemplate}. */
  public PromptTemplate queryTemplate() {
    return PromptTemplate.query(template);
  }

  /** This spec with another query template. */
  public InversionSpec withTemplate(String t) {
    return new InversionSpec(file, featureDim, hiddenDim, tokenDim, hiddenLayers, t);
  }
}
