"""Reading the file: the only part that calls pdfium, and the checks on what it gives.

pdfium (through pypdfium2) gives every character of a page with its box; here they become
segments (rule 1 of the package's docstring). pdfium is not thread-safe, so every call into
it holds one module-level lock; the layout work runs outside it.
"""

from __future__ import annotations

import ctypes
import math
import operator
import statistics
import threading
from collections.abc import Callable
from typing import Any

import pypdfium2
import pypdfium2.raw as pdfium_c

from annotator.extractors.base import ExtractionError
from annotator.extractors.pdf.model import (
    MIN_CHARACTERS_PER_PAGE,
    REFERENCE_CHARACTERS,
    REFERENCE_CLOSE,
    REFERENCE_JOINERS,
    REFERENCE_OPEN,
    Page,
    Segment,
)

# Horizontal gap, in text heights, that splits a line into separate segments; a narrower
# gap does too where the text size changes across it (a line, then a margin note beside it).
SEGMENT_GAP = 3.0
NOTE_GAP = 0.7

# pdfium reports a hyphen it takes for a line-end hyphenation as U+0002 (one character at a
# time) or U+FFFE (whole text); PDF producers use U+00AD for the visible hyphen glyph too.
_HYPHEN_MARKERS = frozenset({0x02, 0xFFFE, 0xAD})
_SPACES = frozenset({0x09, 0x20})
_BREAKS = frozenset({0x0A, 0x0D})
# Unicode's noncharacters U+FDD0 to U+FDEF: the stages mark note references with two of
# them, so none may come from the file.
_NONCHARACTERS = range(0xFDD0, 0xFDF0)
# pdfium breaks the line where a text object ends (after a raised note reference, say);
# where the next character carries on the same line, a gap of this many text heights
# between them is a space.
BREAK_SPACE = 0.12
# A note reference is set at most this share of its line's text height, its bottom raised
# above the line's by at least this share.
SUPERSCRIPT_HEIGHT = 0.8
SUPERSCRIPT_RISE = 0.2
# What else is drawn on a page (paths, images, shadings, forms), read up to this many.
MAX_GRAPHICS = 5000
_GRAPHICS = frozenset(
    {
        pdfium_c.FPDF_PAGEOBJ_PATH,
        pdfium_c.FPDF_PAGEOBJ_IMAGE,
        pdfium_c.FPDF_PAGEOBJ_SHADING,
        pdfium_c.FPDF_PAGEOBJ_FORM,
    }
)

_LOCK = threading.Lock()

# One character as read: text, left, bottom, right, top, whether a space precedes it, and
# its font size in points (0 where sizes are not read).
_Char = tuple[str, float, float, float, float, bool, float]
NO_TEXT = (
    "The PDF has no text layer (it is probably scanned); OCR is not supported — run OCR "
    "first and import the result."
)


def check_container(data: bytes) -> None:
    """Refuse bytes that are empty, do not start as a PDF, or lack the end-of-file marker."""
    if not data:
        raise ExtractionError("The file is not a readable PDF: it is empty.")
    if b"%PDF-" not in data[:1024]:
        raise ExtractionError("The file is not a readable PDF: it does not start as a PDF does.")
    # pdfium repairs a truncated file silently, keeping whatever pages it can find; a
    # document with pages missing must not pass for the whole text.
    if b"%%EOF" not in data[-4096:]:
        raise ExtractionError(
            "The file is not a readable PDF: it is truncated (its end-of-file marker is "
            "missing); download or export it again."
        )


def read_document(data: bytes) -> tuple[list[Page], dict[str, str]]:
    """Every page's segments and the document's metadata dictionary, read under the lock."""
    with _LOCK:
        return _read_document(data)


