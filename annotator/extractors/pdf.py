"""PDF files: the text layer, rebuilt into lines and paragraphs from pdfium's characters.

pdfium (through pypdfium2) gives every character of a page with its box. Its own line
breaking follows the content stream, which interleaves running heads, margin notes and body
text, and it joins the halves of a hyphenated word. So the layout is rebuilt here from the
character boxes; the rules, in order:

1. **Lines.** Characters on one baseline that follow each other in pdfium's order (in either
   direction, so right-to-left text stays in logical order) form a *segment*; a horizontal
   gap of three text heights ends it (a running head's halves are two segments), and so does
   a gap of 0.7 where the text size changes (a line, then the margin note beside it).
   Rotated characters form segments of their own.
2. **Running heads and footers** are left out: a segment in the top or bottom 15 % of the
   page whose text, digits normalised, recurs on at least half of the pages and on at least
   three; rotated text (a printer's slug up the margin) that recurs the same way; and, among
   the two outermost lines of a page, a segment that is only a page number ("12", "- 12 -",
   "Page 12", "12 of 45", "xiv").
3. **Reading order** by recursive XY-cut: a vertical gutter splits a block into columns, read
   left to right (right to left on a mostly right-to-left page); otherwise the widest
   horizontal gaps split it, read top to bottom. A narrow, sparse column beside a wide one
   (margin notes) is read just before the paragraph it stands beside.
4. **Paragraphs.** A line starts a new paragraph when
   - the gap above it exceeds the document's usual gap between lines by 0.4 line heights;
   - its text height differs from the previous line's by more than 15 % (a heading);
   - its first word would have fitted at the end of the previous line (which thus ended on
     purpose), or the previous line ends in punctuation short of a justified column's end;
   - it is indented from the previous line (which ends in punctuation) and the next line is
     not level with it: a first-line indent, where a hanging indent would continue;
   - it starts further out than the previous line, itself not a paragraph's first line:
     the next item of a hanging list;
   - it is level with the previous line but the next line starts further out than any line
     of the paragraph so far: this line is an indented first line (nested legal clauses).
5. **Line ends.** Lines of a paragraph are joined with a space (none between Chinese or
   Japanese characters). A line ending with a hyphen after a letter or digit is joined
   without a space; the hyphen is dropped (``pdf:dehyphenate``) when the next line starts
   with a lower-case letter, unless the hyphenated form occurs elsewhere in the document
   more often than the joined one ("self-" and "determination" stay "self-determination").
   pdfium's hyphen markers (U+0002, U+FFFE) and visible soft hyphens count as hyphens
   (``pdf:hyphen-markers`` when one stays).
6. **Pages** are joined with a blank line, or with a single ``"\\n"`` when the page's last
   paragraph runs on: it does not end a sentence, and the next page starts in lower case, or
   with a digit after a lower-case word or a comma. A word hyphenated across the page break
   is completed on the page where it began. Each page start is thus 0 or follows a
   ``"\\n"``; an empty page starts where the next page begins (a last empty page, at the
   end of the text, which then ends with ``"\\n"``).

Ligatures (U+FB00 to U+FB06) are spelled out (``pdf:ligatures``). pdfium is not thread-safe,
so every call into it holds one module-level lock; the layout work runs outside it.

The title is the metadata's, unless ``is_placeholder_title`` says it is a placeholder or a
file name; then it is the largest text on page 1 (``_title_from_largest_text``); failing
that, the document takes its first line. ``metadata["title_source"]`` says which.
"""

from __future__ import annotations

import ctypes
import datetime
import itertools
import math
import operator
import re
import statistics
import threading
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pypdfium2
import pypdfium2.raw as pdfium_c

from annotator import __version__
from annotator.extractors.base import Extraction, ExtractionError

EXTRACTOR = "pdf (pypdfium2)"

STEP_DEHYPHENATE = "pdf:dehyphenate"
STEP_HYPHEN_MARKERS = "pdf:hyphen-markers"
STEP_LIGATURES = "pdf:ligatures"
STEP_DROP_RUNNING_HEADERS = "pdf:drop-running-headers"
STEP_DROP_PAGE_NUMBERS = "pdf:drop-page-numbers"
STEP_DROP_CONTROL_CHARACTERS = "pdf:drop-control-characters"

# A page with fewer visible characters than this carries no real text (a stamp, a number).
MIN_CHARACTERS_PER_PAGE = 16
# Share of the page height, at the top and at the bottom, where running heads are looked for.
MARGIN_BAND = 0.15
# A running head recurs on at least this share of the pages, and on at least so many pages.
RUNNING_SHARE = 0.5
RUNNING_MIN_PAGES = 3
# Horizontal gap, in text heights, that splits a line into separate segments; a narrower
# gap does too where the text size changes across it (a line, then a margin note beside it).
SEGMENT_GAP = 3.0
NOTE_GAP = 0.7
# Narrowest vertical gutter between columns, in text heights; how many gutters are tried,
# widest first, and how deep blocks are cut (bounds the work on a page of scattered labels).
GUTTER = 0.5
MAX_GUTTERS_TRIED = 8
MAX_CUT_DEPTH = 60
# How close to the column's end, in points, the lines of justified text end.
JUSTIFIED_TOLERANCE = 1.0
# Gap between lines, in text heights, assumed when a document has too few lines to tell.
USUAL_GAP = 0.2
USUAL_GAP_SAMPLES = 8
# Extra gap, in text heights, that sets a paragraph apart.
PARAGRAPH_GAP = 0.4
# Text on page 1 is a heading, and may be the title, when its font size is at least this
# many times the size of most of the page's text; lines within this ratio of the largest
# size count as that size. A title is at most so many lines and characters.
TITLE_SIZE_RATIO = 1.2
TITLE_SIZE_TOLERANCE = 1.05
TITLE_MAX_LINES = 4
TITLE_MAX_CHARACTERS = 300
# A metadata title shorter than this is a placeholder (Chinese and Japanese aside).
MIN_TITLE_LENGTH = 4
# Where the title came from, as ``metadata["title_source"]`` says.
TITLE_FROM_METADATA = "metadata"
TITLE_FROM_LARGEST_TEXT = "largest text on page 1"
TITLE_FROM_FIRST_LINE = "first line"

