"""Canonical text: the one string every span offset in the product points into.

Pure functions, no Django. The canonical text of a document is Unicode NFC with line
endings normalised to ``\\n``; offsets into it are Unicode code points, which is what a
Python ``str`` indexes. Browsers count UTF-16 code units instead, so characters outside
the Basic Multilingual Plane (emoji, CJK Extension B) count once here and twice there.
"""

from __future__ import annotations

import bisect
import hashlib
import re
import unicodedata
from dataclasses import dataclass

# Each step is recorded by name in a document's provenance when it changed the text.
STEP_STRIP_BOM = "strip-bom"
STEP_NEWLINES = "newlines-to-lf"
STEP_REMOVE_NUL = "remove-nul"
STEP_NFC = "unicode-nfc"
STEP_ARABIC_FORMS = "arabic-presentation-forms-nfkc"

_CR_OR_CRLF = re.compile(r"\r\n?")
# Arabic presentation forms: contextual glyph shapes that legacy encoders and some PDFs emit
# instead of letters. Search and offsets need the letters; NFKC maps each form to them.
# Only these characters are mapped: NFKC on the whole text would also fold digits,
# ligatures and compatibility characters that are part of a quotation.
_ARABIC_PRESENTATION_FORMS = re.compile("[\ufb50-\ufdff\ufe70-\ufefe]")


@dataclass(frozen=True)
class CanonicalText:
    """A canonical text, its SHA-256 and the normalisation steps that changed it."""

    text: str
    sha256: str
    steps: tuple[str, ...]

    @property
    def length(self) -> int:
        """Length in Unicode code points."""
        return len(self.text)


@dataclass(frozen=True)
class Line:
    """One line of a canonical text and the code-point offset at which it starts."""

    start: int
    text: str

    @property
    def end(self) -> int:
        return self.start + len(self.text)


def sha256_hex(data: bytes) -> str:
    """SHA-256 of bytes, as 64 lower-case hex digits."""
    return hashlib.sha256(data).hexdigest()


def text_sha256(text: str) -> str:
    """SHA-256 of a text's UTF-8 encoding: the hash kept for every canonical text."""
    return sha256_hex(text.encode("utf-8"))


def canonicalize(raw: str) -> CanonicalText:
    """Return the canonical form of ``raw`` and the steps that changed it, in order.

    1. ``strip-bom``: a leading byte-order mark (U+FEFF) is an encoding artefact, not text.
    2. ``newlines-to-lf``: CRLF and lone CR become LF (only these: other Unicode line
       separators are text and stay, so offsets do not depend on a splitting rule).
    3. ``remove-nul``: U+0000 cannot be stored by PostgreSQL and is never meaningful text.
    4. ``arabic-presentation-forms-nfkc``: Arabic presentation forms (U+FB50–U+FDFF,
       U+FE70–U+FEFE) become their base letters by NFKC applied to those characters only.
    5. ``unicode-nfc``: canonical composition (Unicode Standard Annex #15), so that the same
       visible text always has the same code points, offsets and hash.
    """
    steps: list[str] = []
    text = raw
    if text.startswith("\ufeff"):
        text = text[1:]
        steps.append(STEP_STRIP_BOM)
    text = _normalise(text, steps)
    return CanonicalText(text=text, sha256=text_sha256(text), steps=tuple(steps))


def _normalise(text: str, steps: list[str]) -> str:
    """Steps 2 to 5 of ``canonicalize``, which apply alike to any stretch of a text."""
    if "\r" in text:
        text = _CR_OR_CRLF.sub("\n", text)
        steps.append(STEP_NEWLINES)
    if "\x00" in text:
        text = text.replace("\x00", "")
        steps.append(STEP_REMOVE_NUL)
    if _ARABIC_PRESENTATION_FORMS.search(text):
        text = _ARABIC_PRESENTATION_FORMS.sub(
            lambda match: unicodedata.normalize("NFKC", match.group()), text
        )
        steps.append(STEP_ARABIC_FORMS)
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
        steps.append(STEP_NFC)
    return text


def canonical_offsets(raw: str, offsets: list[int]) -> list[int]:
    """Where offsets into ``raw`` fall in ``canonicalize(raw).text``.

    Each stretch of ``raw`` between consecutive offsets is normalised on its own and the
    lengths are summed. That is exact at line starts (page starts, say) and at any offset
    that does not split a CRLF or a character from the combining marks that follow it; a
    caller mapping arbitrary offsets (imported spans) checks the quote afterwards.
    """
    order = sorted(set(offsets))
    mapped: dict[int, int] = {}
    position, length = 0, 0
    for offset in order:
        if not 0 <= offset <= len(raw):
            raise ValueError(f"Offset {offset} is outside a text of {len(raw)} characters.")
        chunk = raw[position:offset]
        if position == 0 and chunk.startswith("\ufeff"):
            chunk = chunk[1:]
        length += len(_normalise(chunk, []))
        mapped[offset] = length
        position = offset
    return [mapped[offset] for offset in offsets]


