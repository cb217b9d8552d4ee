package dev.cir.clip.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A pseudo-word's embedding injected at a placeholder's position in the text tower. */
class TextInjectionTest {
  private static final int VOCAB = 300;
  /** The end-of-text token: the largest id, where CLIP pools. */
  private static final long EOT = VOCAB - 1;
  /** The placeholder ($): an id no generated caption uses otherwise. */
  private static final long PLACEHOLDER = VOCAB - 2;

  private NDManager manager;
  private ClipModel model;
  private ParameterStore ps;
  private float[][] table;

  @BeforeEach
  void model() {
    manager = NDManager.newBaseManager();
    model = ClipModel.random(ClipConfig.tiny(VOCAB), manager);
    ps = new ParameterStore(manager, false);
    NDArray e = model.text().tokenEmbedding().getArray();
    int width = (int) e.getShape().get(1);
    float[] flat = e.toFloatArray();
    table = new float[VOCAB][];
    for (int i = 0; i < VOCAB; i++) {
      table[i] = Arrays.copyOfRange(flat, i * width, (i + 1) * width);
    }
  }

  @AfterEach
  void close() {
    manager.close();
  }

  /** Rows of the start token, words in [1, VOCAB − 3], the end token, then padding (0). */
  private static long[][] captions(SplittableRandom r, int rows, int context) {
    long[][] out = new long[rows][context];
    for (long[] row : out) {
      int length = 3 + r.nextInt(context - 3); // start, at least one word, end
      row[0] = VOCAB - 3;
      for (int k = 1; k < length - 1; k++) {
        row[k] = 1 + r.nextInt(VOCAB - 4);
      }
      row[length - 1] = EOT;
    }
    return out;
  }

  private NDArray tokens(long[][] rows) {
    long[] flat = Arrays.stream(rows).flatMapToLong(Arrays::stream).toArray();
    return manager.create(flat, new Shape(rows.length, rows[0].length));
  }

  private NDArray embeddings(float[][] rows) {
    int width = rows[0].length;
    float[] flat = new float[rows.length * width];
    for (int i = 0; i < rows.length; i++) {
      System.arraycopy(rows[i], 0, flat, i * width, width);
    }
    return manager.create(flat, new Shape(rows.length, width));
  }

  private static int end(long[] row) {
    for (int k = 0; k < row.length; k++) {
      if (row[k] == EOT) {
        return k;
      }
    }
    throw new AssertionError("no end token");
  }

  @Test
  void aWordsOwnEmbeddingAtItsPositionGivesExactlyThePlainCaptionsFeatures() {
    SplittableRandom r = new SplittableRandom(7);
    int checked = 0;
    for (int trial = 0; trial < 40; trial++) {
      int rows = 1 + r.nextInt(8);
      long[][] plain = captions(r, rows, 32);
      long[][] marked = new long[rows][];
      float[][] injected = new float[rows][];
      for (int i = 0; i < rows; i++) {
        marked[i] = plain[i].clone();
        int p = r.nextInt(end(plain[i])); // any position before the end token, the start token too
        injected[i] = table[(int) plain[i][p]];
        marked[i][p] = PLACEHOLDER;
        checked++;
      }
      float[] expected = model.encodeText(ps, tokens(plain), false).toFloatArray();
      float[] actual = model.encodeText(ps, tokens(marked), PLACEHOLDER, embeddings(injected), false).toFloatArray();
      assertArrayEquals(expected, actual, 0f, "trial " + trial);
    }
    assertTrue(checked >= 100, "positions checked: " + checked);
  }

