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

# A page with fewer visible characters than this carries no real text (a stamp, a number).
MIN_CHARACTERS_PER_PAGE = 16
# What a line may end with when a word is hyphenated across it (pdfium's markers aside).
HYPHENS = ("-", "\u2010")
# Chinese and Japanese characters: no spaces between words, one or two make a title.
CJK = re.compile(r"[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")


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


def percentile(values: list[float], share: float) -> float:
    """The value at ``share`` of the way through ``values`` sorted (no interpolation)."""
    ordered = sorted(values)
    return ordered[int(share * (len(ordered) - 1))]