def _read_document(data: bytes) -> tuple[list[Page], dict[str, str]]:
    try:
        document = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as error:
        code = getattr(error, "err_code", None)
        if code is None:  # pypdfium2 releases that do not annotate the error
            code = pdfium_c.FPDF_GetLastError()
        if code == pdfium_c.FPDF_ERR_PASSWORD:
            raise ExtractionError(
                "The PDF is password-protected; remove the password and import it again."
            ) from error
        if code == pdfium_c.FPDF_ERR_SECURITY:
            raise ExtractionError(
                "The PDF is protected by a security scheme that cannot be read; remove the "
                "protection and import it again."
            ) from error
        raise ExtractionError(f"The file is not a readable PDF: {_pdfium_reason(code)}.") from error
    try:
        info = {key: value.strip() for key, value in document.get_metadata_dict().items()}
        # Font sizes are read on page 1 only, where the title is looked for.
        pages = [_read_page(document, index, sizes=index == 0) for index in range(len(document))]
    except pypdfium2.PdfiumError as error:
        raise ExtractionError(
            f"The file is not a readable PDF: a page could not be read ({error})."
        ) from error
    finally:
        document.close()
    if not pages:
        raise ExtractionError("The file is not a readable PDF: it has no pages.")
    return pages, info


def _pdfium_reason(code: int | None) -> str:
    if code == pdfium_c.FPDF_ERR_FORMAT:
        return "it is damaged or not a PDF at all"
    if code == pdfium_c.FPDF_ERR_FILE:
        return "it could not be opened"
    return "pdfium could not open it"


def _read_page(document: pypdfium2.PdfDocument, index: int, *, sizes: bool) -> Page:
    page = document[index]
    try:
        # The page's own space, in which the characters come: not get_size(), which is the
        # page as displayed (turned by /Rotate), nor get_cropbox(), which does not inherit.
        box = pdfium_c.FS_RECTF()
        pdfium_c.FPDF_GetPageBoundingBox(page.raw, ctypes.byref(box))
        bottom, top = min(box.bottom, box.top), max(box.bottom, box.top)
        textpage = page.get_textpage()
        try:
            segments, visible, controls = _page_segments(textpage.raw, sizes=sizes)
        finally:
            textpage.close()
        graphics = _page_graphics(page.raw)
    finally:
        page.close()
    return Page(
        bottom,
        top,
        segments,
        visible,
        controls,
        graphics=graphics,
        left=min(box.left, box.right),
        right=max(box.left, box.right),
    )


def _page_graphics(handle: Any) -> list[tuple[float, float, float, float]]:
    """The boxes of the page's own paths, images, shadings and forms (not nested ones)."""
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    refs = [ctypes.byref(value) for value in (left, bottom, right, top)]
    boxes: list[tuple[float, float, float, float]] = []
    for index in range(min(pdfium_c.FPDFPage_CountObjects(handle), MAX_GRAPHICS)):
        item = pdfium_c.FPDFPage_GetObject(handle, index)
        if pdfium_c.FPDFPageObj_GetType(item) in _GRAPHICS and pdfium_c.FPDFPageObj_GetBounds(
            item, *refs
        ):
            boxes.append((left.value, bottom.value, right.value, top.value))
    return boxes


def _page_text(handle: Any, count: int) -> str | None:
    """All of a page's characters in one call, when that maps one to one onto indices.

    pdfium returns UTF-16: a character outside the Basic Multilingual Plane takes two code
    units there, and then the characters are read one at a time instead.
    """
    buffer = ctypes.create_string_buffer((count + 1) * 2)
    written = pdfium_c.FPDFText_GetText(
        handle, 0, count, ctypes.cast(buffer, ctypes.POINTER(ctypes.c_ushort))
    )
    if written != count + 1:
        return None
    text = buffer.raw[: count * 2].decode("utf-16-le", errors="surrogatepass")
    if len(text) != count or any(0xD800 <= ord(c) <= 0xDFFF for c in text):
        return None
    return text


def _is_rotated(angle: float) -> bool:
    return angle >= 0 and min(angle, 2 * math.pi - angle) > 0.05


def _font_sizer(handle: Any) -> Callable[[int], float]:
    """The size, in points, at which a character of the page is drawn.

    pdfium's font size is the one the content stream names; many producers name 1 and scale
    the text matrix instead, so the matrix's vertical scale multiplies it.
    """
    matrix = pdfium_c.FS_MATRIX()
    matrix_ref = ctypes.byref(matrix)
    get_size = pdfium_c.FPDFText_GetFontSize
    get_matrix = pdfium_c.FPDFText_GetMatrix

    def size(index: int) -> float:
        scale = math.hypot(matrix.c, matrix.d) if get_matrix(handle, index, matrix_ref) else 1.0
        return get_size(handle, index) * scale

    return size


