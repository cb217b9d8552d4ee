package dev.cir.bench;

import dev.cir.clip.bundle.ModelBundle;
import dev.cir.clip.encoder.CirEncoder;
import dev.cir.clip.encoder.CombineMode;
import dev.cir.clip.encoder.EncoderOptions;
import dev.cir.clip.model.Precision;
import dev.cir.eval.data.CirDataset;
import dev.cir.eval.data.GalleryImage;
import dev.cir.eval.data.JsonlReader;
import dev.cir.eval.data.Triplet;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * What a reduced precision changes in retrieval: a bundle's gallery (the images of a JSONL
 * dataset's splits, test first, up to a size) and its composed queries (the test triplets,
 * reference and caption through the Combiner, or the sum without one) encoded once in float32 and
 * once in the other precision; then, per query, how many of float32's ten nearest gallery images
 * the other precision's ten nearest share.
 */
public final class PrecisionFidelity {
  public record Result(
      String bundle, Precision precision, String mode, int gallery, int queries, double meanOverlap, double minOverlap,
      double fractionIdentical, double minImageCosine, double meanImageCosine, double minQueryCosine, double meanQueryCosine,
      double exactGallerySeconds, double lowGallerySeconds) {
    public String toMarkdown() {
      StringBuilder s = new StringBuilder();
      s.append(
          String.format(
              Locale.ROOT, "%nRetrieval with %s against float32: bundle %s, a gallery of %,d images, %d queries (%s)%n%n", precision, bundle,
              gallery, queries, mode));
      s.append("| measure | value |\n|---|---:|\n");
      s.append(String.format(Locale.ROOT, "| top-10 overlap, mean | %.4f |%n", meanOverlap));
      s.append(String.format(Locale.ROOT, "| top-10 overlap, worst query | %.1f |%n", minOverlap));
      s.append(String.format(Locale.ROOT, "| queries with the same ten | %.1f%% |%n", 100 * fractionIdentical));
      s.append(String.format(Locale.ROOT, "| gallery features' cosine, worst / mean | %.6f / %.6f |%n", minImageCosine, meanImageCosine));
      s.append(String.format(Locale.ROOT, "| query vectors' cosine, worst / mean | %.6f / %.6f |%n", minQueryCosine, meanQueryCosine));
      s.append(
          String.format(
              Locale.ROOT, "| gallery encoding, float32 / %s | %.1f s / %.1f s (%.2f×) |%n", precision, exactGallerySeconds, lowGallerySeconds,
              exactGallerySeconds / lowGallerySeconds));
      return s.toString();
    }
  }

  private record Encoded(float[][] gallery, float[][] queries, double gallerySeconds) {}

  private PrecisionFidelity() {}

  public static Result run(Path bundleDir, Path dataRoot, int gallerySize, int maxQueries, Precision low, Consumer<String> progress) {
    if (low == Precision.FLOAT32) {
      throw new IllegalArgumentException("compare a reduced precision with float32, not float32 with itself");
    }
    JsonlReader reader = new JsonlReader(dataRoot);
    CirDataset test = reader.read("test");
    Map<String, Path> images = new LinkedHashMap<>();
    List<String> splits = new ArrayList<>(List.of("test"));
    reader.splits().stream().filter(sp -> !sp.equals("test")).forEach(splits::add);
    for (String split : splits) {
      for (GalleryImage g : split.equals("test") ? test.gallery() : reader.readGallery(split)) {
        if (images.size() < gallerySize) {
          images.putIfAbsent(g.id(), g.path());
        }
      }
    }
    List<String> ids = new ArrayList<>(images.keySet());
    List<Path> files = new ArrayList<>(images.values());
    Map<String, Integer> row = new HashMap<>();
    for (int i = 0; i < ids.size(); i++) {
      row.put(ids.get(i), i);
    }
    List<Triplet> queries = test.triplets().stream().filter(t -> row.containsKey(t.reference())).limit(maxQueries).toList();
    if (queries.isEmpty()) {
      throw new IllegalArgumentException("no test triplet of " + dataRoot + " has its reference among the gallery's first " + gallerySize + " images");
    }
    ModelBundle bundle = ModelBundle.open(bundleDir);
    String[] mode = new String[1];
    Encoded exact = encode(bundle, Precision.FLOAT32, files, queries, row, test, mode, progress);
    Encoded lowEnc = encode(bundle, low, files, queries, row, test, mode, progress);
    double[] imageCos = cosines(exact.gallery, lowEnc.gallery);
    double[] queryCos = cosines(exact.queries, lowEnc.queries);
    float[][] g32 = normalized(exact.gallery);
    float[][] g16 = normalized(lowEnc.gallery);
    double sum = 0;
    double min = 10;
    int identical = 0;
    for (int q = 0; q < queries.size(); q++) {
      int[] a = top(g32, exact.queries[q], 10);
      int[] b = top(g16, lowEnc.queries[q], 10);
      int shared = 0;
      for (int x : a) {
        for (int y : b) {
          if (x == y) {
            shared++;
            break;
          }
        }
      }
      sum += shared / 10.0;
      min = Math.min(min, shared);
      identical += shared == 10 ? 1 : 0;
    }
    return new Result(
        bundleDir.getFileName().toString(), low, mode[0], files.size(), queries.size(), sum / queries.size(), min / 10.0,
        identical / (double) queries.size(), min(imageCos), mean(imageCos), min(queryCos), mean(queryCos), exact.gallerySeconds,
        lowEnc.gallerySeconds);
  }