def lines(text: str) -> list[Line]:
    """Split a canonical text on ``\\n`` only, keeping each line's code-point start offset.

    ``str.splitlines`` is not used: it also splits on U+2028, U+0085 and form feeds, which
    would make the displayed lines disagree with the offsets.
    """
    result: list[Line] = []
    start = 0
    for line in text.split("\n"):
        result.append(Line(start=start, text=line))
        start += len(line) + 1
    return result


class SpanError(ValueError):
    """A span that does not fit its text; the message says exactly why."""


def check_span_bounds(text_length: int, start: int, end: int) -> None:
    """Refuse half-open code-point offsets that are negative, empty or reversed, or that end
    beyond a text of ``text_length`` code points.

    With ``check_span_quote`` this is the one check of a span against its text: saving a
    span runs both (``annotator.services``), and so does every export writer
    (``annotator.formats.corpus.check_span``).
    """
    if start < 0 or end < 0:
        raise SpanError(f"Offsets cannot be negative (start {start}, end {end}).")
    if end <= start:
        raise SpanError(f"A span must not be empty: end ({end}) must be after start ({start}).")
    if end > text_length:
        raise SpanError(
            f"The span {start}-{end} ends beyond the text, which has {text_length} characters "
            "(Unicode code points)."
        )


def check_span_quote(actual: str, start: int, end: int, quote: str) -> None:
    """Refuse a span whose ``quote`` is not ``actual``, the text between its offsets.

    The quote must equal the text exactly, so that an offset counted in other units (UTF-16,
    bytes) is caught rather than saved or exported.
    """
    if actual != quote:
        raise SpanError(
            f"The quote does not match the text at {start}-{end}: the text there is "
            f"{_excerpt(actual)}, the quote sent was {_excerpt(quote)}. Offsets count Unicode "
            "code points, not UTF-16 units or bytes."
        )


def _excerpt(value: str, limit: int = 60) -> str:
    return repr(value if len(value) <= limit else value[: limit - 1] + "…")


# Offsets counted in UTF-16 code units ------------------------------------------------------
# JavaScript's string indices (doccano's and Label Studio's editors, the browser) and Java's
# (UIMA, INCEpTION, WebAnno) count UTF-16 code units: a character outside the Basic
# Multilingual Plane counts two there and one here.


def has_astral(text: str) -> bool:
    """Whether ``text`` holds a character outside the Basic Multilingual Plane, where code
    points and UTF-16 code units part ways."""
    return any(ord(character) > 0xFFFF for character in text)


def utf16_length(text: str) -> int:
    """The length of ``text`` in UTF-16 code units (JavaScript's and Java's ``length``)."""
    return len(text) + sum(1 for character in text if ord(character) > 0xFFFF)


def _astral_starts(text: str) -> list[int]:
    """The UTF-16 offset of each character outside the BMP, in order."""
    starts: list[int] = []
    for index, character in enumerate(text):
        if ord(character) > 0xFFFF:
            starts.append(index + len(starts))
    return starts


def utf16_to_code_points(text: str, offsets: list[int]) -> list[int]:
    """Offsets into ``text`` counted in UTF-16 code units, as code points.

    Raises ``SpanError`` for an offset outside the text, or one that falls between the two
    halves of a surrogate pair (inside a character, which no editor can select).
    """
    starts = _astral_starts(text)
    length = len(text) + len(starts)
    converted = []
    for offset in offsets:
        if not 0 <= offset <= length:
            raise SpanError(
                f"Offset {offset} is outside the text, which has {length} UTF-16 code units."
            )
        before = bisect.bisect_left(starts, offset)
        if before and starts[before - 1] + 1 == offset:
            raise SpanError(
                f"UTF-16 offset {offset} falls inside the character {text[offset - before]!r} "
                "(between the two halves of its surrogate pair)."
            )
        converted.append(offset - before)
    return converted


def code_points_to_utf16(text: str, offsets: list[int]) -> list[int]:
    """Code-point offsets into ``text`` as UTF-16 code units (the inverse of
    ``utf16_to_code_points``)."""
    starts = _astral_starts(text)
    code_point_starts = [start - number for number, start in enumerate(starts)]
    converted = []
    for offset in offsets:
        if not 0 <= offset <= len(text):
            raise SpanError(f"Offset {offset} is outside a text of {len(text)} characters.")
        converted.append(offset + bisect.bisect_left(code_point_starts, offset))
    return converted
