package dev.cir.train.combiner;

import dev.cir.clip.bundle.ModelBundle;
import dev.cir.clip.encoder.CirEncoder;
import dev.cir.eval.data.CirDataset;
import dev.cir.eval.data.GalleryImage;
import dev.cir.eval.data.Triplet;
import dev.cir.eval.progress.Progress;
import dev.cir.eval.progress.ProgressReporter;
import dev.cir.eval.validate.CompositionEvaluator;
import dev.cir.eval.validate.FeatureCache;
import dev.cir.eval.validate.GalleryEncoder;
import dev.cir.train.clip.ComposedTask;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The frozen encoders' features of every training triplet, computed once: reference and target
 * image features, and the text features of every caption variant a step may draw (FashionIQ's
 * four). Stage 2 then trains on these rows alone. Image and text features are also kept on disk,
 * keyed by the CLIP weights and the content, so a resumed or repeated run encodes nothing.
 */
public final class TripletFeatures {
  private final int dim;
  private final float[][] images;
  private final float[][] texts;
  private final int[] reference;
  private final int[] target;
  private final int[][] variants;
  private final int[][] negatives;

  TripletFeatures(int dim, float[][] images, float[][] texts, int[] reference, int[] target, int[][] variants) {
    this(dim, images, texts, reference, target, variants, new int[reference.length][]);
  }

  TripletFeatures(
      int dim, float[][] images, float[][] texts, int[] reference, int[] target, int[][] variants, int[][] negatives) {
    this.dim = dim;
    this.images = images;
    this.texts = texts;
    this.reference = reference;
    this.target = target;
    this.variants = variants;
    this.negatives = negatives;
    for (int i = 0; i < negatives.length; i++) {
      if (negatives[i] == null) {
        negatives[i] = new int[0];
      }
    }
  }

  /** Encodes (or reads from {@code cacheDir}) the features of {@code data}'s triplets. */
  public static TripletFeatures compute(
      CirEncoder encoder, ModelBundle bundle, CirDataset data, Path cacheDir, ProgressReporter progress) throws IOException {
    return compute(encoder, bundle, data, cacheDir, 0, false, progress);
  }

  /**
   * The same, with the features of up to {@code hardNegatives} member images per triplet (other
   * than its reference and target), stage 2's extra negatives, and with {@code wholeGallery} those
   * of every image of the split's gallery too (after the triplets' own, in gallery order).
   */
  public static TripletFeatures compute(
      CirEncoder encoder, ModelBundle bundle, CirDataset data, Path cacheDir, int hardNegatives, boolean wholeGallery,
      ProgressReporter progress)
      throws IOException {
    return compute(encoder, bundle, data, cacheDir, hardNegatives, wholeGallery, progress, null);
  }

  /** The same, saying first on {@code log} how large the cached features will be. */
  public static TripletFeatures compute(
      CirEncoder encoder, ModelBundle bundle, CirDataset data, Path cacheDir, int hardNegatives, boolean wholeGallery,
      ProgressReporter progress, java.io.PrintWriter log)
      throws IOException {
    Map<String, Integer> imageIndex = new LinkedHashMap<>();
    List<Triplet> triplets = data.triplets();
    int[] reference = new int[triplets.size()];
    int[] target = new int[triplets.size()];
    int[][] variants = new int[triplets.size()][];
    int[][] negatives = new int[triplets.size()][];
    Map<String, Integer> textIndex = new LinkedHashMap<>();
    for (int i = 0; i < triplets.size(); i++) {
      Triplet t = triplets.get(i);
      if (!t.hasTarget()) {
        throw new IllegalArgumentException("training triplet '" + t.id() + "' has no target");
      }
      reference[i] = imageIndex.computeIfAbsent(t.reference(), k -> imageIndex.size());
      target[i] = imageIndex.computeIfAbsent(t.target(), k -> imageIndex.size());
      negatives[i] =
          ComposedTask.hardNegatives(t, hardNegatives).stream()
              .mapToInt(id -> imageIndex.computeIfAbsent(id, k -> imageIndex.size()))
              .toArray();
      List<String> v = data.captions().trainingVariants(t);
      variants[i] = new int[v.size()];
      for (int k = 0; k < v.size(); k++) {
        variants[i][k] = textIndex.computeIfAbsent(v.get(k), x -> textIndex.size());
      }
    }
    if (wholeGallery) {
      for (String id : data.gallery().ids()) {
        imageIndex.computeIfAbsent(id, k -> imageIndex.size());
      }
    }
    if (log != null) {
      log.printf(java.util.Locale.ROOT, "features to cache: %,d images and %,d caption variants, %.1f MiB of the %.1f MiB heap%n",
          imageIndex.size(), textIndex.size(), bytes(imageIndex.size(), textIndex.size(), encoder.dimension()) / 1048576.0,
          Runtime.getRuntime().maxMemory() / 1048576.0);
      log.flush();
    }
    checkHeap(imageIndex.size(), textIndex.size(), encoder.dimension(), Runtime.getRuntime().maxMemory());
    List<Path> files = new ArrayList<>();
    for (String id : imageIndex.keySet()) {
      GalleryImage g = data.gallery().get(id);
      files.add(g.path());
    }
    float[][] images =
        new GalleryEncoder(encoder, imageCache(bundle, cacheDir), progress).encode(files, "training image features").features();
    float[][] texts = encodeTexts(encoder, new ArrayList<>(textIndex.keySet()), textCache(bundle, cacheDir), progress);
    return new TripletFeatures(encoder.dimension(), images, texts, reference, target, variants, negatives);
  }

