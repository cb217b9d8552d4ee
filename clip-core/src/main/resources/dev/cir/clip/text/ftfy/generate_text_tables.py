"""Writes the character tables that dev.cir.clip.text.ftfy reads, from Python's standard library.

Run from this folder with the Python whose behaviour the Java code reproduces (3.11):

    python3 generate_text_tables.py

It writes, beside itself:

- html5-character-references.txt: html.entities.html5 (one line per key, in the dict's order:
  the name as html.unescape looks it up, a tab, the code points of its text in hex), then
  html's private tables for numeric references: the invalid-reference replacements
  (_invalid_charrefs) and the code points a reference may not produce (_invalid_codepoints).
- single-byte-encodings.txt: what bytes 0x80-0xFF decode to in each single-byte encoding that
  ftfy tries ('-' where Python's codec has no character); bytes 0x00-0x7F are ASCII in all of
  them, which this script checks.
"""

import html
import html.entities
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ENCODINGS = [
    "latin-1",
    "windows-1252",
    "windows-1251",
    "windows-1250",
    "windows-1253",
    "windows-1254",
    "windows-1257",
    "iso-8859-2",
    "macroman",
    "cp437",
]


def hex_code_points(text):
    return " ".join(f"{ord(c):X}" for c in text)


def write_references(path):
    lines = [f"# html.entities.html5, html._invalid_charrefs, html._invalid_codepoints of Python {sys.version.split()[0]}"]
    lines.append("[named]")
    for name, text in html.entities.html5.items():
        lines.append(f"{name}\t{hex_code_points(text)}")
    lines.append("[invalid-charrefs]")
    for number, text in sorted(html._invalid_charrefs.items()):
        lines.append(f"{number:X}\t{hex_code_points(text)}")
    lines.append("[invalid-codepoints]")
    lines.extend(f"{number:X}" for number in sorted(html._invalid_codepoints))
    with open(path, "w", encoding="ascii", newline="\n") as f:
        f.write("\n".join(lines) + "\n")


def write_encodings(path):
    lines = [f"# bytes 0x80-0xFF decoded by Python {sys.version.split()[0]}; '-' = undefined"]
    for encoding in ENCODINGS:
        assert bytes(range(0x80)).decode(encoding) == "".join(map(chr, range(0x80))), encoding
        row = []
        for byte in range(0x80, 0x100):
            try:
                char = bytes([byte]).decode(encoding)
            except UnicodeDecodeError:
                row.append("-")
                continue
            assert len(char) == 1 and ord(char) >= 0x80, (encoding, byte)
            assert char.encode(encoding) == bytes([byte]), (encoding, byte)
            row.append(f"{ord(char):X}")
        lines.append(f"{encoding}\t{' '.join(row)}")
    with open(path, "w", encoding="ascii", newline="\n") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    write_references(os.path.join(HERE, "html5-character-references.txt"))
    write_encodings(os.path.join(HERE, "single-byte-encodings.txt"))
