package dev.cir.modelimport;

import dev.cir.clip.io.InvalidModelException;
import java.math.BigInteger;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A pickle virtual machine for the binary opcodes of protocols 2 to 5 (CPython {@code
 * Lib/pickle.py}, whose opcode names are used here; {@code Lib/pickletools.py} documents each).
 *
 * <p>It never executes anything: what a {@code GLOBAL} names, and what {@code REDUCE}, {@code
 * NEWOBJ}, {@code BUILD} and {@code BINPERSID} make of it, is decided by the {@link Objects} given
 * to it, which resolves names against a fixed list. Python values become plain Java ones: {@code
 * None} is {@code null}, {@code bool} is {@link Boolean}, {@code int} is {@link Long} (or {@link
 * BigInteger} beyond 64 bits), {@code float} is {@link Double}, {@code str} is {@link String},
 * {@code bytes} is {@code byte[]}, {@code list} is a {@link List}, {@code dict} a {@link
 * LinkedHashMap} and {@code tuple} a {@link Tuple}.
 *
 * <p>The machine runs in a single pass over the bytes with no jumps, so it always terminates; every
 * length is checked against the bytes that remain, so no claimed length allocates more than the
 * input holds. Any malformed input is an {@link InvalidModelException} naming {@code source}.
 */
final class Unpickler {
  /** What the pickled names mean: the only way a pickle reaches beyond plain data. */
  interface Objects {
    /** The value a {@code GLOBAL module name} pushes; throws for names that are not allowed. */
    Object global(String module, String name);

    /** {@code callable(*args)}, as the caller interprets it. */
    Object reduce(Object callable, Tuple args);

    /** {@code cls.__new__(cls, *args)}, as the caller interprets it. */
    Object newObject(Object cls, Tuple args);

    /** {@code obj.__setstate__(state)} or its default, as the caller interprets it. */
    void build(Object obj, Object state);

    /** The object a persistent id stands for. */
    Object persistentLoad(Object pid);
  }

  /** A Python tuple. Equality is identity, as hashing a tuple may otherwise recurse without end. */
  static final class Tuple {
    private final List<Object> items;

    Tuple(List<Object> items) {
      this.items = Collections.unmodifiableList(new ArrayList<>(items));
    }

    List<Object> items() {
      return items;
    }

    int size() {
      return items.size();
    }

    Object get(int i) {
      return items.get(i);
    }

    @Override
    public String toString() {
      return "tuple of " + items.size();
    }
  }

  /** The Python set types, kept as their items; nothing in a state dict needs set semantics. */
  static final class PySet {
    final List<Object> items = new ArrayList<>();
  }

  private static final int MAX_LONG_BYTES = 1024;
  private static final Object MARK =
      new Object() {
        @Override
        public String toString() {
          return "MARK";
        }
      };

  private final ByteBuffer in;
  private final String source;
  private final Objects objects;
  private final List<Object> stack = new ArrayList<>();
  private final List<Integer> marks = new ArrayList<>();
  private final Map<Long, Object> memo = new HashMap<>();

  private Unpickler(byte[] bytes, String source, Objects objects) {
    this.in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    this.source = source;
    this.objects = objects;
  }

  /**
   * Runs the pickle in {@code bytes} to its {@code STOP} and returns the object it built.
   *
   * @param source names the file and entry in error messages
   */
  static Object load(byte[] bytes, String source, Objects objects) {
    return new Unpickler(bytes, source, objects).run();
  }