  /** Bytes the cached features of {@code images} images and {@code texts} texts take on the heap (float32 rows). */
  public static long bytes(long images, long texts, int dim) {
    return (images + texts) * ((long) dim * Float.BYTES + 16); // a float[] each, with its array header
  }

  /**
   * Refuses, before anything is encoded, features that would take more than half of the heap: the
   * training batches and the Combiner's own arrays need the rest.
   *
   * @throws IllegalStateException saying how large they are and what to change
   */
  static void checkHeap(long images, long texts, int dim, long maxHeap) {
    long need = bytes(images, texts, dim);
    if (need > maxHeap / 2) {
      throw new IllegalStateException(String.format(java.util.Locale.ROOT,
          "the features of %,d images and %,d caption variants take %.1f MiB, more than half of the Java heap (%.1f MiB);"
              + " give the JVM more heap (CIR_JAVA_OPTS=-Xmx%dm or more), or leave the rest of the gallery out"
              + " (--no-gallery-negatives)", images, texts, need / 1048576.0, maxHeap / 1048576.0, Math.max(1024, (long) Math.ceil(need * 2.5 / 1048576.0))));
    }
  }

  /** The cache of image features of this bundle's CLIP weights (validation shares it: stage 2 never changes them). */
  public static FeatureCache imageCache(ModelBundle bundle, Path dir) {
    return new FeatureCache(dir, CompositionEvaluator.modelKey(clipKey(bundle), bundle.manifest().preprocess(), bundle.manifest().targetRatio()));
  }

  /** The text features of a bundle's text tower and tokenizer, in {@code dir}. */
  public static FeatureCache textCache(ModelBundle bundle, Path dir) {
    return new FeatureCache(dir, "text|" + clipKey(bundle) + "|" + bundle.manifest().tokenizerFile()
        + "|" + bundle.manifest().checksums().getOrDefault(bundle.manifest().tokenizerFile(), ModelBundle.checksum(bundle.tokenizerFile())));
  }

  /** Identifies the CLIP weights alone (a Combiner added to the bundle does not change them). */
  static String clipKey(ModelBundle bundle) {
    String sum = bundle.manifest().checksums().get(bundle.manifest().clipFile());
    return "clip " + (sum != null ? sum : ModelBundle.checksum(bundle.clipFile()));
  }

  /** Raw features of {@code texts}, from {@code cache} where it has them, encoded and cached otherwise. */
  public static float[][] encodeTexts(CirEncoder encoder, List<String> texts, FeatureCache cache, ProgressReporter progress)
      throws IOException {
    float[][] out = new float[texts.size()][];
    List<Integer> todo = new ArrayList<>();
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < texts.size(); i++) {
      String key = sha256(texts.get(i));
      keys.add(key);
      int k = i;
      cache.get(key).ifPresent(f -> out[k] = f);
      if (out[i] == null) {
        todo.add(i);
      }
    }
    try (Progress bar = todo.isEmpty() ? Progress.none() : progress.start("training text features", todo.size())) {
      for (int s = 0; s < todo.size(); s += 256) {
        List<Integer> part = todo.subList(s, Math.min(todo.size(), s + 256));
        float[][] f = encoder.encodeTexts(part.stream().map(texts::get).toList());
        for (int j = 0; j < part.size(); j++) {
          out[part.get(j)] = f[j];
          cache.put(keys.get(part.get(j)), f[j]);
        }
        bar.step(part.size());
      }
    }
    cache.flush();
    return out;
  }

  private static String sha256(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public int dim() {
    return dim;
  }

  public int triplets() {
    return reference.length;
  }

  /** Raw features of the reference image of triplet {@code i}. */
  public float[] reference(int i) {
    return images[reference[i]];
  }

  public float[] target(int i) {
    return images[target[i]];
  }

  /** How many distinct images the features cover (references, targets, hard negatives, the gallery if asked). */
  public int images() {
    return images.length;
  }

  /** Raw features of image {@code k}, 0 ≤ k < {@link #images()}. */
  public float[] image(int k) {
    return images[k];
  }

  /** The image index of triplet {@code i}'s reference. */
  public int referenceIndex(int i) {
    return reference[i];
  }

  /** The image index of triplet {@code i}'s target. */
  public int targetIndex(int i) {
    return target[i];
  }

  /** Raw features of the hard negatives of triplet {@code i} (none unless asked for). */
  public float[][] negatives(int i) {
    float[][] out = new float[negatives[i].length][];
    for (int k = 0; k < out.length; k++) {
      out[k] = images[negatives[i][k]];
    }
    return out;
  }

  /** How many caption variants triplet {@code i} has. */
  public int variants(int i) {
    return variants[i].length;
  }

  /** Text features of caption variant {@code k} of triplet {@code i}. */
  public float[] text(int i, int k) {
    return texts[variants[i][k]];
  }

  /** Features given directly (tests, benchmarks): one reference, target and text row per triplet. */
  public static TripletFeatures of(float[][] reference, float[][] text, float[][] target) {
    int n = reference.length;
    float[][] images = new float[2 * n][];
    int[] ref = new int[n];
    int[] tgt = new int[n];
    int[][] var = new int[n][];
    for (int i = 0; i < n; i++) {
      images[i] = reference[i];
      images[n + i] = target[i];
      ref[i] = i;
      tgt[i] = n + i;
      var[i] = new int[] {i};
    }
    return new TripletFeatures(reference[0].length, images, text, ref, tgt, var);
  }
}
