package dev.cir.modelimport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.cir.clip.io.InvalidModelException;
import dev.cir.modelimport.Unpickler.Tuple;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class UnpicklerTest {
  private static final String SOURCE = "/data/x.pt: entry 'x/data.pkl'";

  /**
   * CPython's {@code pickle.dumps(v, protocol=p)} for p = 2, 3, 4, 5 and
   *
   * <pre>
   * v = {'ints': [0, 255, 65535, -1, 2**31-1, -2**31, 2**40, -2**63, 2**64], 'float': -2.5,
   *      'none': None, 'flags': (True, False), 'text': 'Grüße ✓', 'raw': b'\x00\xff',
   *      'nested': {'t1': (1,), 't3': (1, 2, 3), 'empty': ()}, 7: 'int key'}
   * </pre>
   */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "80027d7100285804000000696e747371015d7102284b004bff4dffff4affffffff4affffff7f4a00"
            + "0000808a060000000000018a0800000000000000808a09000000000000000001655805000000666c"
            + "6f6174710347c00400000000000058040000006e6f6e6571044e5805000000666c61677371058889"
            + "8671065804000000746578747107580b0000004772c3bcc39f6520e29c9371085803000000726177"
            + "7109635f636f646563730a656e636f64650a710a580300000000c3bf710b58060000006c6174696e"
            + "31710c86710d52710e58060000006e6573746564710f7d7110285802000000743171114b01857112"
            + "5802000000743371134b014b024b038771145805000000656d707479711529754b07580700000069"
            + "6e74206b65797116752e",
        "80037d7100285804000000696e747371015d7102284b004bff4dffff4affffffff4affffff7f4a00"
            + "0000808a060000000000018a0800000000000000808a09000000000000000001655805000000666c"
            + "6f6174710347c00400000000000058040000006e6f6e6571044e5805000000666c61677371058889"
            + "8671065804000000746578747107580b0000004772c3bcc39f6520e29c9371085803000000726177"
            + "7109430200ff710a58060000006e6573746564710b7d710c2858020000007431710d4b0185710e58"
            + "020000007433710f4b014b024b038771105805000000656d707479711129754b075807000000696e"
            + "74206b65797112752e",
        "800495c0000000000000007d94288c04696e7473945d94284b004bff4dffff4affffffff4affffff"
            + "7f4a000000808a060000000000018a0800000000000000808a09000000000000000001658c05666c"
            + "6f61749447c0040000000000008c046e6f6e65944e8c05666c61677394888986948c047465787494"
            + "8c0b4772c3bcc39f6520e29c93948c0372617794430200ff948c066e6573746564947d94288c0274"
            + "31944b0185948c027433944b014b024b0387948c05656d7074799429754b078c07696e74206b6579"
            + "94752e",
        "800595c0000000000000007d94288c04696e7473945d94284b004bff4dffff4affffffff4affffff"
            + "7f4a000000808a060000000000018a0800000000000000808a09000000000000000001658c05666c"
            + "6f61749447c0040000000000008c046e6f6e65944e8c05666c61677394888986948c047465787494"
            + "8c0b4772c3bcc39f6520e29c93948c0372617794430200ff948c066e6573746564947d94288c0274"
            + "31944b0185948c027433944b014b024b0387948c05656d7074799429754b078c07696e74206b6579"
            + "94752e"
      })
  void plainValuesReadAlikeInEveryProtocol(String hex) {
    Map<?, ?> v = assertInstanceOf(Map.class, load(HexFormat.of().parseHex(hex)));
    assertEquals(
        List.of(
            0L,
            255L,
            65535L,
            -1L,
            (long) Integer.MAX_VALUE,
            (long) Integer.MIN_VALUE,
            1L << 40,
            Long.MIN_VALUE,
            BigInteger.ONE.shiftLeft(64)),
        v.get("ints"));
    assertEquals(-2.5, v.get("float"));
    assertTrue(v.containsKey("none"));
    assertNull(v.get("none"));
    Tuple flags = assertInstanceOf(Tuple.class, v.get("flags"));
    assertEquals(List.of(true, false), flags.items());
    assertEquals("Grüße ✓", v.get("text"));
    assertArrayEquals(new byte[] {0, (byte) 0xff}, (byte[]) v.get("raw"));
    Map<?, ?> nested = assertInstanceOf(Map.class, v.get("nested"));
    assertEquals(List.of(1L), ((Tuple) nested.get("t1")).items());
    assertEquals(List.of(1L, 2L, 3L), ((Tuple) nested.get("t3")).items());
    assertEquals(0, ((Tuple) nested.get("empty")).size());
    assertEquals("int key", v.get(7L));
  }

  @Test
  void memoSharesOneObject() {
    // l = [1]; pickle.dumps({'a': l, 'b': l}, protocol=2)
    Map<?, ?> v =
        (Map<?, ?>) load(hex("80027d71002858010000006171015d71024b016158010000006271036802752e"));
    assertSame(v.get("a"), v.get("b"));
    assertEquals(List.of(1L), v.get("a"));
  }

  @Test
  void setsAreReadAsTheirItems() {
    // pickle.dumps({'s': {1, 2}, 'f': frozenset([3])}, protocol=4)
    Map<?, ?> v =
        (Map<?, ?>)
            load(hex("8004951a000000000000007d94288c0173948f94284b014b02908c016694284b039194752e"));
    assertEquals(List.of(1L, 2L), ((Unpickler.PySet) v.get("s")).items);
    assertEquals(List.of(3L), ((Unpickler.PySet) v.get("f")).items);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "8002 58ffffff7f", // BINUNICODE claiming 2 GiB
        "8004 8d0000000000000040", // BINUNICODE8 claiming 2^62 bytes
        "8004 8effffffffffffff7f", // BINBYTES8 claiming 2^63 - 1 bytes
        "8004 96ffffffffffffffff", // BYTEARRAY8 with a negative length
        "8002 8bffffff7f", // LONG4 of 2 GiB
        "8004 95ffffffffffffff7f", // FRAME of 2^63 - 1 bytes
        "8002 54ffffffff", // BINSTRING with a negative length
      })
  void claimedLengthsBeyondTheInputAreRefusedWithoutAllocating(String hex) {
    assertRefused(hex(hex.replace(" ", "")), "runs past the end");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "", // empty
        "8002", // no STOP
        "80024b01", // no STOP after a value
        "8002", // nothing
        "80022e", // STOP on an empty stack
        "80024b014b022e", // STOP with two objects left
        "800252", // REDUCE on an empty stack
        "8002284b0152", // REDUCE across a MARK
        "8002680a2e", // BINGET of a key never stored
        "80027d4b0161", // APPEND to a dict
        "80025d4b014b0273", // SETITEM on a list
        "80027d284b0175", // SETITEMS with an odd count
        "8002312e", // POP_MARK without a MARK
        "8002492e", // INT, a text opcode
        "8002ff2e", // an opcode that does not exist
        "80027d5d4b0173", // a list as dict key
        "80028006", // protocol 6
        "8002635f636f646563730a656e636f6465", // GLOBAL without its line ends
        "800258020000000061", // BINUNICODE of invalid UTF-8 (0x00 0x61 is fine, so see next)
      })
  void malformedProgramsAreRefusedNamingTheSource(String hex) {
    byte[] bytes = hex(hex);
    if (hex.equals("800258020000000061")) {
      bytes = hex("80025802000000c3282e"); // "\xc3\x28" is not UTF-8
    }
    assertRefused(bytes, "");
  }

  @Test
  void randomlyDamagedTorchPicklesFailOnlyWithInvalidModelException() throws IOException {
    byte[] original;
    try (ZipFile zip = new ZipFile(TorchArchiveTest.resource("torch-save-proto2.pt").toFile());
        InputStream in = zip.getInputStream(zip.getEntry("archive/data.pkl"))) {
      original = in.readAllBytes();
    }
    Random random = new Random(1717L);
    for (int round = 0; round < 3000; round++) {
      byte[] damaged = original.clone();
      if (round % 3 == 0) {
        damaged = Arrays.copyOf(damaged, random.nextInt(damaged.length));
      } else {
        for (int i = 1 + random.nextInt(3); i > 0; i--) {
          damaged[random.nextInt(damaged.length)] = (byte) random.nextInt(256);
        }
      }
      try {
        load(damaged);
      } catch (InvalidModelException e) {
        assertTrue(e.getMessage().startsWith(SOURCE), e.getMessage());
      } catch (RuntimeException e) {
        fail("round " + round + ": " + e, e);
      }
    }
  }

  private static void assertRefused(byte[] pickle, String what) {
    InvalidModelException e = assertThrows(InvalidModelException.class, () -> load(pickle));
    assertTrue(e.getMessage().startsWith(SOURCE), e.getMessage());
    assertTrue(e.getMessage().contains(what), e.getMessage());
  }

  private static Object load(byte[] pickle) {
    return Unpickler.load(pickle, SOURCE, new TorchPickleObjects(SOURCE));
  }

  private static byte[] hex(String s) {
    return HexFormat.of().parseHex(s);
  }
}