  @Test
  void anotherEmbeddingChangesOnlyItsOwnRow() {
    SplittableRandom r = new SplittableRandom(11);
    long[][] marked = captions(r, 3, 32);
    float[][] injected = new float[3][];
    for (int i = 0; i < 3; i++) {
      marked[i][1] = PLACEHOLDER;
      injected[i] = table[5];
    }
    float[] before = model.encodeText(ps, tokens(marked), PLACEHOLDER, embeddings(injected), false).toFloatArray();
    injected[1] = table[6];
    float[] after = model.encodeText(ps, tokens(marked), PLACEHOLDER, embeddings(injected), false).toFloatArray();
    int d = before.length / 3;
    assertArrayEquals(Arrays.copyOfRange(before, 0, d), Arrays.copyOfRange(after, 0, d), 0f);
    assertArrayEquals(Arrays.copyOfRange(before, 2 * d, 3 * d), Arrays.copyOfRange(after, 2 * d, 3 * d), 0f);
    assertFalse(Arrays.equals(Arrays.copyOfRange(before, d, 2 * d), Arrays.copyOfRange(after, d, 2 * d)));
  }

  @Test
  void aRowWithoutThePlaceholderOrWithTwoIsRefused() {
    SplittableRandom r = new SplittableRandom(3);
    long[][] rows = captions(r, 2, 16);
    rows[0][1] = PLACEHOLDER;
    float[][] injected = {table[1], table[2]};
    IllegalArgumentException none =
        assertThrows(IllegalArgumentException.class, () -> model.encodeText(ps, tokens(rows), PLACEHOLDER, embeddings(injected), false));
    assertTrue(none.getMessage().contains("token row 1") && none.getMessage().contains("0 times"), none.getMessage());
    rows[1][1] = PLACEHOLDER;
    rows[1][2] = PLACEHOLDER;
    rows[1][3] = EOT; // keep the row's end after the two
    IllegalArgumentException two =
        assertThrows(IllegalArgumentException.class, () -> model.encodeText(ps, tokens(rows), PLACEHOLDER, embeddings(injected), false));
    assertTrue(two.getMessage().contains("2 times"), two.getMessage());
  }

  @Test
  void embeddingsMustBeOneRowOfTheTowersWidthPerCaption() {
    long[][] rows = captions(new SplittableRandom(5), 2, 16);
    rows[0][1] = PLACEHOLDER;
    rows[1][1] = PLACEHOLDER;
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> model.encodeText(ps, tokens(rows), PLACEHOLDER, embeddings(new float[][] {table[1]}), false));
    assertTrue(e.getMessage().contains("[2, 128]"), e.getMessage());
    assertEquals(128, table[0].length);
  }

  @Test
  void givenPositionsGiveTheSameFeaturesAsThePlaceholdersOwnAndIgnoreTheIdThere() {
    SplittableRandom r = new SplittableRandom(13);
    for (int trial = 0; trial < 20; trial++) {
      int rows = 1 + r.nextInt(6);
      long[][] plain = captions(r, rows, 24);
      long[][] marked = new long[rows][];
      long[] positions = new long[rows];
      float[][] injected = new float[rows][];
      for (int i = 0; i < rows; i++) {
        marked[i] = plain[i].clone();
        positions[i] = r.nextInt(end(plain[i]));
        injected[i] = table[1 + r.nextInt(VOCAB - 4)];
        marked[i][(int) positions[i]] = PLACEHOLDER;
      }
      float[] byId = model.encodeText(ps, tokens(marked), PLACEHOLDER, embeddings(injected), false).toFloatArray();
      float[] byPosition = model.encodeTextAt(ps, tokens(plain), positions, embeddings(injected), false).toFloatArray();
      assertArrayEquals(byId, byPosition, 0f, "trial " + trial);
    }
  }

  @Test
  void aPositionAtOrAfterTheEndTokenIsRefused() {
    long[][] rows = captions(new SplittableRandom(17), 2, 16);
    long[] positions = {1, end(rows[1])};
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> model.encodeTextAt(ps, tokens(rows), positions, embeddings(new float[][] {table[1], table[2]}), false));
    assertTrue(e.getMessage().contains("token row 1") && e.getMessage().contains("end-of-text"), e.getMessage());
  }
}