  private static Encoded encode(
      ModelBundle bundle, Precision p, List<Path> files, List<Triplet> queries, Map<String, Integer> row, CirDataset test, String[] mode,
      Consumer<String> progress) {
    try (CirEncoder enc = CirEncoder.open(bundle, EncoderOptions.defaults().withPrecision(p))) {
      progress.accept("encoding " + files.size() + " gallery images in " + p);
      long t = System.nanoTime();
      float[][] gallery = enc.encodeImages(files);
      double secs = (System.nanoTime() - t) / 1e9;
      progress.accept(String.format(Locale.ROOT, "%s gallery: %.1f s", p, secs));
      float[][] refs = new float[queries.size()][];
      List<String> texts = new ArrayList<>();
      for (int i = 0; i < queries.size(); i++) {
        refs[i] = gallery[row.get(queries.get(i).reference())];
        texts.add(test.captions().evaluationText(queries.get(i)));
      }
      float[][] text = enc.encodeTexts(texts);
      CombineMode m = enc.hasCombiner() ? CombineMode.COMBINER : CombineMode.SUM;
      mode[0] = m == CombineMode.COMBINER ? "reference + caption through the Combiner" : "reference + caption, summed";
      var c = enc.combine(refs, text, m);
      float[][] q = new float[queries.size()][];
      for (int i = 0; i < q.length; i++) {
        q[i] = c.vector(i);
      }
      return new Encoded(gallery, q, secs);
    }
  }

  private static int[] top(float[][] gallery, float[] query, int k) {
    float[] qn = normalized(new float[][] {query})[0];
    int[] best = new int[k];
    double[] score = new double[k];
    java.util.Arrays.fill(score, Double.NEGATIVE_INFINITY);
    java.util.Arrays.fill(best, -1);
    for (int i = 0; i < gallery.length; i++) {
      double s = 0;
      for (int d = 0; d < qn.length; d++) {
        s += (double) qn[d] * gallery[i][d];
      }
      if (s > score[k - 1]) {
        int j = k - 1;
        while (j > 0 && score[j - 1] < s) {
          score[j] = score[j - 1];
          best[j] = best[j - 1];
          j--;
        }
        score[j] = s;
        best[j] = i;
      }
    }
    return best;
  }

  private static float[][] normalized(float[][] rows) {
    float[][] out = new float[rows.length][];
    for (int i = 0; i < rows.length; i++) {
      double n = 0;
      for (float v : rows[i]) {
        n += (double) v * v;
      }
      float inv = (float) (1 / Math.sqrt(n));
      out[i] = new float[rows[i].length];
      for (int d = 0; d < rows[i].length; d++) {
        out[i][d] = rows[i][d] * inv;
      }
    }
    return out;
  }

  private static double[] cosines(float[][] a, float[][] b) {
    double[] c = new double[a.length];
    for (int i = 0; i < a.length; i++) {
      c[i] = EncoderBenchmark.cosine(a[i], b[i]);
    }
    return c;
  }

  private static double min(double[] v) {
    return java.util.Arrays.stream(v).min().orElse(Double.NaN);
  }

  private static double mean(double[] v) {
    return java.util.Arrays.stream(v).average().orElse(Double.NaN);
  }
}
