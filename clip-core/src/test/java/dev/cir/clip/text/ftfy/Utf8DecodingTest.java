package dev.cir.clip.text.ftfy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class Utf8DecodingTest {
  @Test
  void wellFormedUtf8Decodes() {
    assertEquals(
        "aé€\uD83D\uDE00",
        Utf8Decoding.decode(bytes(0x61, 0xC3, 0xA9, 0xE2, 0x82, 0xAC, 0xF0, 0x9F, 0x98, 0x80)));
    assertEquals(
        "\uD7FF\uE000\uDBFF\uDFFF",
        Utf8Decoding.decode(bytes(0xED, 0x9F, 0xBF, 0xEE, 0x80, 0x80, 0xF4, 0x8F, 0xBF, 0xBF)));
    assertEquals("", Utf8Decoding.decode(new byte[0]));
  }

  @Test
  void illFormedUtf8IsRefusedAsPythonRefusesIt() {
    int[][] refused = {
      {0xC0, 0x80}, // overlong
      {0xC1, 0xBF},
      {0xE0, 0x9F, 0xBF},
      {0xF0, 0x8F, 0xBF, 0xBF},
      {0xED, 0xA0, 0x80}, // a surrogate
      {0xF4, 0x90, 0x80, 0x80}, // past U+10FFFF
      {0xF5, 0x80, 0x80, 0x80},
      {0xC3}, // truncated
      {0xE2, 0x82},
      {0x80}, // a lone continuation
      {0xC3, 0x41},
      {0xFF},
    };
    for (int[] b : refused) {
      assertNull(Utf8Decoding.decode(bytes(b)), java.util.Arrays.toString(b));
    }
  }

  /** Java's own decoder, reporting errors, is a conformant UTF-8 decoder too. */
  @Test
  void agreesWithJavasStrictDecoderOnRandomBytes() {
    Random r = new Random(17);
    int[] pool = {
      0x41, 0x80, 0x8F, 0x9F, 0xA0, 0xBF, 0xC2, 0xC3, 0xDF, 0xE0, 0xE2, 0xED, 0xEF, 0xF0, 0xF3,
      0xF4, 0xF5, 0xC0
    };
    for (int t = 0; t < 20_000; t++) {
      byte[] b = new byte[1 + r.nextInt(6)];
      for (int i = 0; i < b.length; i++) {
        b[i] = (byte) pool[r.nextInt(pool.length)];
      }
      assertEquals(javaStrict(b), Utf8Decoding.decode(b), java.util.Arrays.toString(b));
    }
  }

  @Test
  void variantsDecodeCesu8AndJavasNull() {
    // U+1F600 as two 3-byte surrogates, as CESU-8 (and Java's modified UTF-8) write it
    byte[] cesu = bytes(0x78, 0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80, 0x79);
    assertNull(Utf8Decoding.decode(cesu));
    assertEquals("x\uD83D\uDE00y", Utf8Decoding.decodeVariants(cesu));
    assertEquals("a\0b", Utf8Decoding.decodeVariants(bytes(0x61, 0xC0, 0x80, 0x62)));
    assertEquals("한", Utf8Decoding.decodeVariants(bytes(0xED, 0x95, 0x9C)));
    assertNull(Utf8Decoding.decodeVariants(bytes(0xED, 0xA0, 0xBD, 0x61))); // a lone surrogate
    assertNull(Utf8Decoding.decodeVariants(bytes(0xED, 0xB8, 0x80, 0xED, 0xA0, 0xBD))); // low, high
    assertNull(Utf8Decoding.decodeVariants(bytes(0x61, 0xC0)));
    assertNull(Utf8Decoding.decodeVariants(bytes(0xC0, 0x41)));
    assertNull(Utf8Decoding.decodeVariants(bytes(0xC3, 0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80)));
  }

  /** ftfy's pattern has Python's '$', which also matches before a final newline. */
  @Test
  void variantsSwallowAFinalNewlineAsPythonsDollarDoes() {
    assertEquals("\u00E9\0", Utf8Decoding.decodeVariants(bytes(0xC3, 0xA9, 0xC0, 0x0A)));
    assertNull(Utf8Decoding.decodeVariants(bytes(0xC0, 0x0A, 0x41)));
    assertEquals(
        new String(Character.toChars(0x1000A)),
        Utf8Decoding.decodeVariants(bytes(0xED, 0xA0, 0x80, 0xED, 0xB0, 0x0A)));
  }

  private static String javaStrict(byte[] b) {
    CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    try {
      return decoder.decode(ByteBuffer.wrap(b)).toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  private static byte[] bytes(int... values) {
    byte[] b = new byte[values.length];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) values[i];
    }
    return b;
  }
}
