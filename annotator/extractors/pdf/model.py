"""The pieces of a page's layout as the stages pass them on, and what several stages share.

A page's characters become ``Segment``s (characters on one baseline), in a ``Page``; reading
order makes them ``Line``s of columns; lines become ``Paragraph``s. ``Steps`` counts what
changed the text, so that only the steps that did something are named in the provenance.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

STEP_DEHYPHENATE = "pdf:dehyphenate"
STEP_HYPHEN_MARKERS = "pdf:hyphen-markers"
STEP_LIGATURES = "pdf:ligatures"
STEP_DROP_RUNNING_HEADERS = "pdf:drop-running-headers"
STEP_DROP_PAGE_NUMBERS = "pdf:drop-page-numbers"
STEP_DROP_CONTROL_CHARACTERS = "pdf:drop-control-characters"
STEP_NOTE_REFERENCES = "pdf:note-references"
STEP_FOOTNOTES_TO_END = "pdf:footnotes-to-end"
STEP_DROP_FIGURE_TEXT = "pdf:drop-figure-text"
STEP_TABLE_OF_CONTENTS = "pdf:table-of-contents"

# A page with fewer visible characters than this carries no real text (a stamp, a number).
MIN_CHARACTERS_PER_PAGE = 16
# Text set smaller than the body text, at most this share of its height: footnotes, a
# running footer, a chart's labels.
SMALL_TEXT = 0.93
# What a line may end with when a word is hyphenated across it (pdfium's markers aside).
HYPHENS = ("-", "\u2010")
# Chinese and Japanese characters: no spaces between words, one or two make a title.
CJK = re.compile(r"[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")

# A note reference (a superscript "8" after a word) travels through the stages between
# these two noncharacters, which Unicode reserves for a program's internal use and no PDF
# text keeps (reading drops them): "communities\ufdd08\ufdd1". The text is assembled with
# them, and each becomes a bracket at the end ("communities[8]"), one character for one,
# so that offsets found with them hold in the text without them.
REFERENCE_OPEN = "\ufdd0"
REFERENCE_CLOSE = "\ufdd1"
REFERENCE = re.compile("\ufdd0([^\ufdd1]*)\ufdd1")
# What a note reference is made of: digits, the traditional symbols, and commas or dashes
# between numbers ("8,9", "8-10").
REFERENCE_CHARACTERS = frozenset("0123456789*\u2020\u2021\u00a7\u00b6")
REFERENCE_JOINERS = frozenset(",-\u2013")


def plain(text: str) -> str:
    """``text`` without its note references, for the rules that look at words and endings."""
    return REFERENCE.sub("", text) if REFERENCE_OPEN in text else text


def is_reference_text(text: str) -> bool:
    """Whether ``text`` could be a note reference on its own: "8", "8,9", "*", "12-14"."""
    stripped = text.strip()
    return (
        0 < len(stripped) <= 8
        and stripped[0] in REFERENCE_CHARACTERS
        and stripped[-1] in REFERENCE_CHARACTERS
        and all(c in REFERENCE_CHARACTERS or c in REFERENCE_JOINERS for c in stripped)
    )


@dataclass(slots=True)
class Segment:
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
    note: bool = False  # a footnote's line: out of the running text, into the notes
    contents: bool = False  # a table of contents' entry, leaders collapsed

    @property
    def start(self) -> float:
        return self.right if self.rtl else self.left


@dataclass(slots=True)
class Page:
    """A page's segments, its vertical extent and how many characters it showed or hid."""

    bottom: float  # of the page's bounding box, in the (unrotated) space of its characters
    top: float
    segments: list[Segment]
    visible_characters: int
    control_characters: int = 0
    # The boxes (left, bottom, right, top) of what is drawn on the page besides text: paths,
    # images, shadings and forms, as charts are made of.
    graphics: list[tuple[float, float, float, float]] = field(default_factory=list)
    left: float = 0.0
    right: float = 0.0


@dataclass(slots=True)
class Line:
    """A line in reading order, with the column it belongs to."""

    segment: Segment
    column: int
    marginal: bool


@dataclass(slots=True)
class Paragraph:
    """A paragraph's lines, its column (-1 for rotated text) and the margin notes beside it."""

    lines: list[Segment]
    column: int
    notes: list[Paragraph] = field(default_factory=list)

    @property
    def top(self) -> float:
        return max(line.top for line in self.lines)

    @property
    def bottom(self) -> float:
        return min(line.bottom for line in self.lines)


@dataclass(slots=True)
class Steps:
    """What changed the text, as counts, so that only steps that did something are named."""

    counts: Counter[str] = field(default_factory=Counter)

    def add(self, step: str, count: int = 1) -> None:
        if count:
            self.counts[step] += count


def is_raised_reference(small: Segment, line: Segment) -> bool:
    """Whether ``small`` is a note reference set beside ``line``: a digit or symbol in a
    smaller size, raised above the line's bottom."""
    return (
        REFERENCE_OPEN not in small.text
        and is_reference_text(small.text)
        and small.height <= 0.8 * line.height
        and small.bottom >= line.bottom + 0.2 * line.height
        and small.top <= line.top + 0.5 * line.height
    )


def group_lines(segments: list[Segment]) -> list[list[Segment]]:
    """Segments grouped by shared baseline band, top line first."""
    lines: list[list[Segment]] = []
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


def body_height(pages: list[Page]) -> float:
    """The text height most of the document's characters have, to the half point."""
    counts: Counter[float] = Counter()
    for page in pages:
        for segment in page.segments:
            if not segment.dropped and not segment.rotated:
                counts[round(segment.height * 2) / 2] += len(segment.text)
    return counts.most_common(1)[0][0] if counts else 0.0


def percentile(values: list[float], share: float) -> float:
    """The value at ``share`` of the way through ``values`` sorted (no interpolation)."""
    ordered = sorted(values)
    return ordered[int(share * (len(ordered) - 1))]
