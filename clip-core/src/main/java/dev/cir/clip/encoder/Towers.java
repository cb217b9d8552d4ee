package dev.cir.clip.encoder;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDManager;
import ai.djl.translate.NoBatchifyTranslator;
import dev.cir.clip.encoder.Translators.ZeroShotRow;
import dev.cir.clip.model.Bf16Kernels;
import dev.cir.clip.model.ClipBlock;
import dev.cir.clip.model.ClipModel;
import dev.cir.clip.model.Combiner;
import dev.cir.clip.model.InferenceKernels;
import dev.cir.clip.model.Inversion;
import dev.cir.clip.model.Precision;
import dev.cir.clip.model.ZeroShotQuery;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bundle's blocks on a device and the passes that run them: the image and text towers of CLIP,
 * the Combiner and the zero-shot query (text tower with φ) when the bundle has them. One {@link
 * MicroBatcher} serves all four; each of its workers holds a DJL predictor of its own per tower
 * (predictors are not thread-safe), so concurrent calls share a pass instead of a predictor.
 */
final class Towers implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Towers.class);
  private final Model clipModel;
  private final Model combinerModel;
  private final Model inversionModel;
  /** null in float32. */
  private final Bf16Kernels bf16;
  /** null when the passes run operation by operation. */
  private final InferenceKernels fused;
  private final Device device;
  private final MicroBatcher passes;
  final MicroBatcher.Tower<float[]> images;
  final MicroBatcher.Tower<long[]> texts;
  /** null without a Combiner. */
  final MicroBatcher.Tower<float[][]> combiner;
  /** null without an inversion network. */
  final MicroBatcher.Tower<ZeroShotRow> zeroShot;

  Towers(
      Device device,
      boolean hasCombiner,
      boolean hasInversion,
      Function<NDManager, ClipModel> clipLoader,
      Function<NDManager, Combiner> combinerLoader,
      Function<NDManager, Inversion> inversionLoader,
      int imageResolution,
      int imageMaxBatch,
      EncoderOptions options) {
    this.device = device;
    Model clip = Model.newInstance("clip", device, "PyTorch");
    Model comb = null;
    Model inv = null;
    MicroBatcher batcher = null;
    Bf16Kernels kernels = null;
    InferenceKernels fast = null;
    try {
      ClipModel clipBlock = clipLoader.apply(clip.getNDManager());
      clip.setBlock(clipBlock);
      if (hasCombiner) {
        comb = Model.newInstance("combiner", device, "PyTorch");
        comb.setBlock(combinerLoader.apply(comb.getNDManager()));
      }
      if (hasInversion) {
        inv = Model.newInstance("inversion", device, "PyTorch");
        inv.setBlock(new ZeroShotQuery(clipBlock.text(), inversionLoader.apply(inv.getNDManager())));
      }
      if (options.precision() == Precision.BF16) {
        // native bfloat16 kernels where the CPU has them, else the same numbers on float32 kernels
        kernels = Bf16Kernels.load(clip.getNDManager());
      }
      if (options.fusedPasses() && !device.isGpu()
          && (kernels == null || kernels.emulated() || Precision.cpuHasNativeBf16())) {
        try {
          fast = InferenceKernels.load(clip.getNDManager());
          clipBlock.useInferenceKernels(fast, options.precision(), kernels != null && kernels.emulated());
          if (comb != null && options.precision() == Precision.FLOAT32) {
            ((Combiner) comb.getBlock()).usePackedLinears(fast);
          }
        } catch (RuntimeException e) {
          // a PyTorch build without oneDNN: every pass runs operation by operation, as with fusedPasses off
          LOG.warn("fused passes are not available in this PyTorch build, running operation by operation: {}", e.toString());
        }
      }
      if (kernels != null) {
        for (Model m : new Model[] {clip, comb, inv}) {
          if (m != null) {
            ((ClipBlock) m.getBlock()).useBf16(kernels);
          }
        }
        if (kernels.emulated() && fast != null && comb != null) {
          // the Combiner's layers on prepacked copies of their rounded weights, as in float32
          ((Combiner) comb.getBlock()).usePackedLinears(fast);
        }
      }
      batcher = new MicroBatcher("encoder", options.predictors(), options.threadsPerPass());
      this.passes = batcher;
      int maxBatch = options.maxBatch();
      this.images = tower("image", imageMaxBatch, clip, new Translators.Pixels(imageResolution), rows -> rows.toArray(new float[0][]));
      this.texts = tower("text", maxBatch, clip, new Translators.Tokens(), rows -> rows.toArray(new long[0][]));
      this.combiner = comb == null ? null : tower("combiner", maxBatch, comb, new Translators.Combine(), Towers::pairs);
      this.zeroShot =
          inv == null ? null : tower("inversion", maxBatch, inv, new Translators.ZeroShot(), rows -> rows.toArray(new ZeroShotRow[0]));
      batcher.start();
    } catch (RuntimeException | Error e) {
      if (batcher != null) {
        batcher.close();
      }
      if (kernels != null) {
        kernels.close();
      }
      if (fast != null) {
        fast.close();
      }
      closeAll(clip, comb, inv);
      throw e;
    }
    this.bf16 = kernels;
    this.fused = fast;
    this.clipModel = clip;
    this.combinerModel = comb;
    this.inversionModel = inv;
  }

  /** Runs {@code batches} through {@code tower}, the results in order. */
  <R> float[][] run(MicroBatcher.Tower<R> tower, List<List<R>> batches, int rows) {
    return PassSizes.concat(passes.runAll(tower, batches), rows);
  }

  /** Whether bf16's products run emulated on float32 kernels ({@link Bf16Kernels#emulated()}); false in float32. */
  boolean bf16Emulated() {
    return bf16 != null && bf16.emulated();
  }

  /** Whether the passes run through {@link InferenceKernels} (else operation by operation). */
  boolean fused() {
    return fused != null;
  }

  Device device() {
    return device;
  }

  /** What each tower has done: passes, rows per pass, waits. */
  List<BatchStats> stats() {
    List<BatchStats> out = new ArrayList<>(List.of(images.stats(), texts.stats()));
    if (combiner != null) {
      out.add(combiner.stats());
    }
    if (zeroShot != null) {
      out.add(zeroShot.stats());
    }
    return out;
  }

  /** Native memory held by the blocks' weights (and their bfloat16 copies), each array once. */
  long weightBytes() {
    List<ClipBlock> roots = new ArrayList<>();
    for (Model m : new Model[] {clipModel, combinerModel, inversionModel}) {
      if (m != null) {
        roots.add((ClipBlock) m.getBlock());
      }
    }
    return ClipBlock.weightBytes(roots);
  }

  @Override
  public void close() {
    passes.close();
    closeAll(clipModel, combinerModel, inversionModel);
    if (bf16 != null) {
      bf16.close();
    }
    if (fused != null) {
      fused.close();
    }
  }

  private static void closeAll(Model... models) {
    for (Model m : models) {
      if (m != null) {
        m.close();
      }
    }
  }

  /** (image, text) rows as the Combiner's two matrices. */
  private static float[][][] pairs(List<float[][]> rows) {
    float[][][] pair = new float[2][rows.size()][];
    for (int i = 0; i < rows.size(); i++) {
      pair[0][i] = rows.get(i)[0];
      pair[1][i] = rows.get(i)[1];
    }
    return pair;
  }

  /** A tower of the batcher: a predictor of its own for each worker. */
  private <R, B> MicroBatcher.Tower<R> tower(
      String name, int maxBatch, Model model, NoBatchifyTranslator<B, float[][]> translator, Function<List<R>, B> toBatch) {
    return passes.tower(name, maxBatch, worker -> new PredictorPass<>(model.newPredictor(translator, device), toBatch));
  }

  /** A worker's pass of one tower: its own DJL predictor, fed the rows as one batch. */
  private static final class PredictorPass<R, B> implements MicroBatcher.Pass<R> {
    private final Predictor<B, float[][]> predictor;
    private final Function<List<R>, B> toBatch;

    PredictorPass(Predictor<B, float[][]> predictor, Function<List<R>, B> toBatch) {
      this.predictor = predictor;
      this.toBatch = toBatch;
    }

    @Override
    public float[][] run(List<R> rows) throws Exception {
      return predictor.predict(toBatch.apply(rows));
    }

    @Override
    public void close() {
      predictor.close();
    }
  }
}
