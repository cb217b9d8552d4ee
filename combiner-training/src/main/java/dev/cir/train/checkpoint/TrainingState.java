package dev.cir.train.checkpoint;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a run stands, saved with each checkpoint: the next update's position, the loss of the
 * epoch so far, the best validation so far and every epoch's metrics. Random state needs no saving:
 * data order, caption draws and the engine's generator are all derived from (seed, epoch, step).
 */
public final class TrainingState {
  private static final Gson GSON = new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create();

  /** Updates done so far (the index of the next one). */
  public long step;
  /** The epoch the next update belongs to. */
  public int epoch;
  /** Updates done within {@link #epoch}. */
  public int stepInEpoch;
  public long seed;
  public double epochLossSum;
  public double bestCriterion = Double.NEGATIVE_INFINITY;
  public int bestEpoch = -1;
  /** Seconds of training (steps and validation) before this checkpoint, summed over restarts. */
  public double seconds;
  /** One entry per finished epoch: its metrics by name. */
  public List<Map<String, Double>> epochs = new ArrayList<>();
  /** Facts about the run that a resume must agree with (dataset, model, batch size, ...). */
  public Map<String, String> settings = new LinkedHashMap<>();

  public String toJson() {
    return GSON.toJson(this) + "\n";
  }

  public static TrainingState parse(String json) {
    TrainingState s = GSON.fromJson(json, TrainingState.class);
    if (s.epochs == null) {
      s.epochs = new ArrayList<>();
    }
    if (s.settings == null) {
      s.settings = new LinkedHashMap<>();
    }
    return s;
  }
}
