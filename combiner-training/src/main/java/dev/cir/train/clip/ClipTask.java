package dev.cir.train.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.cir.clip.bundle.BundleManifest;
import dev.cir.clip.bundle.BundleWriter;
import dev.cir.clip.bundle.ModelBundle;
import dev.cir.clip.io.Tensor;
import dev.cir.clip.model.ClipModel;
import dev.cir.clip.text.ClipTokenizer;
import dev.cir.train.loop.TrainingTask;
import dev.cir.train.optim.AdamW;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/** What the two CLIP objectives share: the model, its tokenizer, and writing it as a bundle. */
abstract class ClipTask implements TrainingTask {
  protected final ClipStart start;
  protected final NDManager manager;
  protected final ClipModel model;
  protected final ParameterStore ps;
  protected final ClipTokenizer tokenizer;
  protected AdamW optimizer;

  ClipTask(ClipStart start, ClipModel model, NDManager manager) {
    this.start = start;
    this.manager = manager;
    this.model = model;
    this.ps = new ParameterStore(manager, false);
    this.tokenizer = ClipTokenizer.load(start.tokenizer(), start.config().contextLength());
    tokenizer.checkCompatible(start.config().vocabSize(), start.config().contextLength());
  }

  @Override
  public AdamW optimizer() {
    return optimizer;
  }

  /** Token rows as one int64 batch [n, context]. */
  protected NDArray tokens(NDManager m, long[][] rows) {
    int n = rows[0].length;
    long[] flat = new long[rows.length * n];
    for (int i = 0; i < rows.length; i++) {
      System.arraycopy(rows[i], 0, flat, i * n, n);
    }
    return m.create(flat, new Shape(rows.length, n));
  }

  @Override
  public Map<String, Tensor> weights() {
    return model.stateDict();
  }

  @Override
  public ModelBundle writeBundle(Path dir, Map<String, String> provenance) throws IOException {
    BundleManifest m =
        new BundleManifest(
            BundleManifest.FORMAT_VERSION, start.name(), start.config(), start.preprocess(), start.targetRatio(),
            BundleManifest.CLIP_FILE, BundleManifest.TOKENIZER_FILE, null, null, null, provenance);
    return BundleWriter.write(dir, m, model.stateDict(), start.tokenizer(), null);
  }

  @Override
  public void close() {
    if (optimizer != null) {
      optimizer.close();
    }
    tokenizer.close();
    manager.close();
  }
}
