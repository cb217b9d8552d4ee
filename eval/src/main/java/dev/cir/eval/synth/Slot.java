package dev.cir.eval.synth;

/**
 * A cell of the 3 x 3 grid an object sits in, with the phrases captions use for it: "at the top
 * left", "on the left", "in the center" (where it is) and "to the top left", "to the left", "to the
 * center" (where it moves). Declared in reading order, which is the order objects are listed.
 */
public enum Slot {
  TOP_LEFT(0, 0, "top left"),
  TOP(0, 1, "top"),
  TOP_RIGHT(0, 2, "top right"),
  LEFT(1, 0, "left"),
  CENTER(1, 1, "center"),
  RIGHT(1, 2, "right"),
  BOTTOM_LEFT(2, 0, "bottom left"),
  BOTTOM(2, 1, "bottom"),
  BOTTOM_RIGHT(2, 2, "bottom right");

  private final int row;
  private final int column;
  private final String words;

  Slot(int row, int column, String words) {
    this.row = row;
    this.column = column;
    this.words = words;
  }

  public int row() {
    return row;
  }

  public int column() {
    return column;
  }

  /** The bare name, "top left". */
  public String words() {
    return words;
  }

  /** Where an object is: "at the top left", "on the left", "in the center". */
  public String at() {
    if (this == CENTER) {
      return "in the center";
    }
    return (this == LEFT || this == RIGHT ? "on the " : "at the ") + words;
  }

  /** Where an object goes: "to the top left", "to the center". */
  public String to() {
    return "to the " + words;
  }
}
