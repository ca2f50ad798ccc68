"""What every corpus reader gives the importer: documents (text, spans, metadata) or why not.

Each reader of another tool's format (``jsonl``, ``labelstudio``, ``brat_reader``,
``conll_reader``, ``webanno``, ``xmi``, ``w3c_reader``) yields ``CorpusLine`` records: one
document each, its spans in half-open Unicode code points into its ``text`` (the text as the
source wrote it, before canonicalisation) and the relations between them (brat's ``R``
lines, doccano's ``relations``) as ``CorpusRelation`` records naming their ends by index,
or an ``error`` that names the place (line, task, file) and the reason. Nothing here
imports Django.

Offsets. Tools count differently: Python tools (brat, spaCy) count code points, JavaScript
editors (doccano, Label Studio) and Java platforms (UIMA, INCEpTION, WebAnno) count UTF-16
code units, in which a character outside the Basic Multilingual Plane (an emoji, CJK
Extension B) counts two. ``anchor`` turns a source's offsets into code points without ever
misplacing a span silently:

- where the source gives each span's quote (the text it covers), the quote decides: the
  offsets are read as code points and, if the quotes do not match, as UTF-16 units; a span
  that matches under neither is found again by its quote (with the prefix and suffix around
  it when the source gives them), and the result says how many were so *re-anchored*; a
  quote found nowhere refuses the document;
- where it gives none, the unit must be known: the caller passes the one the person
  importing chose, or the format's default (doccano's editor counts UTF-16 units). It only
  matters when the text holds characters outside the BMP; the result records which unit
  was used and why (``offset_unit``, ``offset_unit_source``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from annotator.text import SpanError, has_astral, utf16_to_code_points

CODE_POINTS = "code-points"
UTF16 = "utf-16"
OFFSET_UNITS = (CODE_POINTS, UTF16)
# Why a document's offsets were read in the unit recorded for it.
UNIT_FROM_QUOTES = "the spans' quotes"
UNIT_CHOSEN = "chosen at import"
UNIT_FORMAT_DEFAULT = "the format's default"
UNIT_IRRELEVANT = "no character outside the BMP: both units agree"
UNIT_FROM_FORMAT = "the format's definition"
# Why a text is refused that JSON's escapes made hold half of a UTF-16 pair: no encoding
# (UTF-8 for the hash, the database's) holds it.
LONE_SURROGATE = "a lone surrogate (\\ud800–\\udfff), not text"


@dataclass(frozen=True)
class CorpusSpan:
    """A span of a document, in code points into its ``text``."""

    start: int
    end: int
    category: str
    quote: str | None = None
    note: str = ""
    attributes: dict[str, Any] = field(default_factory=dict)
    layer: str = ""
    """Which of the file's layers it belongs to ("annotator 3"); "" for the file's own."""


@dataclass(frozen=True)
class CorpusRelation:
    """A relation between two spans of a document, each named by its index in the
    document's ``spans``; ``type`` as the source wrote it, ``attributes`` what else it said
    (brat's ``R`` id, doccano's relation id)."""

    source: int
    target: int
    type: str
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CorpusLine:
    """One document of a corpus file (a JSONL line, a Label Studio task, a brat pair…), or
    why it cannot be imported."""

    number: int
    raw: bytes
    text: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)
    spans: tuple[CorpusSpan, ...] = ()
    relations: tuple[CorpusRelation, ...] = ()
    """Relations between two of ``spans``; one that names a span the reader could not place
    or find is left out, and ``notes`` say which and why."""
    text_sha256: str = ""
    error: str = ""
    place: str = ""
    """Where in its file it is, for the report ("task 3", "document 2"); "" for "line N"."""
    offset_unit: str = ""
    """The unit its source's offsets were counted in (``CODE_POINTS`` or ``UTF16``)."""
    offset_unit_source: str = ""
    """How that unit was known (``UNIT_FROM_QUOTES``, ``UNIT_CHOSEN``…)."""
    notes: tuple[str, ...] = ()
    """What the report says of it besides its outcome: spans re-anchored, edits kept…"""
    extractor: str = "jsonl"
    content_type: str = "application/jsonl"
    steps: tuple[str, ...] = ()
    """How the reader made ``text`` (CoNLL joins its tokens), recorded with the document."""
    bytes_at: tuple[int, int] | None = None
    """Where ``raw`` is in its file, as byte offsets (half-open), when it is a slice of it
    (a JSON Lines line); None where the reader made ``raw`` (a Label Studio task)."""


@dataclass(frozen=True)
class SourceSpan:
    """A span as a source gives it: offsets in the source's unit (or none, when only its
    quote places it), and what it says of the text it covers."""

    start: int | None
    end: int | None
    category: str
    quote: str | None = None
    prefix: str = ""
    suffix: str = ""
    note: str = ""
    attributes: dict[str, Any] = field(default_factory=dict)
    layer: str = ""
    label: str = ""
    """How the report names it ("span 3", "T4"); "" for its number."""


class AnchorError(ValueError):
    """A span that cannot be placed exactly; the message names it and says why."""


@dataclass(frozen=True)
class Anchored:
    spans: tuple[CorpusSpan, ...]
    unit: str
    unit_source: str
    reanchored: int = 0