def _page_segments(handle: Any, *, sizes: bool = False) -> tuple[list[Segment], int, int]:
    """Runs of characters that follow each other on one baseline, as segments.

    Returns the segments, the number of visible characters and the number of control
    characters left out. With ``sizes``, each segment carries its font size.
    """
    count = pdfium_c.FPDFText_CountChars(handle)
    text = _page_text(handle, count) if count > 0 else ""
    rect = pdfium_c.FS_RECTF()
    rect_ref = ctypes.byref(rect)
    font_size = _font_sizer(handle) if sizes else None
    get_unicode = pdfium_c.FPDFText_GetUnicode
    get_box = pdfium_c.FPDFText_GetLooseCharBox
    get_angle = pdfium_c.FPDFText_GetCharAngle
    segments: list[Segment] = []
    run: list[_Char] = []
    run_rotated = False
    band_bottom = band_top = last_left = last_right = last_height = 0.0
    pending_space = space_from_break = False
    visible = controls = 0

    for index in range(count):
        code = ord(text[index]) if text is not None else get_unicode(handle, index)
        if code in _BREAKS:
            if run_rotated and run:
                segments.append(_segment(run, rotated=True))
                run = []
            pending_space = space_from_break = bool(run)
            continue
        if code in _SPACES:
            pending_space = bool(run)
            space_from_break = False
            continue
        if (code < 0x20 and code not in _HYPHEN_MARKERS) or code in _NONCHARACTERS:
            controls += 1
            continue
        get_box(handle, index, rect_ref)
        left, bottom, right, top = rect.left, rect.bottom, rect.right, rect.top
        if code in _HYPHEN_MARKERS:
            if code == 0xAD and right - left <= 0.01:
                continue  # an invisible soft hyphen: not part of the text as printed
            character = "\x02"
        else:
            character = chr(code)
            visible += 1
        height = max(top - bottom, 0.1)
        size = font_size(index) if font_size is not None else 0.0
        if run and not run_rotated:
            gap = max(left - last_right, last_left - right)
            if (
                band_bottom <= (bottom + top) / 2 <= band_top
                and gap < SEGMENT_GAP * height
                and (gap < NOTE_GAP * height or abs(height - last_height) <= 0.15 * height)
            ):
                # Same line, so (as pdfium sees text) the same orientation: no angle needed.
                if space_from_break:
                    pending_space = gap > BREAK_SPACE * max(height, last_height)
                run.append((character, left, bottom, right, top, pending_space, size))
                pending_space = space_from_break = False
                last_left, last_right, last_height = left, right, height
                continue
        rotated = _is_rotated(get_angle(handle, index))
        if run and not (rotated and run_rotated):
            segments.append(_segment(run, rotated=run_rotated))
            run = []
            pending_space = False
        if not run:
            run_rotated = rotated
            band_bottom, band_top = bottom, top
        run.append((character, left, bottom, right, top, pending_space, size))
        pending_space = space_from_break = False
        last_left, last_right, last_height = left, right, height
    if run:
        segments.append(_segment(run, rotated=run_rotated))
    return segments, visible, controls


def _segment(chars: list[_Char], *, rotated: bool) -> Segment:
    characters, lefts, bottoms, rights, tops, spaces, sizes = zip(*chars, strict=True)
    raised = _superscripts(chars) if not rotated else [False] * len(chars)
    text = _marked_text(characters, spaces, raised)
    first_word = spaces.index(True, 1) if True in spaces[1:] else len(chars)
    # The line's box is its text's: a raised reference does not make the line taller.
    body = [index for index, flag in enumerate(raised) if not flag]
    bottoms = tuple(bottoms[index] for index in body)
    tops = tuple(tops[index] for index in body)
    rtl = False
    if max(text) >= "\u0590":
        letters = [c for c in characters if c.isalpha()]
        rtl = sum(map(_is_rtl, letters)) * 2 > len(letters)
    return Segment(
        text=text,
        left=min(lefts),
        bottom=min(bottoms),
        right=max(rights),
        top=max(tops),
        height=max(map(operator.sub, tops, bottoms)),
        first_word=max(rights[:first_word]) - min(lefts[:first_word]),
        rtl=rtl,
        rotated=rotated,
        size=statistics.median(sizes) if sizes[0] else 0.0,
    )


