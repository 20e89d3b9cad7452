#!/usr/bin/env python3
"""Prints the code point ranges of libcore/src/display_width.cpp's tables from Python's
unicodedata (its Unicode version is written into the output):

  wide: East Asian Width W or F, unassigned CJK code points included (CJK ideographs, kana, Hangul syllables, fullwidth
        forms, emoji with emoji presentation): 2 columns in a terminal;
  zero: nonspacing and enclosing marks (Mn, Me), format characters (Cf: ZWJ,
        ZWNJ, BOM...) but U+00AD SOFT HYPHEN, and Hangul medial vowels and final
        consonants (U+1160..U+11FF): 0 columns, drawn over the character before.

Usage: python3 scripts/gen-display-width.py > /tmp/tables.inc, then paste the two
arrays into libcore/src/display_width.cpp."""
import sys
import unicodedata


def ranges(pred):
    out, start = [], None
    for cp in range(0x110000):
        if pred(cp):
            if start is None:
                start = cp
        elif start is not None:
            out.append((start, cp - 1))
            start = None
    if start is not None:
        out.append((start, 0x10FFFF))
    return out


# Unassigned code points the standard gives W by default (CJK blocks and planes 2, 3).
CJK_DEFAULT = [(0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x2FFFD), (0x30000, 0x3FFFD)]


def is_wide(cp):
    if unicodedata.category(chr(cp)) == "Cn":
        return any(a <= cp <= b for a, b in CJK_DEFAULT)
    return unicodedata.east_asian_width(chr(cp)) in ("W", "F")


def is_zero(cp):
    if cp == 0xAD:
        return False
    if 0x1160 <= cp <= 0x11FF:
        return True
    return unicodedata.category(chr(cp)) in ("Mn", "Me", "Cf")


def emit(name, rs):
    print(f"// {len(rs)} ranges (Unicode {unicodedata.unidata_version})")
    print(f"constexpr Range {name}[] = {{")
    line = " "
    for a, b in rs:
        item = f" {{0x{a:X}, 0x{b:X}}},"
        if len(line) + len(item) > 118:
            print(line)
            line = " "
        line += item
    print(line)
    print("};")


emit("kWide", ranges(is_wide))
print()
emit("kZero", ranges(is_zero))
