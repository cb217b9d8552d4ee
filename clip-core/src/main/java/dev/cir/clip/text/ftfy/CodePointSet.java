package dev.cir.clip.text.ftfy;

import java.util.BitSet;
import java.util.function.IntConsumer;
import java.util.function.IntPredicate;
import java.util.stream.IntStream;

/**
 * A character class of the patterns ported from ftfy, as a set of code points tested in constant
 * time (a Java regex class of a few hundred scattered characters is a chain of comparisons).
 */
final class CodePointSet implements IntPredicate {
  private final BitSet members;

  private CodePointSet(BitSet members) {
    this.members = members;
  }

  /** The characters of {@code spec}, where "X-Y" stands for the range from X to Y. */
  static CodePointSet of(String spec) {
    BitSet members = new BitSet();
    int[] cps = spec.codePoints().toArray();
    for (int i = 0; i < cps.length; i++) {
      if (i + 2 < cps.length && cps[i + 1] == '-') {
        members.set(cps[i], cps[i + 2] + 1);
        i += 2;
      } else {
        members.set(cps[i]);
      }
    }
    return new CodePointSet(members);
  }

  static CodePointSet of(IntStream codePoints) {
    BitSet members = new BitSet();
    codePoints.forEach(members::set);
    return new CodePointSet(members);
  }

  static CodePointSet union(CodePointSet... sets) {
    BitSet members = new BitSet();
    for (CodePointSet set : sets) {
      members.or(set.members);
    }
    return new CodePointSet(members);
  }

  CodePointSet with(String spec) {
    return union(this, of(spec));
  }

  CodePointSet without(String spec) {
    BitSet members = (BitSet) this.members.clone();
    members.andNot(of(spec).members);
    return new CodePointSet(members);
  }

  /** Calls {@code action} with each code point of the set, in order. */
  void forEach(IntConsumer action) {
    members.stream().forEach(action);
  }

  @Override
  public boolean test(int c) {
    return members.get(c);
  }

  @Override
  public String toString() {
    StringBuilder out = new StringBuilder("[");
    members.stream().forEach(out::appendCodePoint);
    return out.append(']').toString();
  }
}
