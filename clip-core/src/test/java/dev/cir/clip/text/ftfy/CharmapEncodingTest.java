package dev.cir.clip.text.ftfy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class CharmapEncodingTest {
  @Test
  void ftfyTriesItsEncodingsInItsOrder() {
    assertEquals(
        List.of(
            "latin-1",
            "sloppy-windows-1252",
            "sloppy-windows-1251",
            "sloppy-windows-1250",
            "sloppy-windows-1253",
            "sloppy-windows-1254",
            "sloppy-windows-1257",
            "iso-8859-2",
            "macroman",
            "cp437"),
        CharmapEncoding.FTFY_ORDER.stream().map(e -> e.name).toList());
  }

  @Test
  void everyByteRoundTripsInEveryEncodingFtfyTries() {
    for (CharmapEncoding encoding : CharmapEncoding.FTFY_ORDER) {
      byte[] all = new byte[256];
      for (int b = 0; b < 256; b++) {
        all[b] = (byte) b;
      }
      String text = encoding.decode(all);
      assertEquals(256, text.length(), encoding.name);
      assertTrue(encoding.canEncode(text), encoding.name);
      assertArrayEquals(all, encoding.encode(text), encoding.name);
    }
  }

  @Test
  void sloppyEncodingsFillTheHolesWithLatin1AndWriteReplacementAs1A() {
    assertEquals(-1, CharmapEncoding.WINDOWS_1252.decode(0x81));
    assertNull(CharmapEncoding.WINDOWS_1252.decode(new byte[] {'a', (byte) 0x81}));
    assertEquals(0x81, CharmapEncoding.SLOPPY_WINDOWS_1252.decode(0x81));
    assertEquals('€', CharmapEncoding.SLOPPY_WINDOWS_1252.decode(0x80));
    assertEquals(0xFFFD, CharmapEncoding.SLOPPY_WINDOWS_1252.decode(0x1A));
    assertArrayEquals(new byte[] {0x1A}, CharmapEncoding.SLOPPY_WINDOWS_1252.encode("\uFFFD"));
    // so a sloppy encoding cannot hold the control character 1A itself, and Latin-1 can
    assertFalse(CharmapEncoding.SLOPPY_WINDOWS_1252.canEncode("\u001A"));
    assertTrue(CharmapEncoding.LATIN_1.canEncode("\u001A\u0081ÿ"));
    assertFalse(CharmapEncoding.LATIN_1.canEncode("€"));
  }

  @Test
  void tablesArePythonsCodecs() {
    CharmapEncoding cp1251 = CharmapEncoding.FTFY_ORDER.get(2);
    assertEquals("sloppy-windows-1251", cp1251.name);
    assertEquals('Ђ', cp1251.decode(0x80));
    assertEquals('я', cp1251.decode(0xFF));
    assertEquals(0x98, cp1251.decode(0x98)); // unassigned in Windows-1251
    assertEquals(0xF8FF, CharmapEncoding.MACROMAN.decode(0xF0)); // the Apple logo
    assertEquals('€', CharmapEncoding.MACROMAN.decode(0xDB));
    CharmapEncoding cp437 = CharmapEncoding.FTFY_ORDER.get(9);
    assertEquals('░', cp437.decode(0xB0));
    assertEquals('\u00A0', cp437.decode(0xFF));
    assertFalse(cp437.isSloppy());
    assertTrue(CharmapEncoding.SLOPPY_WINDOWS_1252.isSloppy());
  }

  @Test
  void textsOutsideTheTableAreRefused() {
    assertFalse(CharmapEncoding.SLOPPY_WINDOWS_1252.canEncode("日本"));
    assertFalse(CharmapEncoding.LATIN_1.canEncode("\uD83D\uDE00"));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> CharmapEncoding.LATIN_1.encode("a€"));
    assertTrue(e.getMessage().contains("U+20AC"), e.getMessage());
  }
}
