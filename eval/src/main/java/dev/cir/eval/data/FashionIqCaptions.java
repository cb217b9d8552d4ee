package dev.cir.eval.data;

import java.util.List;
import java.util.Locale;
import java.util.random.RandomGenerator;

/**
 * FashionIQ's two relative captions joined as CLIP4Cir joins them.
 *
 * <p>Training ({@code utils.py}, {@code generate_randomized_fiq_caption}): with {@code r} uniform
 * in [0, 1), {@code r < 0.25} gives "C1 and c2", {@code 0.25 < r < 0.5} "C2 and c1", {@code 0.5 < r
 * < 0.75} "C1", anything else "C2" (so the measure-zero values 0.25 and 0.5 fall to "C2", as in the
 * source). Validation and test ({@code validate.py}, {@code generate_fiq_val_predictions}): always
 * "C1 and c2". Each caption is stripped of {@code . ? , } and space at both ends (Python's {@code
 * str.strip('.?, ')}); only the leading caption is capitalized, as Python's {@code
 * str.capitalize()} does: first character to title case, the rest lowercased. The second caption of
 * a pair keeps its case. {@code r} comes from the caller's generator ({@link
 * RandomGenerator#nextDouble()}); training code seeds a {@link java.util.SplittableRandom}.
 */
public enum FashionIqCaptions implements CaptionStyle {
  INSTANCE;

  /** The characters CLIP4Cir strips from both ends of a caption. */
  private static final String STRIPPED = ".?, ";

  @Override
  public String evaluationText(Triplet triplet) {
    return trainingVariants(triplet).get(0);
  }

  /** The four variants in CLIP4Cir's order: "C1 and c2", "C2 and c1", "C1", "C2". */
  @Override
  public List<String> trainingVariants(Triplet triplet) {
    List<String> captions = triplet.captions();
    if (captions.size() != 2) {
      throw new IllegalArgumentException(
          "FashionIQ triplet '"
              + triplet.id()
              + "' needs exactly 2 captions, has "
              + captions.size());
    }
    String c1 = strip(captions.get(0));
    String c2 = strip(captions.get(1));
    return List.of(
        capitalize(c1) + " and " + c2,
        capitalize(c2) + " and " + c1,
        capitalize(c1),
        capitalize(c2));
  }

  @Override
  public int drawTrainingVariant(Triplet triplet, RandomGenerator random) {
    return variantFor(random.nextDouble());
  }

  /** The variant CLIP4Cir picks for the uniform draw {@code r}, with its strict comparisons. */
  static int variantFor(double r) {
    if (r < 0.25) {
      return 0;
    } else if (0.25 < r && r < 0.5) {
      return 1;
    } else if (0.5 < r && r < 0.75) {
      return 2;
    }
    return 3;
  }

  /** Python's {@code s.strip('.?, ')}: removes those four characters from both ends. */
  static String strip(String s) {
    int begin = 0;
    int end = s.length();
    while (begin < end && STRIPPED.indexOf(s.charAt(begin)) >= 0) {
      begin++;
    }
    while (end > begin && STRIPPED.indexOf(s.charAt(end - 1)) >= 0) {
      end--;
    }
    return s.substring(begin, end);
  }

  /**
   * Python 3's {@code s.capitalize()}: the first code point in title case, the rest lowercased.
   * Java offers only the single-character title-case mapping, so the few full mappings that expand
   * (e.g. 'ß' to "Ss") stay as they are; FashionIQ captions are English text.
   */
  static String capitalize(String s) {
    if (s.isEmpty()) {
      return s;
    }
    int first = s.codePointAt(0);
    int width = Character.charCount(first);
    return new StringBuilder(s.length())
        .appendCodePoint(Character.toTitleCase(first))
        .append(s.substring(width).toLowerCase(Locale.ROOT))
        .toString();
  }
}
