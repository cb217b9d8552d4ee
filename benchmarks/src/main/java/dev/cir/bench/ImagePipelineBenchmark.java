package dev.cir.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import dev.cir.clip.encoder.Engines;
import dev.cir.clip.image.ImageDecoder;
import dev.cir.clip.image.ImagePreprocessor;
import dev.cir.clip.image.ImageTransform;
import dev.cir.clip.model.ClipModel;
import dev.cir.eval.data.GalleryImage;
import dev.cir.eval.data.JsonlReader;
import dev.cir.train.TrainingPresets;
import dev.cir.train.clip.TinyClip;
import dev.cir.train.data.StreamedImages;
import dev.cir.train.loop.TrainingLoop;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import javax.imageio.ImageIO;

/**
 * {@code cir bench images}: how fast the streamed training-image pipeline ({@code --image-cache
 * none}) turns image files into batches of model inputs, with each number of decode workers: the
 * images of a dataset's training split, announced ahead as the training loop announces them, taken
 * in batches (decoding, resizing, cropping and normalizing included), at the dataset's own image
 * size as the model's input size; and, at the same size, how many images a second stage-1 updates
 * of the tiny architecture consume (the tiny recipe's batch and hard negatives, inputs already in
 * memory), which is the rate the pipeline has to keep up with.
 */
public final class ImagePipelineBenchmark {
  private ImagePipelineBenchmark() {}

  public record Settings(List<Path> roots, List<Integer> workers, int images, int batch, int modelBatch, int updates) {}

  public static String run(Settings s, Consumer<String> log) throws IOException {
    StringBuilder md = new StringBuilder();
    md.append("Machine: ").append(MachineDescription.describe()).append("\n\n");
    md.append(String.format(Locale.ROOT, "%d training images of each dataset, in batches of %d, decoded ahead by the workers.%n%n",
        s.images(), s.batch()));
    md.append("| dataset | image size px | workers | images/s | MiB/s of 8-bit planes | against the model's rate |\n"
        + "|---|---:|---:|---:|---:|---:|\n");
    StringBuilder model = new StringBuilder();
    int negatives = TrainingPresets.tinySynthetic().composed().hardNegatives();
    int perUpdate = TrainingBenchmark.StepTask.imagesPerUpdate(s.modelBatch(), negatives);
    model.append(String.format(Locale.ROOT, "%nWhat the model consumes: stage-1 updates of the tiny architecture at the same size (both towers, AdamW),"
        + " batch %d with %d hard negatives = %d images an update, inputs already in memory; %d timed updates after one.%n%n",
        s.modelBatch(), negatives, perUpdate, s.updates()));
    model.append("| image size px | s an update (median) | updates/s | images/s |\n|---:|---:|---:|---:|\n");
    Map<Integer, Double> consumed = new HashMap<>();
    for (Path root : s.roots()) {
      List<GalleryImage> all = new JsonlReader(root).read("train").gallery().images();
      List<GalleryImage> images = all.subList(0, Math.min(all.size(), s.images()));
      int px = ImageIO.read(images.get(0).path().toFile()).getWidth();
      ImagePreprocessor pre = new ImagePreprocessor(new ImageDecoder(), ImageTransform.forName("targetpad", px, 1.25));
      if (!consumed.containsKey(px)) {
        double sec = updateSeconds(px, s.modelBatch(), negatives, s.updates());
        consumed.put(px, perUpdate / sec);
        log.accept(String.format(Locale.ROOT, "tiny stage-1 update at %d px: %.3f s, %.0f images/s", px, sec, perUpdate / sec));
        model.append(String.format(Locale.ROOT, "| %d | %.3f | %.2f | %.0f |%n", px, sec, 1 / sec, perUpdate / sec));
      }
      for (int w : s.workers()) {
        double rate = rate(images, pre, px, w, s.batch());
        log.accept(String.format(Locale.ROOT, "%s at %d px, %d worker(s): %.0f images/s", root, px, w, rate));
        md.append(String.format(Locale.ROOT, "| %s | %d | %d | %.0f | %.1f | %.2fx |%n", root.getFileName(), px, w, rate,
            rate * 3.0 * px * px / 1048576.0, rate / consumed.get(px)));
      }
    }
    md.append(model);
    md.append("\nDecoding and the updates share the same cores when they run together (--image-cache none): a ratio well above"
        + " 1 leaves the model most of them.\n");
    return md.toString();
  }

  /** Median seconds of a tiny stage-1 update at {@code px} over {@code updates} timed ones, after one warm-up. */
  private static double updateSeconds(int px, int batch, int negatives, int updates) {
    Engine engine = Engines.pytorch();
    double[] secs = new double[updates];
    try (NDManager m = engine.newBaseManager()) {
      engine.setRandomSeed(3);
      ClipModel model = ClipModel.random(TinyClip.config(64).withImageResolution(px), m);
      TrainingBenchmark.StepTask task = new TrainingBenchmark.StepTask(model, m, negatives);
      Map<String, Parameter> trainable = task.optimizer().parameters();
      trainable.values().forEach(p -> p.getArray().setRequiresGradient(true));
      int[] positions = new int[batch];
      for (int r = -1; r < updates; r++) {
        long t0 = System.nanoTime();
        TrainingLoop.update(m, task, task.optimizer(), trainable, positions, 1e-5, new SplittableRandom(r), 0);
        if (r >= 0) {
          secs[r] = (System.nanoTime() - t0) / 1e9;
        }
      }
      task.optimizer().close();
    }
    Arrays.sort(secs);
    return secs[updates / 2];
  }

  /** Images per second, after a warm-up pass over a tenth of them. */
  private static double rate(List<GalleryImage> images, ImagePreprocessor pre, int px, int workers, int batch) {
    int warm = Math.max(batch, images.size() / 10);
    pass(images.subList(0, warm), pre, px, workers, batch);
    long t = System.nanoTime();
    pass(images, pre, px, workers, batch);
    return images.size() / ((System.nanoTime() - t) / 1e9);
  }

  private static void pass(List<GalleryImage> images, ImagePreprocessor pre, int px, int workers, int batch) {
    try (StreamedImages s = new StreamedImages(images, pre, px, workers, 2);
        NDManager m = Engines.pytorch().newBaseManager()) {
      List<int[]> batches = new ArrayList<>();
      for (int start = 0; start + batch <= images.size(); start += batch) {
        int[] b = new int[batch];
        Arrays.setAll(b, i -> i);
        for (int i = 0; i < batch; i++) {
          b[i] += start;
        }
        batches.add(b);
      }
      int ahead = 2;
      for (int k = 0; k < Math.min(ahead, batches.size()); k++) {
        s.upcoming(batches.get(k));
      }
      for (int k = 0; k < batches.size(); k++) {
        if (k + ahead < batches.size()) {
          s.upcoming(batches.get(k + ahead));
        }
        s.batch(m, batches.get(k)).close();
      }
    }
  }
}
