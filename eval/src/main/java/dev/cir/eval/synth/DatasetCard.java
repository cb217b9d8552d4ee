package dev.cir.eval.synth;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/** The README.md written beside the synthetic dataset: layout, counts, design and protocol. */
final class DatasetCard {
  private DatasetCard() {}

  static String markdown(SyntheticDataset dataset) {
    SyntheticDataset.Options o = dataset.options();
    StringBuilder md = new StringBuilder();
    md.append("# Synthetic composed image retrieval dataset\n\n");
    md.append(
        String.format(
            Locale.ROOT,
            "Generated with size %d, seed %d, images %d x %d pixels. The same size, seed and image"
                + " size give byte-identical files (on the same JDK).\n\n",
            o.size(),
            o.seed(),
            o.imageSize(),
            o.imageSize()));
    md.append(
        "Each query is a reference image and a text saying what to change; its answer is the\n"
            + "one gallery image showing the reference with that change.\n\n");

    md.append("## Counts\n\n| split | triplets | gallery images |");
    for (Edit.Kind k : Edit.Kind.values()) {
      md.append(' ').append(k.word()).append(" |");
    }
    md.append("\n| --- | ---: | ---: |");
    md.append(" ---: |".repeat(Edit.Kind.values().length)).append('\n');
    for (SyntheticSplit s : dataset.splits()) {
      Map<Edit.Kind, Integer> kinds = new EnumMap<>(Edit.Kind.class);
      s.triplets().forEach(t -> kinds.merge(t.edit().kind(), 1, Integer::sum));
      md.append(
          String.format(
              Locale.ROOT, "| %s | %d | %d |", s.name(), s.triplets().size(), s.gallery().size()));
      for (Edit.Kind k : Edit.Kind.values()) {
        md.append(' ').append(kinds.getOrDefault(k, 0)).append(" |");
      }
      md.append('\n');
    }

    md.append(
        """

## Layout (the generic JSONL format)

```
README.md
images/{split}/{id}.png
{split}/images.jsonl     {"id", "path", "objects_i", "colors_ss", "shapes_ss", "sizes_ss"}
{split}/captions.jsonl   {"image", "caption"}  one caption per gallery image
{split}/triplets.jsonl   {"id", "reference", "target", "caption", "members", "edit"}
```

Splits are `train`, `val` and `test`. Each split has its own gallery; no scene appears in
two splits, and no triplet either. Test triplets keep their targets. Image paths are
relative to this folder. Metadata names carry Solr dynamic-field suffixes: `objects_i`
(number of objects), `colors_ss`, `shapes_ss`, `sizes_ss` (the distinct values present).
`edit` is the kind of change, for per-kind analysis; readers ignore it.

## Scenes

1 to 3 objects on a plain dark background, each in its own cell of a 3 x 3 grid (top left,
top, top right, left, center, right, bottom left, bottom, bottom right), no two of the same
shape. Shapes: circle, square, triangle, star, cross, diamond. Colors: red, orange, yellow,
green, cyan, blue, purple, white. Sizes: small, large. A scene's caption lists its objects
in reading order: "a large red circle at the top left, a small blue star in the center and
a small green square on the right". Scenes are canonical, so equal scenes are the same
picture; the gallery holds each scene once.

## Triplets

Edits, each in a few phrasings: recolor ("make the red circle blue"), add ("add a small
green square on the left"), remove ("remove the yellow triangle"), replace ("replace the
square with a star": color, size and place stay), move ("move the circle to the left"),
resize ("make the star large"). An edit names its object by what the text says, and the
target is the reference with exactly that change: one correct image in the gallery.
Every split has the same mix: the six kinds equally often, and references of 1, 2 and 3
objects in shares of 2, 40 and 58 (add needs a free cell and remove a second object, so an
add starts from 1 or 2 objects and a remove from 2 or 3, in the same proportions).

For every query the gallery also holds hard negatives:
- the reference itself and three near-reference variants (other edits of the reference,
  two of the same kind where possible), as close to the reference as the target is;
- two text matches: the same edit applied to a variant of the reference that differs in
  another object, so they satisfy the text but not the reference.

Image similarity alone cannot tell the target from the variants, and the text alone cannot
tell it from the text matches: the query needs both. The gallery is shuffled before ids are
given, so ids and gallery order carry no hint.

## Evaluation

CIRR's protocol: Recall@1/5/10/50 over the split's gallery with the reference removed from
the ranking, and Recall_subset@1/2/3 over `members`: six images (reference, target, two
variants, two text matches) in random order, like CIRR's `img_set`.
""");
    return md.toString();
  }
}
