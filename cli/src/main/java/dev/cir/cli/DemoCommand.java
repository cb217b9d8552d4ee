package dev.cir.cli;

import dev.cir.clip.bundle.BundleWriter;
import dev.cir.clip.bundle.ModelBundle;
import dev.cir.clip.encoder.CirEncoder;
import dev.cir.clip.encoder.Combination;
import dev.cir.clip.encoder.CombineMode;
import dev.cir.clip.encoder.EncoderOptions;
import dev.cir.clip.model.ClipConfig;
import dev.cir.clip.text.CaptionVocabulary;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.Polygon;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import javax.imageio.ImageIO;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A self-contained run of the encoding pipeline: draws images, builds a small CLIP with a
 * Combiner and a word-level tokenizer, writes them as a bundle, reads the bundle back, encodes the
 * images and their captions, and composes one query. Nothing is read from outside the work folder.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Run the pipeline end to end on data it draws itself: bundle written and read back, images and",
      "captions encoded, a composed query ranked. Needs no download and no GPU."
    })
final class DemoCommand implements Callable<Integer> {
  private static final Map<String, Color> COLORS =
      mapOf("red", new Color(220, 40, 40), "green", new Color(40, 170, 60), "blue", new Color(40, 80, 220));
  private static final List<String> SHAPES = List.of("circle", "square", "triangle", "cross");

  @Option(names = "--work", paramLabel = "DIR", description = "Folder for the images and the bundle (default: ${DEFAULT-VALUE}).")
  Path work = Path.of("work", "demo");

  @Option(names = "--seed", paramLabel = "S", description = "Seed of the random weights (default: ${DEFAULT-VALUE}).")
  int seed = 42;

  private final PrintWriter out;

  @Inject
  DemoCommand(@Named("out") PrintWriter out) {
    this.out = out;
  }

  @Override
  public Integer call() throws IOException {
    long start = System.nanoTime();
    Path images = Files.createDirectories(work.resolve("images"));
    List<Path> files = new ArrayList<>();
    List<String> captions = new ArrayList<>();
    for (String shape : SHAPES) {
      for (Map.Entry<String, Color> c : COLORS.entrySet()) {
        Path f = images.resolve(c.getKey() + "_" + shape + ".png");
        ImageIO.write(draw(shape, c.getValue()), "png", f.toFile());
        files.add(f);
        captions.add("a " + c.getKey() + " " + shape);
      }
    }
    out.printf(Locale.ROOT, "drew %d images in %s%n", files.size(), images);

    List<String> corpus = new ArrayList<>(captions);
    corpus.add("make it blue");
    CaptionVocabulary vocab = CaptionVocabulary.builder().build(corpus);
    Path tokenizer = work.resolve("tokenizer.json");
    vocab.writeTokenizerJson(tokenizer);
    ClipConfig config = ClipConfig.tiny(vocab.size());
    ModelBundle bundle =
        BundleWriter.writeRandom(work.resolve("bundle"), "tiny", config, tokenizer, true, seed, Map.of("created_by", "cir demo"));
    out.printf(Locale.ROOT, "wrote the bundle %s%n", bundle);

    try (CirEncoder enc = CirEncoder.open(ModelBundle.open(bundle.dir()), EncoderOptions.defaults())) {
      float[][] img = enc.encodeImages(files);
      float[][] txt = enc.encodeTexts(captions);
      out.printf(Locale.ROOT, "%nencoded %d images and %d captions into %d-dimensional features%n", img.length, txt.length, enc.dimension());
      out.println("cosine similarity, image (rows) x caption (columns):");
      StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "%-16s", ""));
      for (int j = 0; j < captions.size(); j++) {
        head.append(String.format(Locale.ROOT, " %6s", "c" + j));
      }
      out.println(head);
      for (int i = 0; i < files.size(); i++) {
        StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%-16s", name(files.get(i))));
        for (int j = 0; j < captions.size(); j++) {
          row.append(String.format(Locale.ROOT, " %6.3f", cosine(img[i], txt[j])));
        }
        out.println(row);
      }
      for (int j = 0; j < captions.size(); j++) {
        out.printf(Locale.ROOT, "  c%-3d %s%n", j, captions.get(j));
      }
      int ref = 0;
      String mod = "make it blue";
      float[] text = enc.encodeText(mod);
      out.printf(Locale.ROOT, "%ncomposed query: %s + \"%s\"%n", name(files.get(ref)), mod);
      for (CombineMode mode : new CombineMode[] {CombineMode.COMBINER, CombineMode.SUM}) {
        Combination q = enc.combine(new float[][] {img[ref]}, new float[][] {text}, mode);
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
          order.add(i);
        }
        float[] query = q.vector(0);
        order.sort((a, b) -> Double.compare(cosine(query, img[b]), cosine(query, img[a])));
        StringBuilder top = new StringBuilder();
        for (int k = 0; k < 3; k++) {
          top.append(String.format(Locale.ROOT, " %s (%.3f)", name(files.get(order.get(k))), cosine(query, img[order.get(k)])));
        }
        out.printf(Locale.ROOT, "  %-8s top 3:%s%s%n", mode.id(), top,
            Float.isNaN(q.lambda(0)) ? "" : String.format(Locale.ROOT, "   λ = %.3f", q.lambda(0)));
      }
    }
    out.printf(Locale.ROOT, "%nThe weights are random: this run checks the pipeline end to end (%.1f s), not what a"
        + " trained model retrieves.%n", (System.nanoTime() - start) / 1e9);
    out.flush();
    return 0;
  }

  private static String name(Path p) {
    String f = p.getFileName().toString();
    return f.substring(0, f.lastIndexOf('.'));
  }

  static double cosine(float[] a, float[] b) {
    double dot = 0;
    double na = 0;
    double nb = 0;
    for (int i = 0; i < a.length; i++) {
      dot += (double) a[i] * b[i];
      na += (double) a[i] * a[i];
      nb += (double) b[i] * b[i];
    }
    return dot / Math.sqrt(na * nb);
  }

  static BufferedImage draw(String shape, Color color) {
    BufferedImage im = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = im.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, 64, 64);
    g.setColor(color);
    switch (shape) {
      case "circle" -> g.fillOval(12, 12, 40, 40);
      case "square" -> g.fillRect(14, 14, 36, 36);
      case "triangle" -> g.fillPolygon(new Polygon(new int[] {32, 52, 12}, new int[] {10, 52, 52}, 3));
      default -> {
        g.setStroke(new BasicStroke(10));
        g.drawLine(14, 14, 50, 50);
        g.drawLine(50, 14, 14, 50);
      }
    }
    g.dispose();
    return im;
  }

  private static Map<String, Color> mapOf(Object... kv) {
    Map<String, Color> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], (Color) kv[i + 1]);
    }
    return m;
  }
}