_LIGATURES = str.maketrans(
    {
        "\ufb00": "ff",
        "\ufb01": "fi",
        "\ufb02": "fl",
        "\ufb03": "ffi",
        "\ufb04": "ffl",
        "\ufb05": "st",
        "\ufb06": "st",
    }
)
# pdfium reports a hyphen it takes for a line-end hyphenation as U+0002 (one character at a
# time) or U+FFFE (whole text); PDF producers use U+00AD for the visible hyphen glyph too.
_HYPHEN_MARKERS = frozenset({0x02, 0xFFFE, 0xAD})
_HYPHENS = ("-", "\u2010")
_SPACES = frozenset({0x09, 0x20})
_BREAKS = frozenset({0x0A, 0x0D})
_SENTENCE_END = re.compile(r"[.!?\u2026\u061f\u06d4][\"'\u2019\u201d\u00bb)\]]*$")
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
_TRAILING_WORD = re.compile(r"([^\W\d_]+(?:-[^\W\d_]+)*)-$")
_LEADING_LETTERS = re.compile(r"[^\W\d_]+")
_DIGITS = re.compile(r"\d+")
_CJK = re.compile(r"[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
_ROMAN = r"(?=[mdclxvi])m{0,3}(?:cm|cd|d?c{0,3})(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3})"
_PAGE_NUMBER = re.compile(
    rf"[-\u2013\u2014|]?\s*(?:\d{{1,3}}|{_ROMAN})\s*[-\u2013\u2014|]?"  # 12, - 12 -, xiv
    r"|(?:page|p\.|pg\.?)\s*\d{1,5}(?:\s*(?:of|/)\s*\d{1,5})?"  # Page 12, p. 12 of 45
    r"|\d{1,5}\s*(?:of|/)\s*\d{1,5}",  # 12 of 45, 12/45
    re.IGNORECASE,
)
_PDF_DATE = re.compile(r"(?:D:)?(\d{4})(\d{2})(\d{2})")
_APPLICATION_PREFIX = re.compile(
    r"(?:microsoft\s+)?(?:word|powerpoint|excel|publisher|visio)\s+-\s.*", re.IGNORECASE
)
_FILE_SUFFIX = re.compile(
    r".*\.(?:pdf|docx?|dotx?|docm|rtf|odt|ott|odp|ods|pptx?|xlsx?|pages|key|wpd|wps|pub|ps|"
    r"eps|ai|indd|indt|idml|qxd|qxp|p65|pm[4-7]|fm|tex|dvi|txt|html?|xml|sxw|tiff?|jpe?g|png)",
    re.IGNORECASE,
)
_PLACEHOLDER_WORDS = re.compile(
    r"(?:untitled(?:[\s_-]*document)?|(?:no\s+)?title|none|null|unknown|n/?a|tbd|"
    r"(?:new\s+|blank\s+)?(?:document|doc)|(?:powerpoint\s+)?presentation|slide|page|"
    r"(?:microsoft\s+)?(?:word|powerpoint|excel|office)(?:\s+(?:document|presentation))?)"
    r"[\s_-]*\d*",
    re.IGNORECASE,
)
# Not the Arabic tatweel (U+0640), which stretches a word by repeating.
_LETTER_RUN = re.compile(r"([^\W\d_\u0640])\1{3,}", re.IGNORECASE)

_LOCK = threading.Lock()


# One character as read: text, left, bottom, right, top, whether a space precedes it, and
# its font size in points (0 where sizes are not read).
_Char = tuple[str, float, float, float, float, bool, float]


@dataclass(slots=True)
class _Segment:
    """Characters on one baseline, and the box around them (PDF points, y upwards)."""

    text: str
    left: float
    bottom: float
    right: float
    top: float
    height: float
    first_word: float  # width of the first word, for "would it have fitted above?"
    rtl: bool = False
    rotated: bool = False
    dropped: bool = False
    size: float = 0.0  # font size in points, the median of its characters' (page 1 only)

    @property
    def start(self) -> float:
        return self.right if self.rtl else self.left


@dataclass(slots=True)
class _Page:
    bottom: float  # of the page's bounding box, in the (unrotated) space of its characters
    top: float
    segments: list[_Segment]
    visible_characters: int
    control_characters: int = 0


@dataclass(slots=True)
class _Line:
    """A line in reading order, with the column it belongs to."""

    segment: _Segment
    column: int
    marginal: bool


@dataclass(slots=True)
class _Paragraph:
    lines: list[_Segment]
    column: int
    notes: list[_Paragraph] = field(default_factory=list)

    @property
    def top(self) -> float:
        return max(line.top for line in self.lines)

    @property
    def bottom(self) -> float:
        return min(line.bottom for line in self.lines)


@dataclass(slots=True)
class _Steps:
    """What changed the text, as counts, so that only steps that did something are named."""

    counts: Counter[str] = field(default_factory=Counter)

    def add(self, step: str, count: int = 1) -> None:
        if count:
            self.counts[step] += count


def is_placeholder_title(title: str) -> bool:
    """Whether a PDF's metadata title is a placeholder or a file name rather than a title.

    Word processors and typesetting tools fill the title with whatever they have. Taken for
    a placeholder, whitespace collapsed, is a title that

    - is shorter than four characters ("AB"; Chinese and Japanese excepted, where a word is
      one or two characters), or has no letter at all ("2022", "12345");
    - has a letter four or more times in a row ("xxxxxx", "Report on XXXX") or only one
      letter or digit repeated ("x x x x");
    - is a tool's name for "no title": "untitled", "Untitled-1", "title", "No title",
      "none", "null", "unknown", "n/a", "Document1", "Doc1", "New document 3",
      "Presentation1", "PowerPoint Presentation", "Microsoft Word Document", "Slide 1";
    - starts with an application's name and a dash ("Microsoft Word - report.docx",
      "Word - minutes");
    - ends in a file suffix (".doc", ".docx", ".pdf", ".indd", ".rtf", ".odt", ".qxd",
      ".ps" …: "PUBL078.PS"), is a path with backslashes, or is one word joined by
      underscores ("report_final_v2").
    """
    text = " ".join(title.split())
    too_short = len(text) < MIN_TITLE_LENGTH and not _CJK.search(text)
    if too_short or not any(c.isalpha() for c in text):
        return True
    if _LETTER_RUN.search(text) or len({c.casefold() for c in text if c.isalnum()}) <= 1:
        return True
    if "\\" in text or (" " not in text and "_" in text):
        return True
    return any(
        pattern.fullmatch(text)
        for pattern in (_PLACEHOLDER_WORDS, _APPLICATION_PREFIX, _FILE_SUFFIX)
    )


def extract_pdf(data: bytes) -> Extraction:
    """The text of a PDF's text layer, in reading order, with a page map and metadata.

    Raises ``ExtractionError`` for a file that is not a readable PDF, is password-protected,
    or has no text layer worth the name (a scan).
    """
    _check_container(data)
    with _LOCK:
        pages, info = _read_document(data)
    steps = _Steps()
    for page in pages:
        steps.add(STEP_DROP_CONTROL_CHARACTERS, page.control_characters)
        for segment in page.segments:
            expanded = segment.text.translate(_LIGATURES)
            steps.add(STEP_LIGATURES, expanded != segment.text)
            segment.text = expanded
    _check_text_layer(pages)
    _drop_running_heads(pages, steps)
    # Before the text is assembled, which merges the pieces of a line into one segment.
    heading = _title_from_largest_text(pages[0])
    text, page_starts = _assemble(pages, steps)
    if not text.strip():
        raise ExtractionError(_NO_TEXT)
    metadata = _metadata(info, pages, heading)
    return Extraction(
        text=text,
        extractor=EXTRACTOR,
        extractor_version=_extractor_version(),
        content_type="application/pdf",
        steps=tuple(step for step in _STEP_ORDER if steps.counts[step]),
        metadata=metadata,
        page_starts=tuple(page_starts),
    )


_STEP_ORDER = (
    STEP_DROP_CONTROL_CHARACTERS,
    STEP_LIGATURES,
    STEP_DROP_RUNNING_HEADERS,
    STEP_DROP_PAGE_NUMBERS,
    STEP_DEHYPHENATE,
    STEP_HYPHEN_MARKERS,
)
_NO_TEXT = (
    "The PDF has no text layer (it is probably scanned); OCR is not supported — run OCR "
    "first and import the result."
)


def _extractor_version() -> str:
    pdfium_build = getattr(pypdfium2.PDFIUM_INFO, "build", pypdfium2.PDFIUM_INFO)
    return f"annotator {__version__}; pypdfium2 {pypdfium2.PYPDFIUM_INFO}; pdfium {pdfium_build}"


# ---------------------------------------------------------------------------------------
# Reading the file (the only part that calls pdfium)
# ---------------------------------------------------------------------------------------


def _check_container(data: bytes) -> None:
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


def _read_document(data: bytes) -> tuple[list[_Page], dict[str, str]]:
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


def _read_page(document: pypdfium2.PdfDocument, index: int, *, sizes: bool) -> _Page:
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
    finally:
        page.close()
    return _Page(bottom, top, segments, visible, controls)


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


def _page_segments(handle: Any, *, sizes: bool = False) -> tuple[list[_Segment], int, int]:
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
    segments: list[_Segment] = []
    run: list[_Char] = []
    run_rotated = False
    band_bottom = band_top = last_left = last_right = last_height = 0.0
    pending_space = False
    visible = controls = 0

    for index in range(count):
        code = ord(text[index]) if text is not None else get_unicode(handle, index)
        if code in _BREAKS:
            if run_rotated and run:
                segments.append(_segment(run, rotated=True))
                run = []
            pending_space = bool(run)
            continue
        if code in _SPACES:
            pending_space = bool(run)
            continue
        if code < 0x20 and code not in _HYPHEN_MARKERS:
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
                run.append((character, left, bottom, right, top, pending_space, size))
                pending_space = False
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
        pending_space = False
        last_left, last_right, last_height = left, right, height
    if run:
        segments.append(_segment(run, rotated=run_rotated))
    return segments, visible, controls


def _segment(chars: list[_Char], *, rotated: bool) -> _Segment:
    characters, lefts, bottoms, rights, tops, spaces, sizes = zip(*chars, strict=True)
    text = "".join(
        " " + character if space and index else character
        for index, (character, space) in enumerate(zip(characters, spaces, strict=True))
    )
    first_word = spaces.index(True, 1) if True in spaces[1:] else len(chars)
    rtl = False
    if max(text) >= "\u0590":
        letters = [c for c in characters if c.isalpha()]
        rtl = sum(map(_is_rtl, letters)) * 2 > len(letters)
    return _Segment(
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


def _is_rtl(character: str) -> bool:
    code = ord(character)
    return 0x0590 <= code <= 0x08FF or 0xFB1D <= code <= 0xFDFF or 0xFE70 <= code <= 0xFEFF


def _check_text_layer(pages: list[_Page]) -> None:
    total = sum(page.visible_characters for page in pages)
    if total == 0:
        raise ExtractionError(_NO_TEXT)
    with_text = sum(page.visible_characters >= MIN_CHARACTERS_PER_PAGE for page in pages)
    count = len(pages)
    if (count >= 2 and total < MIN_CHARACTERS_PER_PAGE * count) or (
        count >= 3 and with_text * 2 < count
    ):
        raise ExtractionError(
            f"The PDF has almost no text layer (text on {with_text} of {count} pages; it is "
            "probably scanned); OCR is not supported — run OCR first and import the result."
        )


# ---------------------------------------------------------------------------------------
# Running heads, footers and page numbers
# ---------------------------------------------------------------------------------------


def _running_key(text: str) -> str:
    return _DIGITS.sub("#", " ".join(text.casefold().split()))


def _drop_running_heads(pages: list[_Page], steps: _Steps) -> None:
    candidates: list[list[_Segment]] = []
    pages_with: defaultdict[str, set[int]] = defaultdict(set)
    for number, page in enumerate(pages):
        band = MARGIN_BAND * (page.top - page.bottom)
        in_band = [
            segment
            for segment in page.segments
            if segment.rotated
            or segment.top >= page.top - band
            or segment.bottom <= page.bottom + band
        ]
        candidates.append(in_band)
        for segment in in_band:
            pages_with[_running_key(segment.text)].add(number)
    needed = max(RUNNING_MIN_PAGES, math.ceil(RUNNING_SHARE * len(pages)))
    running = {key for key, found in pages_with.items() if len(found) >= needed}
    for page, in_band in zip(pages, candidates, strict=True):
        outermost = _outermost_lines(page)
        for segment in in_band:
            if _running_key(segment.text) in running:
                segment.dropped = True
                steps.add(STEP_DROP_RUNNING_HEADERS)
            elif (
                not segment.rotated
                and id(segment) in outermost
                and _PAGE_NUMBER.fullmatch(segment.text.strip())
            ):
                segment.dropped = True
                steps.add(STEP_DROP_PAGE_NUMBERS)


def _outermost_lines(page: _Page) -> set[int]:
    """The segments on the two topmost and the two lowest lines of a page."""
    lines = _group_lines([s for s in page.segments if not s.rotated])
    chosen = lines[:2] + lines[-2:]
    return {id(segment) for line in chosen for segment in line}


def _group_lines(segments: list[_Segment]) -> list[list[_Segment]]:
    """Segments grouped by shared baseline band, top line first."""
    lines: list[list[_Segment]] = []
    band_bottom = band_top = 0.0
    for segment in sorted(segments, key=lambda s: -s.top):
        middle = (segment.bottom + segment.top) / 2
        if lines and band_bottom <= middle <= band_top:
            lines[-1].append(segment)
            band_bottom = min(band_bottom, segment.bottom)
        else:
            lines.append([segment])
            band_bottom, band_top = segment.bottom, segment.top
    return lines


# ---------------------------------------------------------------------------------------
# Reading order
# ---------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Layout:
    lines: list[_Line] = field(default_factory=list)
    columns: int = 0
    right_to_left: bool = False
    gutter: float = 3.0


def _reading_order(segments: list[_Segment]) -> list[_Line]:
    if not segments:
        return []
    layout = _Layout(
        right_to_left=sum(len(s.text) for s in segments if s.rtl) * 2
        > sum(len(s.text) for s in segments),
        gutter=GUTTER * statistics.median(s.height for s in segments),
    )
    _xy_cut(segments, 0, False, layout)
    return layout.lines


def _xy_cut(
    segments: list[_Segment], column: int, marginal: bool, layout: _Layout, depth: int = 0
) -> None:
    if len(segments) > 1 and depth < MAX_CUT_DEPTH:
        for gutter in _vertical_gutters(segments, layout.gutter)[:MAX_GUTTERS_TRIED]:
            left = [s for s in segments if s.right <= gutter]
            right = [s for s in segments if s.right > gutter]
            sides = [right, left] if layout.right_to_left else [left, right]
            narrow = [_is_marginal(side, other) for side, other in (sides, sides[::-1])]
            # Columns are columns of lines; pieces of one or two lines side by side are words
            # spread out along a line (a table row, a form), read left to right as a line.
            if not any(narrow) and min(len(_group_lines(side)) for side in sides) < 3:
                continue
            for side, side_marginal in zip(sides, narrow, strict=True):
                layout.columns += 1
                _xy_cut(side, layout.columns, marginal or side_marginal, layout, depth + 1)
            return
        bands = _horizontal_bands(segments)
        if len(bands) > 1:
            for band in bands:
                _xy_cut(band, column, marginal, layout, depth + 1)
            return
    for line in _group_lines(segments):
        order = sorted(line, key=lambda s: -s.start if s.rtl else s.start)
        layout.lines.extend(_Line(segment, column, marginal) for segment in order)


def _vertical_gutters(segments: list[_Segment], minimum: float) -> list[float]:
    """The middles of the vertical strips that no segment crosses, widest first."""
    ordered = sorted(segments, key=lambda s: s.left)
    reach = ordered[0].right
    found: list[tuple[float, float]] = []
    for segment in ordered[1:]:
        if segment.left - reach >= minimum:
            found.append((segment.left - reach, (segment.left + reach) / 2))
        reach = max(reach, segment.right)
    return [middle for _width, middle in sorted(found, reverse=True)]


def _is_marginal(side: list[_Segment], other: list[_Segment]) -> bool:
    """A narrow, sparse column next to a wide one: margin notes, not a column of text."""
    if len(_group_lines(other)) < 3:
        return False
    width = max(s.right for s in side) - min(s.left for s in side)
    other_width = max(s.right for s in other) - min(s.left for s in other)
    characters = sum(len(s.text) for s in side)
    other_characters = sum(len(s.text) for s in other)
    return width < 0.4 * other_width and characters < 0.3 * other_characters


def _horizontal_bands(segments: list[_Segment]) -> list[list[_Segment]]:
    """Split at the widest horizontal gaps, top first.

    Boxes of successive lines may touch or overlap a little (pdfium's boxes are as tall as
    the font, or taller), so a gap is where a segment's top lies below the lowest bottom
    above it by less than a quarter of its height; of these, the widest (within a fifth) are
    cut.
    """
    ordered = sorted(segments, key=lambda s: -s.top)
    groups: list[list[_Segment]] = [[ordered[0]]]
    gaps: list[float] = []
    floor = ordered[0].bottom
    for segment in ordered[1:]:
        if segment.top < floor + 0.25 * segment.height:
            gaps.append(floor - segment.top)
            groups.append([segment])
        else:
            groups[-1].append(segment)
        floor = min(floor, segment.bottom)
    if not gaps:
        return groups
    widest = max(gaps)
    threshold = widest - max(0.2 * abs(widest), 0.5)
    bands = [groups[0]]
    for gap, group in zip(gaps, groups[1:], strict=True):
        if gap >= threshold:
            bands.append(group)
        else:
            bands[-1].extend(group)
    return bands


# ---------------------------------------------------------------------------------------
# Paragraphs
# ---------------------------------------------------------------------------------------


def _merge_same_line(lines: list[_Line]) -> list[_Line]:
    """Consecutive pieces of one printed line (a superscript, a change of font) as one."""
    merged: list[_Line] = []
    for line in lines:
        if merged and merged[-1].column == line.column:
            previous = merged[-1].segment
            current = line.segment
            middle = (current.bottom + current.top) / 2
            if previous.bottom <= middle <= previous.top:
                if previous.rtl:
                    gap = previous.left - current.right
                else:
                    gap = current.left - previous.right
                joiner = " " if gap > 0.15 * previous.height else ""
                previous.text = previous.text + joiner + current.text
                previous.left = min(previous.left, current.left)
                previous.right = max(previous.right, current.right)
                previous.bottom = min(previous.bottom, current.bottom)
                previous.top = max(previous.top, current.top)
                previous.height = max(previous.height, current.height)
                continue
        merged.append(line)
    return merged


def _line_gap_ratios(pages_lines: list[list[_Line]]) -> float:
    """The usual gap between consecutive lines of one column, in text heights."""
    ratios: list[float] = []
    for lines in pages_lines:
        for before, after in itertools.pairwise(lines):
            a, b = before.segment, after.segment
            if before.column != after.column or abs(a.height - b.height) > 0.1 * a.height:
                continue
            gap = a.bottom - b.top
            if -0.5 * a.height < gap < 2 * a.height:
                ratios.append(gap / a.height)
    if len(ratios) < USUAL_GAP_SAMPLES:
        return USUAL_GAP
    return min(statistics.median(ratios), 1.0)


def _column_ends(lines: list[_Line]) -> dict[int, tuple[float, bool]]:
    """Where each column's lines end, and whether the column is justified.

    The end is the 85th percentile of the lines' ends, so that it is the text width whether
    the text is justified or ragged; the column is justified when most lines end there. A
    column of one or two lines (a title beside a date) takes the page's width instead.
    """
    ends: defaultdict[int, list[float]] = defaultdict(list)
    page: list[float] = []
    for line in lines:
        segment = line.segment
        end = -segment.left if segment.rtl else segment.right
        ends[line.column].append(end)
        if not line.marginal:
            page.append(end)
    marginal = {line.column for line in lines if line.marginal}
    page_end = _percentile(page, 0.85) if page else 0.0
    result: dict[int, tuple[float, bool]] = {}
    for column, values in ends.items():
        if len(values) < 3 and column not in marginal:
            result[column] = (max(page_end, *values), False)
            continue
        column_end = _percentile(values, 0.85)
        flush = sum(abs(value - column_end) <= JUSTIFIED_TOLERANCE for value in values)
        result[column] = (column_end, flush * 2 > len(values))
    return result


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[int(share * (len(ordered) - 1))]


def _paragraphs(lines: list[_Line], usual_gap: float) -> tuple[list[_Paragraph], list[_Paragraph]]:
    """The page's main paragraphs in order, and its margin notes (anchored to main ones)."""
    ends = _column_ends(lines)
    main = [line for line in lines if not line.marginal]
    notes = [line for line in lines if line.marginal]
    paragraphs = _flow(main, ends, usual_gap)
    note_paragraphs = _flow(notes, ends, usual_gap)
    return paragraphs, note_paragraphs


def _flow(
    lines: list[_Line], ends: dict[int, tuple[float, bool]], usual_gap: float
) -> list[_Paragraph]:
    paragraphs: list[_Paragraph] = []
    for index, line in enumerate(lines):
        following = lines[index + 1] if index + 1 < len(lines) else None
        if paragraphs and not _starts_paragraph(paragraphs[-1], line, following, ends, usual_gap):
            paragraphs[-1].lines.append(line.segment)
            paragraphs[-1].column = line.column
        else:
            paragraphs.append(_Paragraph(lines=[line.segment], column=line.column))
    return paragraphs


def _starts_paragraph(
    paragraph: _Paragraph,
    line: _Line,
    following: _Line | None,
    ends: dict[int, tuple[float, bool]],
    usual_gap: float,
) -> bool:
    a, b = paragraph.lines[-1], line.segment
    if line.column != paragraph.column:
        return not _runs_on(a.text, b.text)
    edge = ends[line.column]
    if _set_apart(a, b, edge, usual_gap):
        return True
    a_text = a.text.rstrip()
    tolerance = 0.5 * min(a.height, b.height)
    # The line after this one, if it carries on this one's paragraph.
    c = following.segment if following and following.column == line.column else None
    if c is not None and _set_apart(b, c, edge, usual_gap):
        c = None
    indent = _further_in(b, a)
    if indent > tolerance:
        # Indented under a line that ends mid-phrase: the hanging indent of a heading.
        if a_text[-1:].isalnum():
            return False
        # A first-line indent, or a one-line paragraph; not a hanging indent.
        return c is None or abs(_further_in(c, b)) > tolerance
    if indent < -tolerance:
        # Further out than a line that was itself a continuation: the next hanging item.
        return len(paragraph.lines) > 1
    # Level with the line above, but the line below is further out than any line of this
    # paragraph: this line is the indented first line of a new paragraph.
    return (
        c is not None
        and not a_text.endswith(("\x02", *_HYPHENS))
        and _further_in(c, b) < -tolerance
        and _further_in(c, paragraph.lines[0]) < -tolerance
    )


def _set_apart(a: _Segment, b: _Segment, edge: tuple[float, bool], usual_gap: float) -> bool:
    """Whether ``b`` is set apart from the line ``a`` above it, indentation aside."""
    if b.top > a.top:  # back up the page: a new block
        return True
    if a.bottom - b.top > (usual_gap + PARAGRAPH_GAP) * min(a.height, b.height):
        return True
    if _other_size(a, b):
        return True
    a_text = a.text.rstrip()
    if a_text.endswith(("\x02", *_HYPHENS)):
        return False
    column_end, justified = edge
    room = column_end - (-a.left if a.rtl else a.right)
    # The next line's first word would have fitted: this line ended on purpose.
    if room > b.first_word + 0.5 * b.height:
        return True
    # In justified text only a paragraph's last line stops short of the column's end.
    return justified and room > 2 * JUSTIFIED_TOLERANCE and not a_text[-1:].isalnum()


def _other_size(a: _Segment, b: _Segment) -> bool:
    return abs(a.height - b.height) > 0.15 * max(a.height, b.height)


def _further_in(segment: _Segment, reference: _Segment) -> float:
    """How much further in from the column's start edge ``segment`` starts than ``reference``."""
    if segment.rtl:
        return reference.start - segment.start
    return segment.start - reference.start


def _runs_on(before: str, after: str) -> bool:
    """Whether text continues from ``before`` (end of a column or page) into ``after``.

    It does when ``before`` does not end a sentence and ``after`` starts in lower case, or
    with a digit after a lower-case word or a comma ("by the end of" / "2019.").
    """
    before, after = before.rstrip(), after.lstrip()
    if not before or not after or _SENTENCE_END.search(before):
        return False
    if after[0].islower():
        return True
    return after[0].isdigit() and (before[-1] == "," or before[-1].islower())


def _anchor_notes(paragraphs: list[_Paragraph], notes: list[_Paragraph]) -> list[_Paragraph]:
    """Attach each margin note to the paragraph it stands beside; return notes left over."""
    if not paragraphs:
        return notes
    for note in notes:
        beside = [p for p in paragraphs if p.bottom <= note.top]
        anchor = beside[0] if beside else paragraphs[-1]
        for paragraph in beside:
            if paragraph.top >= note.top >= paragraph.bottom:
                anchor = paragraph
                break
        anchor.notes.append(note)
    return []


# ---------------------------------------------------------------------------------------
# Text
# ---------------------------------------------------------------------------------------


class _Joiner:
    """Joins lines, deciding at each line-end hyphen whether it is hyphenation."""

    def __init__(self, segments: list[_Segment], steps: _Steps) -> None:
        words: Counter[str] = Counter()
        for segment in segments:
            words.update(word.casefold() for word in _WORD.findall(segment.text))
        self.words = words
        self.steps = steps

    def join(self, before: str, after: str) -> tuple[str, str]:
        """``before`` and ``after`` joined across a line end: the text, and the separator."""
        before = before.rstrip()
        after = after.lstrip()
        if before.endswith(("\x02", *_HYPHENS)):
            word = _TRAILING_WORD.search(before.replace("\x02", "-"))
            start = _LEADING_LETTERS.match(after)
            if (
                word
                and start
                and start.group()[0].islower()
                and self._is_hyphenation(word[1], start.group())
            ):
                self.steps.add(STEP_DEHYPHENATE)
                return before[:-1], ""
            if len(before) > 1 and not before[-2].isspace():  # Uyghur-Muslim, 2019-2020
                return self.visible(before), ""
        if _CJK.match(before[-1:]) and _CJK.match(after[:1]):  # no spaces between words
            return before, ""
        return self.visible(before), " "

    def _is_hyphenation(self, head: str, tail: str) -> bool:
        joined = self.words[(head + tail).casefold()]
        hyphenated = self.words[f"{head}-{tail}".casefold()]
        return hyphenated <= joined

    def visible(self, text: str) -> str:
        if "\x02" not in text:
            return text
        self.steps.add(STEP_HYPHEN_MARKERS, text.count("\x02"))
        return text.replace("\x02", "-")


def _paragraph_text(lines: list[_Segment], joiner: _Joiner) -> str:
    parts: list[str] = []
    current = lines[0].text.strip()
    for line in lines[1:]:
        text, separator = joiner.join(current, line.text)
        parts.append(text + separator)
        current = line.text.strip()
    parts.append(joiner.visible(current.rstrip()))
    return "".join(parts)


def _assemble(pages: list[_Page], steps: _Steps) -> tuple[str, list[int]]:
    pages_lines: list[list[_Line]] = []
    for page in pages:
        kept = [s for s in page.segments if not s.dropped and not s.rotated and s.text.strip()]
        pages_lines.append(_merge_same_line(_reading_order(kept)))
    usual_gap = _line_gap_ratios(pages_lines)
    joiner = _Joiner([line.segment for lines in pages_lines for line in lines], steps)

    pages_paragraphs: list[list[_Paragraph]] = []
    for page, lines in zip(pages, pages_lines, strict=True):
        paragraphs, notes = _paragraphs(lines, usual_gap)
        leftover = _anchor_notes(paragraphs, notes)
        rotated = [s for s in page.segments if s.rotated and not s.dropped and s.text.strip()]
        paragraphs.extend(leftover)
        paragraphs.extend(_Paragraph(lines=[s], column=-1) for s in rotated)
        pages_paragraphs.append(paragraphs)

    # Decide page joins, carrying a word hyphenated across a page break back to its page.
    runs_on = [False] * len(pages)
    for number in range(len(pages) - 1):
        before = _last_main(pages_paragraphs[number])
        after = _first_main(pages_paragraphs[number + 1])
        if before is None or after is None:
            continue
        last, first = before.lines[-1], after.lines[0]
        if _runs_on(last.text.replace("\x02", "-"), first.text):
            runs_on[number] = True
            if last.text.rstrip().endswith(("\x02", *_HYPHENS)):
                head, _, rest = first.text.strip().partition(" ")
                text, separator = joiner.join(last.text, head)
                if not separator:
                    last.text = text + head
                    first.text = rest

    text_parts: list[str] = []
    page_starts: list[int] = []
    length = 0
    pending = ""
    for number, paragraphs in enumerate(pages_paragraphs):
        carried_on = _first_main(paragraphs) if number and runs_on[number - 1] else None
        blocks = (_paragraph_block(p, p is carried_on, joiner) for p in paragraphs)
        body = "\n\n".join(block for block in blocks if block)
        if not body:
            page_starts.append(-1)
            continue
        length += len(pending)
        text_parts.append(pending)
        page_starts.append(length)
        text_parts.append(body)
        length += len(body)
        pending = "\n" if runs_on[number] else "\n\n"
    text = "".join(text_parts)
    # An empty page starts where the next page with text begins (or at the very end).
    if page_starts and page_starts[-1] == -1 and text:
        text += "\n"
    following = len(text)
    for number in range(len(page_starts) - 1, -1, -1):
        if page_starts[number] == -1:
            page_starts[number] = following
        following = page_starts[number]
    return text, page_starts


def _paragraph_block(paragraph: _Paragraph, carried_on: bool, joiner: _Joiner) -> str:
    """A paragraph's text with its margin notes: before it, unless it carries on from the
    previous page (the notes would cut its sentence in two), then after it."""
    lines = [line for line in paragraph.lines if line.text.strip()]
    blocks = [_paragraph_text(lines, joiner)] if lines else []
    notes = [_paragraph_text(note.lines, joiner) for note in paragraph.notes]
    return "\n\n".join([*blocks, *notes] if carried_on else [*notes, *blocks])


def _first_main(paragraphs: list[_Paragraph]) -> _Paragraph | None:
    for paragraph in paragraphs:
        if paragraph.column >= 0:
            return paragraph
    return None


def _last_main(paragraphs: list[_Paragraph]) -> _Paragraph | None:
    for paragraph in reversed(paragraphs):
        if paragraph.column >= 0:
            return paragraph
    return None


# ---------------------------------------------------------------------------------------
# Metadata
# ---------------------------------------------------------------------------------------


def _title_from_largest_text(page: _Page) -> str | None:
    """The text set largest on the page, when it stands out from the rest: the title.

    Segments with fewer than two letters (page numbers, a chapter numeral, an ornament, a
    drop cap) and the running heads and page numbers already dropped do not count. The
    largest size must be ``TITLE_SIZE_RATIO`` times the size most of the page's letters
    have. The title is the topmost line of that size and the lines after it that continue
    it (``_continues_title``), at most ``TITLE_MAX_LINES``; ``None`` when nothing stands
    out, or when what does is too long to be a title.
    """
    candidates = [
        segment
        for segment in page.segments
        if segment.size > 0
        and not segment.dropped
        and not segment.rotated
        and sum(c.isalpha() for c in segment.text) >= 2
    ]
    if not candidates:
        return None
    largest = max(segment.size for segment in candidates)
    if largest < TITLE_SIZE_RATIO * _usual_size(candidates):
        return None
    heading = [s for s in candidates if s.size * TITLE_SIZE_TOLERANCE >= largest]
    lines = [_joined_line(line) for line in _group_lines(heading)]
    widest = max(line.right - line.left for line in lines)
    column = max(_percentile([s.right - s.left for s in candidates], 0.85), widest)
    title = [lines[0]]
    for line in lines[1:]:
        if not _continues_title(title[-1], line, column=column, centred=widest, size=largest):
            break
        title.append(line)
    if len(title) > TITLE_MAX_LINES:
        return None
    text = ""
    for line in title:
        words = " ".join(line.text.replace("\x02", "-").split())
        # A hyphen at a line's end after a letter joins ("Self-" "determination").
        text += words if not text or re.search(r"[^\W\d_]-$", text) else " " + words
    return text if len(text) <= TITLE_MAX_CHARACTERS else None


def _usual_size(segments: list[_Segment]) -> float:
    """The font size of most of the letters: the median, weighted by their number."""
    weighted = sorted((s.size, sum(c.isalpha() for c in s.text)) for s in segments)
    half = sum(count for _size, count in weighted) / 2
    seen = 0
    for size, count in weighted:
        seen += count
        if seen >= half:
            return size
    return weighted[-1][0]


def _joined_line(segments: list[_Segment]) -> _Segment:
    """The segments of one printed line as one, in reading order."""
    ordered = sorted(segments, key=lambda s: -s.start if s.rtl else s.start)
    first = ordered[0]
    return _Segment(
        text=" ".join(s.text.strip() for s in ordered),
        left=min(s.left for s in ordered),
        bottom=min(s.bottom for s in ordered),
        right=max(s.right for s in ordered),
        top=max(s.top for s in ordered),
        height=max(s.height for s in ordered),
        first_word=first.first_word,
        rtl=first.rtl,
        size=first.size,
    )


def _continues_title(
    above: _Segment, line: _Segment, *, column: float, centred: float, size: float
) -> bool:
    """Whether ``line`` carries on the title from the line ``above`` it.

    It does when it follows closely (no blank line between), is aligned with it, and the
    title wraps there: ``line``'s first word would not have fitted on the line above, or the
    line above ends in a comma, colon, semicolon or dash, or ``line`` starts in lower case.
    Lines that share their left or right edge are measured against the page's text
    ``column``; lines centred on each other against the widest of them (``centred``), since
    a centred title is often set narrower than the text below it.
    """
    tolerance = 0.5 * size
    if above.bottom - line.top > 0.8 * size:
        return False
    if abs(above.left - line.left) <= tolerance or abs(above.right - line.right) <= tolerance:
        measure = column
    elif abs((above.left + above.right) / 2 - (line.left + line.right) / 2) <= tolerance:
        measure = centred
    else:
        return False
    room = measure - (above.right - above.left)
    before, after = above.text.rstrip(), line.text.lstrip()
    return (
        room < line.first_word + 0.3 * size
        or before.endswith((",", ":", ";", "\x02", "\u2013", "\u2014", *_HYPHENS))
        or after[:1].islower()
    )


def _metadata(info: dict[str, str], pages: list[_Page], heading: str | None) -> dict[str, Any]:
    metadata: dict[str, Any] = {"pages": len(pages)}
    title = " ".join(info.get("Title", "").split())
    if not is_placeholder_title(title):
        metadata["title"], metadata["title_source"] = title, TITLE_FROM_METADATA
    elif heading is not None:
        metadata["title"], metadata["title_source"] = heading, TITLE_FROM_LARGEST_TEXT
    else:
        # The document takes its first line as its title (``title_from_text``).
        metadata["title_source"] = TITLE_FROM_FIRST_LINE
    author = " ".join(info.get("Author", "").split())
    if author:
        metadata["author"] = author
    published = _pdf_date(info.get("CreationDate", ""))
    if published:
        metadata["published_on"] = published
    without_text = [
        number
        for number, page in enumerate(pages, start=1)
        if page.visible_characters < MIN_CHARACTERS_PER_PAGE
    ]
    if without_text:
        metadata["pages_without_text"] = without_text
    return metadata


def _pdf_date(value: str) -> str | None:
    """The date of a PDF date string ("D:20211229081127-05'00'") as YYYY-MM-DD."""
    match = _PDF_DATE.match(value.strip())
    if not match:
        return None
    try:
        return datetime.date(*(int(part) for part in match.groups())).isoformat()
    except ValueError:
        return None


def expand_ligatures(text: str) -> str:
    """Spell out the Latin typographic ligatures U+FB00 to U+FB06 ("ﬁ" becomes "fi")."""
    return text.translate(_LIGATURES)