  private Object run() {
    while (true) {
      int at = in.position();
      int op = u8();
      try {
        switch (op) {
          case 0x80 -> { // PROTO
            int proto = u8();
            if (proto > 5) {
              throw error(at, "pickle protocol " + proto + " is newer than 5");
            }
          }
          case 0x95 -> { // FRAME: a length hint for buffered readers; the data follows inline
            long len = in.getLong();
            if (len < 0 || len > in.remaining()) {
              throw error(at, "frame of " + len + " bytes runs past the end");
            }
          }
          case '.' -> { // STOP
            if (stack.size() != 1 || !marks.isEmpty()) {
              throw error(at, "STOP with " + stack.size() + " objects on the stack");
            }
            return stack.get(0);
          }
          case '(' -> { // MARK
            marks.add(stack.size());
            stack.add(MARK);
          }
          case '0' -> pop(at); // POP
          case '1' -> popMark(at); // POP_MARK
          case '2' -> push(peek(at)); // DUP
          case 'N' -> push(null); // NONE
          case 0x88 -> push(Boolean.TRUE); // NEWTRUE
          case 0x89 -> push(Boolean.FALSE); // NEWFALSE
          case 'J' -> push((long) in.getInt()); // BININT
          case 'K' -> push((long) u8()); // BININT1
          case 'M' -> push((long) (in.getShort() & 0xffff)); // BININT2
          case 0x8a -> push(decodeLong(at, u8())); // LONG1
          case 0x8b -> push(decodeLong(at, in.getInt())); // LONG4
          case 'G' ->
              push(
                  Double.longBitsToDouble(Long.reverseBytes(in.getLong()))); // BINFLOAT, big-endian
          case 'X' -> push(utf8(at, in.getInt() & 0xffffffffL)); // BINUNICODE
          case 0x8c -> push(utf8(at, u8())); // SHORT_BINUNICODE
          case 0x8d -> push(utf8(at, in.getLong())); // BINUNICODE8
          case 'T' -> push(latin1(at, in.getInt())); // BINSTRING (Python 2 str)
          case 'U' -> push(latin1(at, u8())); // SHORT_BINSTRING
          case 'B' -> push(bytes(at, in.getInt() & 0xffffffffL)); // BINBYTES
          case 'C' -> push(bytes(at, u8())); // SHORT_BINBYTES
          case 0x8e -> push(bytes(at, in.getLong())); // BINBYTES8
          case 0x96 -> push(bytes(at, in.getLong())); // BYTEARRAY8
          case ')' -> push(new Tuple(List.of())); // EMPTY_TUPLE
          case 0x85 -> push(tupleOf(at, 1)); // TUPLE1
          case 0x86 -> push(tupleOf(at, 2)); // TUPLE2
          case 0x87 -> push(tupleOf(at, 3)); // TUPLE3
          case 't' -> push(new Tuple(popMark(at))); // TUPLE
          case ']' -> push(new ArrayList<>()); // EMPTY_LIST
          case 'l' -> push(new ArrayList<>(popMark(at))); // LIST
          case '}' -> push(new LinkedHashMap<>()); // EMPTY_DICT
          case 'd' -> { // DICT
            Map<Object, Object> d = new LinkedHashMap<>();
            putAll(at, d, popMark(at));
            push(d);
          }
          case 0x8f -> push(new PySet()); // EMPTY_SET
          case 0x91 -> { // FROZENSET
            PySet s = new PySet();
            s.items.addAll(popMark(at));
            push(s);
          }
          case 0x90 -> { // ADDITEMS
            List<Object> items = popMark(at);
            if (!(peek(at) instanceof PySet s)) {
              throw error(at, "ADDITEMS to something that is not a set");
            }
            s.items.addAll(items);
          }
          case 'a' -> { // APPEND
            Object v = pop(at);
            list(at, peek(at)).add(v);
          }
          case 'e' -> { // APPENDS
            List<Object> items = popMark(at);
            list(at, peek(at)).addAll(items);
          }
          case 's' -> { // SETITEM
            Object v = pop(at);
            Object k = pop(at);
            put(at, dict(at, peek(at)), k, v);
          }
          case 'u' -> { // SETITEMS
            List<Object> items = popMark(at);
            putAll(at, dict(at, peek(at)), items);
          }
          case 'c' -> push(objects.global(line(at), line(at))); // GLOBAL
          case 0x93 -> { // STACK_GLOBAL
            Object name = pop(at);
            Object module = pop(at);
            if (!(module instanceof String m) || !(name instanceof String n)) {
              throw error(at, "STACK_GLOBAL needs two strings");
            }
            push(objects.global(m, n));
          }
          case 'R' -> { // REDUCE
            Tuple args = tuple(at, pop(at));
            Object callable = pop(at);
            push(objects.reduce(callable, args));
          }
          case 0x81 -> { // NEWOBJ
            Tuple args = tuple(at, pop(at));
            Object cls = pop(at);
            push(objects.newObject(cls, args));
          }
          case 0x92 -> { // NEWOBJ_EX: keyword arguments are not used by anything torch writes
            Object kwargs = pop(at);
            Tuple args = tuple(at, pop(at));
            Object cls = pop(at);
            if (!(kwargs instanceof Map<?, ?> kw) || !kw.isEmpty()) {
              throw error(at, "NEWOBJ_EX with keyword arguments is not supported");
            }
            push(objects.newObject(cls, args));
          }
          case 'b' -> { // BUILD
            Object state = pop(at);
            objects.build(peek(at), state);
          }
          case 'Q' -> push(objects.persistentLoad(pop(at))); // BINPERSID
          case 'q' -> memo.put((long) u8(), peek(at)); // BINPUT
          case 'r' -> memo.put(in.getInt() & 0xffffffffL, peek(at)); // LONG_BINPUT
          case 0x94 -> memo.put((long) memo.size(), peek(at)); // MEMOIZE
          case 'h' -> push(memoGet(at, u8())); // BINGET
          case 'j' -> push(memoGet(at, in.getInt() & 0xffffffffL)); // LONG_BINGET
          default -> throw error(at, String.format("unsupported pickle opcode 0x%02x", op));
        }
      } catch (BufferUnderflowException e) {
        throw error(at, "the pickle ends in the middle of an opcode; it is truncated");
      }
    }
  }