def _superscripts(chars: list[_Char]) -> list[bool]:
    """Which characters are a note reference: digits or note symbols set small and raised.

    Against the height and bottom most of the line's characters have, a reference is at most
    ``SUPERSCRIPT_HEIGHT`` as tall and raised by ``SUPERSCRIPT_RISE`` of that height at
    least; a comma or dash counts only between two of its digits ("8,9").
    """
    heights = [top - bottom for _c, _l, bottom, _r, top, _s, _z in chars]
    if len(chars) < 2 or min(heights) > SUPERSCRIPT_HEIGHT * max(heights):
        return [False] * len(chars)  # all of one size, as most lines are
    height = statistics.median_high(heights)
    baseline = statistics.median_low(bottom for _c, _l, bottom, _r, _t, _s, _z in chars)
    flags = [
        (char[0] in REFERENCE_CHARACTERS or char[0] in REFERENCE_JOINERS)
        and char_height <= SUPERSCRIPT_HEIGHT * height
        and char[2] >= baseline + SUPERSCRIPT_RISE * height
        for char, char_height in zip(chars, heights, strict=True)
    ]
    # A run of raised characters must start and end with a digit or symbol, not a joiner.
    index = 0
    while index < len(flags):
        if not flags[index]:
            index += 1
            continue
        end = index
        while end < len(flags) and flags[end]:
            end += 1
        start, stop = index, end
        while start < stop and chars[start][0] not in REFERENCE_CHARACTERS:
            flags[start] = False
            start += 1
        while stop > start and chars[stop - 1][0] not in REFERENCE_CHARACTERS:
            flags[stop - 1] = False
            stop -= 1
        index = end
    return flags


def _marked_text(characters: tuple[str, ...], spaces: tuple[bool, ...], raised: list[bool]) -> str:
    """The characters as text, each run of raised ones between the reference marks.

    A reference belongs to what it follows, so the space before it goes, and so do spaces
    inside it ("8, 9" is "8,9").
    """
    if not any(raised):
        return "".join(
            " " + character if space and index else character
            for index, (character, space) in enumerate(zip(characters, spaces, strict=True))
        )
    parts: list[str] = []
    inside = False
    for index, (character, space, flag) in enumerate(zip(characters, spaces, raised, strict=True)):
        if flag and not inside:
            parts.append(REFERENCE_OPEN)
            inside = True
        elif not flag and inside:
            parts.append(REFERENCE_CLOSE)
            inside = False
            if space:
                parts.append(" ")
        elif space and index and not inside:
            parts.append(" ")
        parts.append(character)
    if inside:
        parts.append(REFERENCE_CLOSE)
    return "".join(parts)


def _is_rtl(character: str) -> bool:
    code = ord(character)
    return 0x0590 <= code <= 0x08FF or 0xFB1D <= code <= 0xFDFF or 0xFE70 <= code <= 0xFEFF


def check_text_layer(pages: list[Page]) -> None:
    """Refuse a document with no text layer, or text on too few of its pages (a scan)."""
    total = sum(page.visible_characters for page in pages)
    if total == 0:
        raise ExtractionError(NO_TEXT)
    with_text = sum(page.visible_characters >= MIN_CHARACTERS_PER_PAGE for page in pages)
    count = len(pages)
    if (count >= 2 and total < MIN_CHARACTERS_PER_PAGE * count) or (
        count >= 3 and with_text * 2 < count
    ):
        raise ExtractionError(
            f"The PDF has almost no text layer (text on {with_text} of {count} pages; it is "
            "probably scanned); OCR is not supported — run OCR first and import the result."
        )
