package dev.cir.eval.synth;

import java.util.function.ToDoubleFunction;

/**
 * Baselines computed from scene descriptions alone, no model: what a perfect reader of only the
 * text, or only the reference image, could do, and what applying the edit does.
 */
final class Oracles {
  private Oracles() {}

  /** How many facts the instruction states about the target a gallery scene satisfies. */
  static float textOnly(Edit edit, Scene g) {
    float score = 0;
    if (edit instanceof Edit.Recolor r) {
      score += g.find(r.shape()).filter(o -> o.color() == r.to()).isPresent() ? 1 : 0;
      score += g.find(r.shape()).filter(o -> o.color() == r.from()).isPresent() ? 0 : 1;
    } else if (edit instanceof Edit.Add a) {
      SceneObject want = a.object();
      score +=
          g.find(want.shape())
              .map(
                  o ->
                      1
                          + (o.color() == want.color() ? 1 : 0)
                          + (o.size() == want.size() ? 1 : 0)
                          + (o.slot() == want.slot() ? 1 : 0))
              .orElse(0);
    } else if (edit instanceof Edit.Remove r) {
      score += g.find(r.shape()).filter(o -> o.color() == r.color()).isPresent() ? 0 : 1;
    } else if (edit instanceof Edit.Replace r) {
      score += (g.has(r.to()) ? 1 : 0) + (g.has(r.from()) ? 0 : 1);
    } else if (edit instanceof Edit.Move m) {
      score += g.find(m.shape()).filter(o -> o.slot() == m.to()).isPresent() ? 1 : 0;
    } else if (edit instanceof Edit.Resize r) {
      score += g.find(r.shape()).filter(o -> o.size() == r.to()).isPresent() ? 1 : 0;
    }
    return score;
  }

  /** Similarity to the reference: shared attributes of best-matching objects, less a count gap. */
  static float imageOnly(Scene reference, Scene g) {
    float score = 0;
    for (SceneObject o : reference.objects()) {
      int best = 0;
      for (SceneObject p : g.objects()) {
        int same =
            (o.shape() == p.shape() ? 1 : 0)
                + (o.color() == p.color() ? 1 : 0)
                + (o.size() == p.size() ? 1 : 0)
                + (o.slot() == p.slot() ? 1 : 0);
        best = Math.max(best, same);
      }
      score += best;
    }
    return score - 2f * Math.abs(reference.size() - g.size());
  }

  /** 1 for the scene the edit makes of the reference, else 0. */
  static ToDoubleFunction<Scene> composed(Scene reference, Edit edit) {
    Scene wanted = edit.apply(reference);
    return g -> g.equals(wanted) ? 1 : 0;
  }
}