def anchor(
    text: str, spans: Sequence[SourceSpan], *, unit: str = "", default: str = CODE_POINTS
) -> Anchored:
    """Place ``spans`` in ``text`` in code points, or raise ``AnchorError`` naming the span.

    ``unit`` is the unit the person importing said the source used ("" when not said);
    ``default`` the format's own. Spans with a quote are checked against it and placed by it
    when their offsets disagree (see the module); spans without one are converted from
    ``unit`` or ``default``.
    """
    astral = has_astral(text)
    quoted = [span for span in spans if span.quote is not None and span.start is not None]
    if not astral:
        chosen, source = CODE_POINTS, UNIT_IRRELEVANT
    elif quoted:
        chosen = _unit_by_quotes(text, quoted, preferred=unit or default)
        source = UNIT_FROM_QUOTES
    elif unit:
        chosen, source = unit, UNIT_CHOSEN
    else:
        chosen, source = default, UNIT_FORMAT_DEFAULT
    placed: list[CorpusSpan] = []
    reanchored = 0
    for index, span in enumerate(spans, start=1):
        name = span.label or f"span {index}"
        start, end = _converted(text, span, chosen, name)
        if span.quote is not None and (start is None or text[start:end] != span.quote):
            found = find_quote(text, span.quote, span.prefix, span.suffix, near=start)
            if found is None:
                raise AnchorError(_not_found(text, span, name, start, end, chosen))
            start, end = found
            reanchored += 1
        if start is None or end is None:
            raise AnchorError(f"{name} has neither offsets nor a quote to place it.")
        if not 0 <= start < end <= len(text):
            raise AnchorError(
                f"{name} ({span.start}-{span.end}) is empty or outside the text, which has "
                f"{len(text)} characters (Unicode code points)."
            )
        placed.append(
            CorpusSpan(
                start,
                end,
                span.category,
                quote=text[start:end] if span.quote is not None else None,
                note=span.note,
                attributes=span.attributes,
                layer=span.layer,
            )
        )
    return Anchored(tuple(placed), chosen, source, reanchored)


def _unit_by_quotes(text: str, quoted: Sequence[SourceSpan], *, preferred: str) -> str:
    """The unit under which most quotes match their offsets (the preferred one on a tie)."""
    matches = {}
    for candidate in OFFSET_UNITS:
        count = 0
        for span in quoted:
            try:
                start, end = _converted(text, span, candidate, "")
            except AnchorError:
                continue
            if start is not None and text[start:end] == span.quote:
                count += 1
        matches[candidate] = count
    best = max(matches.values())
    return preferred if matches.get(preferred) == best else max(matches, key=matches.__getitem__)


def _converted(text: str, span: SourceSpan, unit: str, name: str) -> tuple[int | None, int | None]:
    if span.start is None or span.end is None:
        return None, None
    if span.start < 0 or span.end <= span.start:
        raise AnchorError(f"{name} ({span.start}-{span.end}) is empty or has a negative offset.")
    if unit == UTF16:
        try:
            start, end = utf16_to_code_points(text, [span.start, span.end])
        except SpanError as error:
            if span.quote is not None:  # its quote may still place it
                return None, None
            raise AnchorError(
                f"{name} ({span.start}-{span.end}) in UTF-16 units: {error}"
            ) from None
        return start, end
    if span.end > len(text) and span.quote is None:
        raise AnchorError(
            f"{name} ({span.start}-{span.end}) ends beyond the text, which has {len(text)} "
            "characters (Unicode code points)."
        )
    return span.start, span.end


def _not_found(
    text: str, span: SourceSpan, name: str, start: int | None, end: int | None, unit: str
) -> str:
    there = (
        f"the text there is {text[start:end][:40]!r} (counting {unit.replace('-', ' ')})"
        if start is not None and end is not None and end <= len(text)
        else "its offsets are outside the text"
    )
    quote = span.quote or ""
    return (
        f"{name} ({span.start}-{span.end}) quotes {quote[:40]!r} but {there}, and the quote is "
        "nowhere in the text."
    )


def find_quote(
    text: str, exact: str, prefix: str = "", suffix: str = "", *, near: int | None = None
) -> tuple[int, int] | None:
    """Where ``exact`` is in ``text``: the occurrence whose surroundings best match
    ``prefix`` and ``suffix`` (W3C's TextQuoteSelector), the nearest to ``near`` among equals.
    None when it does not occur."""
    if not exact:
        return None
    best: tuple[int, int, int] | None = None  # (-context score, distance, start)
    position = text.find(exact)
    while position != -1:
        score = _common_suffix(text[max(0, position - len(prefix)) : position], prefix)
        after = position + len(exact)
        score += _common_prefix(text[after : after + len(suffix)], suffix)
        distance = abs(position - near) if near is not None else 0
        key = (-score, distance, position)
        if best is None or key < best:
            best = key
        position = text.find(exact, position + 1)
    if best is None:
        return None
    return best[2], best[2] + len(exact)


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _common_suffix(a: str, b: str) -> int:
    return _common_prefix(a[::-1], b[::-1])


def plural(number: int, noun: str) -> str:
    """``3 spans``, ``1 span``."""
    return f"{number} {noun}{'' if number == 1 else 's'}"


def anchoring_notes(anchored: Anchored, astral: bool) -> tuple[str, ...]:
    """What the report says of how a document's spans were placed."""
    notes = []
    if astral and anchored.spans:
        unit = "UTF-16 code units" if anchored.unit == UTF16 else "Unicode code points"
        notes.append(f"offsets counted in {unit} ({anchored.unit_source})")
    if anchored.reanchored:
        notes.append(f"re-anchored {plural(anchored.reanchored, 'span')} by their quote")
    return tuple(notes)
