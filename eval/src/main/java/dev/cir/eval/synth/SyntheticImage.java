package dev.cir.eval.synth;

import java.util.Objects;

/** A gallery image of the synthetic dataset: its id, the scene it shows, and its drawing seed. */
public record SyntheticImage(String id, Scene scene, long renderSeed) {
  public SyntheticImage {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(scene, "scene");
  }

  /** The scene's caption, as {@code captions.jsonl} holds it. */
  public String caption() {
    return SceneText.caption(scene);
  }
}
