"""Writes the expected values of the dev.cir.clip.text tests, computed by Python's standard library.

Run from this folder with Python 3.11 (the version whose behaviour the Java code reproduces):

    python3 generate_expected.py

It writes, beside itself:

- html-unescape-cases.json: inputs and html.unescape(input), html.unescape(html.unescape(input)):
  every name of html.entities.html5 with and without its semicolon and followed by letters, numeric
  references (decimal and hex, the invalid-reference replacements, invalid and out-of-range code
  points, leading zeros, huge numbers), nested escapes, names longer than 32 characters, and
  seeded random strings rich in '&', '#', ';', letters, digits and whitespace.
- python-character-data.json: the code points that Python's re matches with \\s, \\w and \\d in a
  str pattern, as [first, last] ranges, and the NFKC form of each of U+FF01-U+FFEF (the
  characters whose width ftfy fixes) that has another.
- uppercase-entities.json: ftfy's extra entities as its documentation states the rule (an
  all-lowercase name ending in ';', uppercased, when html.unescape leaves the uppercased reference
  alone, decodes to the uppercased text), computed here with the standard library.
"""

import html
import html.entities
import json
import os
import random
import re
import sys
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
NAMES = list(html.entities.html5)


def numeric_cases():
    numbers = set(html._invalid_charrefs) | set(html._invalid_codepoints)
    numbers |= {0, 9, 10, 12, 13, 32, 38, 59, 60, 0x7E, 0x7F, 0xA0, 0xFF, 0x100, 0x2019}
    numbers |= {0xD7FF, 0xD800, 0xDBFF, 0xDC00, 0xDFFF, 0xE000, 0xFFFD, 0xFFFE, 0xFFFF, 0x10000}
    numbers |= {0x1F600, 0x10FFFD, 0x10FFFF, 0x110000, 0x7FFFFFFF, 0xFFFFFFFF, 10**30}
    cases = []
    for n in sorted(numbers):
        cases.append(f"&#{n};")
        cases.append(f"a&#{n}b")
        cases.append(f"&#x{n:x};")
        cases.append(f"&#X{n:X}z")
        cases.append(f"&#00{n};&#x00{n:X};")
    cases += ["&#;", "&#", "&#x;", "&#x", "&#xg;", "&#12a;", "&#x1F600;&#x1f600", "&#0000000000065;"]
    return cases


def named_cases(rng):
    cases = []
    for i in range(0, len(NAMES), 6):
        parts = []
        for name in NAMES[i : i + 6]:
            bare = name.rstrip(";")
            parts.append("&" + name)
            parts.append("&" + bare + rng.choice(["", "x", "q;", "1", " ", "=", ";;"]))
            parts.append("&" + bare.upper() + ";")
        cases.append(rng.choice([" ", "", "|", "\t"]).join(parts))
    cases += [
        "&amp;amp;", "&amp;amp;amp;", "&amp;lt;b&amp;gt;", "&amp;#39;", "&amp;#x27;", "&&amp;&",
        "&notin", "&notin;", "&notit;", "&noti", "&ampamp", "&amp", "&AMP", "&LTDOT;", "&ltdot;",
        "&NTILDE;", "&SZLIG;", "&nTILDE;", "a&b", "a & b", "&;", "&", "&&", "&#38;amp;", "&#x26;lt;",
        "&" + "a" * 31 + ";", "&" + "a" * 32 + ";", "&" + "a" * 33 + ";", "&amp" + "x" * 40,
        "&am\rp;", "&am\u00e9;", "&\u00e9\u00e9;", "&\U0001F600;", "&lt\U0001F600", "&lt;\ud800",
        "It&#8217;s a &ldquo;test&rdquo; &amp; more", "Broken text&hellip; it&#x2019;s",
    ]
    return cases


def random_cases(rng, count):
    pieces = ["&", "&", "&", "#", "#", ";", ";", "x", "X", "a", "m", "p", "l", "t", "g", "n",
              "o", "i", "A", "M", "P", "0", "1", "3", "8", "9", "f", " ", "\t", "\n", "\r", "\f",
              "<", "\u00e9", "\u2019", "\U0001F600", "amp", "lt", "not", "copy", "#x", "#X"]
    cases = []
    for _ in range(count):
        cases.append("".join(rng.choice(pieces) for _ in range(rng.randint(1, 24))))
    return cases


def regex_class_ranges(pattern):
    compiled = re.compile(pattern)
    ranges = []
    for c in range(0x110000):
        if compiled.match(chr(c)):
            if ranges and ranges[-1][1] == c - 1:
                ranges[-1][1] = c
            else:
                ranges.append([c, c])
    return ranges


def uppercase_entities():
    entities = {}
    for name, text in html.entities.html5.items():
        if name.endswith(";") and name == name.lower():
            reference = "&" + name.upper()
            if html.unescape(reference) == reference:
                entities[reference] = text.upper()
    return entities


def write(name, value):
    """One JSON object, each element of its lists on a line of its own."""
    lines = []
    for key, item in value.items():
        if isinstance(item, list):
            body = ",\n".join(json.dumps(e, ensure_ascii=True) for e in item)
            lines.append(f"{json.dumps(key)}: [\n{body}\n]")
        elif isinstance(item, dict):
            body = ",\n".join(
                f"{json.dumps(k, ensure_ascii=True)}: {json.dumps(v, ensure_ascii=True)}"
                for k, v in item.items()
            )
            lines.append(f"{json.dumps(key)}: {{\n{body}\n}}")
        else:
            lines.append(f"{json.dumps(key)}: {json.dumps(item)}")
    with open(os.path.join(HERE, name), "w", encoding="ascii", newline="\n") as f:
        f.write("{\n" + ",\n".join(lines) + "\n}\n")


if __name__ == "__main__":
    rng = random.Random(20240607)
    inputs = numeric_cases() + named_cases(rng) + random_cases(rng, 1500)
    cases = [[s, html.unescape(s), html.unescape(html.unescape(s))] for s in inputs]
    version = sys.version.split()[0]
    write("html-unescape-cases.json", {"python": version, "cases": cases})
    write(
        "python-character-data.json",
        {
            "python": version,
            "unicode": unicodedata.unidata_version,
            "s": regex_class_ranges(r"\s"),
            "w": regex_class_ranges(r"\w"),
            "d": regex_class_ranges(r"\d"),
            "nfkc": {
                f"{c:X}": unicodedata.normalize("NFKC", chr(c))
                for c in range(0xFF01, 0xFFF0)
                if unicodedata.normalize("NFKC", chr(c)) != chr(c)
            },
        },
    )
    write("uppercase-entities.json", {"python": version, "entities": uppercase_entities()})
