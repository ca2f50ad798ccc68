"""A TrueType font made by the tests themselves, so that no test needs a font installed.

Every glyph is a plain box (a space is empty) with an advance width that varies from
character to character as a real font's do. Text extraction reads a PDF's ToUnicode map and
its character boxes, never the shapes of the glyphs, so boxes are all a PDF test needs.
"""

from __future__ import annotations

from pathlib import Path

from fontTools.fontBuilder import FontBuilder
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib.tables._g_l_y_f import Glyph

FAMILY = "Annotator Test Boxes"
UNITS_PER_EM = 1000
ASCENT = 800
DESCENT = -200
CAP_HEIGHT = 700

# The code points the PDF tests write, as inclusive ranges.
COVERED_RANGES = (
    (0x0020, 0x007E),  # Basic Latin
    (0x00A0, 0x00FF),  # Latin-1 Supplement (« », accented letters)
    (0x0100, 0x017F),  # Latin Extended-A (ş, Ğ …)
    (0x0370, 0x03FF),  # Greek and Coptic
    (0x0400, 0x04FF),  # Cyrillic
    (0x0600, 0x06FF),  # Arabic (with the letters Uyghur adds)
    (0x2010, 0x2027),  # General Punctuation: dashes, quotation marks, ellipsis
    (0xFB00, 0xFB06),  # Latin ligatures ﬀ ﬁ ﬂ ﬃ ﬄ ﬅ ﬆ
    (0xFB50, 0xFDFF),  # Arabic Presentation Forms-A
    (0xFE70, 0xFEFF),  # Arabic Presentation Forms-B
)
_BLANK = frozenset({0x0020, 0x00A0})
_NARROW = frozenset("iljtfrI.,;:'!|()[]-")
_WIDE = frozenset("mwMW@%")


def covered_code_points() -> list[int]:
    """Every code point the font has a glyph for, in order."""
    return [code for low, high in COVERED_RANGES for code in range(low, high + 1)]


def _advance(code: int) -> int:
    """A plausible advance width: narrow and wide letters as in a proportional font."""
    if code in _BLANK:
        return 250
    character = chr(code)
    if character in _NARROW:
        return 280
    if character in _WIDE:
        return 830
    if 0xFB00 <= code <= 0xFB06:  # a ligature spans two or three letters
        return 560 + 280 * (code in (0xFB03, 0xFB04))
    return 480 + (code * 37) % 160  # 480 to 639, deterministic


def _box(advance: int, *, bottom: int = 0, top: int = CAP_HEIGHT) -> Glyph:
    pen = TTGlyphPen(None)
    pen.moveTo((40, bottom))
    pen.lineTo((40, top))
    pen.lineTo((advance - 40, top))
    pen.lineTo((advance - 40, bottom))
    pen.closePath()
    return pen.glyph()


def build_box_font(path: Path) -> Path:
    """Write the box font to ``path`` (a ``.ttf`` file) and return the path."""
    codes = covered_code_points()
    names = {code: f"uni{code:04X}" for code in codes}
    builder = FontBuilder(UNITS_PER_EM, isTTF=True)
    builder.setupGlyphOrder([".notdef", *names.values()])
    builder.setupCharacterMap(names)
    # .notdef fills the whole em, so that the font's bounding box reaches from descender to
    # ascender as a real font's does: pdfium sizes its character boxes by it.
    glyphs = {".notdef": _box(500, bottom=DESCENT, top=ASCENT)}
    metrics = {".notdef": (500, 40)}
    for code, name in names.items():
        advance = _advance(code)
        glyphs[name] = TTGlyphPen(None).glyph() if code in _BLANK else _box(advance)
        metrics[name] = (advance, 0 if code in _BLANK else 40)
    builder.setupGlyf(glyphs)
    builder.setupHorizontalMetrics(metrics)
    builder.setupHorizontalHeader(ascent=ASCENT, descent=DESCENT)
    builder.setupNameTable({"familyName": FAMILY, "styleName": "Regular"})
    builder.setupOS2(
        sTypoAscender=ASCENT,
        sTypoDescender=DESCENT,
        usWinAscent=ASCENT,
        usWinDescent=-DESCENT,
        sCapHeight=CAP_HEIGHT,
    )
    builder.setupPost()
    builder.save(str(path))
    return path