  private int u8() {
    if (!in.hasRemaining()) {
      throw error(in.position(), "the pickle ends without STOP; it is truncated");
    }
    return in.get() & 0xff;
  }

  private void push(Object o) {
    stack.add(o);
  }

  private Object pop(int at) {
    peek(at);
    return stack.remove(stack.size() - 1);
  }

  private Object peek(int at) {
    if (stack.isEmpty() || stack.get(stack.size() - 1) == MARK) {
      throw error(at, "stack underflow");
    }
    return stack.get(stack.size() - 1);
  }

  private List<Object> popMark(int at) {
    if (marks.isEmpty()) {
      throw error(at, "no MARK on the stack");
    }
    int m = marks.remove(marks.size() - 1);
    List<Object> top = new ArrayList<>(stack.subList(m + 1, stack.size()));
    stack.subList(m, stack.size()).clear();
    return top;
  }

  private Tuple tupleOf(int at, int n) {
    Object[] items = new Object[n];
    for (int i = n - 1; i >= 0; i--) {
      items[i] = pop(at);
    }
    return new Tuple(Arrays.asList(items));
  }

  private Object memoGet(int at, long key) {
    if (!memo.containsKey(key)) {
      throw error(at, "memo key " + key + " was never stored");
    }
    return memo.get(key);
  }

  private Tuple tuple(int at, Object o) {
    if (!(o instanceof Tuple t)) {
      throw error(at, "expected a tuple of arguments");
    }
    return t;
  }

  @SuppressWarnings("unchecked")
  private List<Object> list(int at, Object o) {
    if (!(o instanceof List<?> l)) {
      throw error(at, "APPEND to something that is not a list");
    }
    return (List<Object>) l;
  }

  @SuppressWarnings("unchecked")
  private Map<Object, Object> dict(int at, Object o) {
    if (!(o instanceof Map<?, ?> m)) {
      throw error(at, "SETITEM on something that is not a dict");
    }
    return (Map<Object, Object>) m;
  }

  private void putAll(int at, Map<Object, Object> d, List<Object> kv) {
    if (kv.size() % 2 != 0) {
      throw error(at, "odd number of items for a dict");
    }
    for (int i = 0; i < kv.size(); i += 2) {
      put(at, d, kv.get(i), kv.get(i + 1));
    }
  }

  private void put(int at, Map<Object, Object> d, Object k, Object v) {
    // only keys whose equality Java and Python agree on; containers would hash without end
    if (!(k == null
        || k instanceof String
        || k instanceof Long
        || k instanceof BigInteger
        || k instanceof Boolean
        || k instanceof Double
        || k instanceof Tuple)) {
      throw error(at, "unsupported dict key of type " + k.getClass().getSimpleName());
    }
    d.put(k, v);
  }

  private Object decodeLong(int at, int n) {
    if (n < 0 || n > in.remaining()) {
      throw error(at, "integer of " + n + " bytes runs past the end of the pickle");
    }
    if (n > MAX_LONG_BYTES) {
      throw error(at, "integer of " + n + " bytes; no checkpoint needs one that large");
    }
    if (n == 0) {
      return 0L;
    }
    byte[] le = new byte[n];
    in.get(le);
    byte[] be = new byte[n];
    for (int i = 0; i < n; i++) {
      be[i] = le[n - 1 - i];
    }
    BigInteger v = new BigInteger(be);
    return v.bitLength() < 64 ? (Object) v.longValue() : v;
  }

  private byte[] bytes(int at, long n) {
    if (n < 0 || n > in.remaining()) {
      throw error(at, "string of " + n + " bytes runs past the end of the pickle");
    }
    byte[] b = new byte[(int) n];
    in.get(b);
    return b;
  }

  private String utf8(int at, long n) {
    byte[] b = bytes(at, n);
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(b))
          .toString();
    } catch (CharacterCodingException e) {
      throw error(at, "string is not valid UTF-8");
    }
  }

  private String latin1(int at, long n) {
    return new String(bytes(at, n), StandardCharsets.ISO_8859_1);
  }

  /** A newline-terminated ASCII line, as GLOBAL writes its module and name. */
  private String line(int at) {
    int start = in.position();
    for (int i = start; i < in.limit(); i++) {
      if (in.get(i) == '\n') {
        String s = new String(in.array(), start, i - start, StandardCharsets.UTF_8);
        in.position(i + 1);
        return s;
      }
    }
    throw error(at, "GLOBAL name runs past the end of the pickle");
  }

  private InvalidModelException error(int at, String what) {
    return new InvalidModelException(source + ": malformed pickle at byte " + at + ": " + what);
  }
}
