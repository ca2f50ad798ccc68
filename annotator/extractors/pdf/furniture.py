"""Page furniture: running heads and footers, printers' slugs and page numbers, left out.

A segment in the top or bottom band of the page (``MARGIN_BAND``) whose text, digits
normalised, recurs on enough pages is a running head or footer; rotated text that recurs the
same way is a slug; among the two outermost lines of a page, a segment that is only a page
number, with no other text beside it, is one (rule 2 of the package's docstring). They are
marked ``dropped``.

Text set smaller than the body text that recurs so on both pages of a two-page document is
furniture too (a brief's footer). A recurring text set much larger than where it recurs is
no furniture: a report's title on its first page, repeated small as the running head of the
others, stays. Nor is a footnote, however often it recurs ("9 Ibid.", "18 Ibid."): a line in
the bottom band that starts with a note's number which a reference in the body of its page
carries, and the lines of that note set tightly under it, are never furniture.
"""

from __future__ import annotations

import math
import re
import statistics
from collections import defaultdict

from annotator.extractors.pdf.model import (
    SMALL_TEXT,
    STEP_DROP_PAGE_NUMBERS,
    STEP_DROP_RUNNING_HEADERS,
    Page,
    Segment,
    Steps,
    body_height,
    group_lines,
)
from annotator.extractors.pdf.notes import NOTE_GAP, body_references, note_start

# Share of the page height, at the top and at the bottom, where running heads are looked for.
MARGIN_BAND = 0.15
# A running head recurs on at least this share of the pages, and on at least so many pages;
# one set smaller than the body text (a footer's address) on both pages of two.
RUNNING_SHARE = 0.5
RUNNING_MIN_PAGES = 3
RUNNING_MIN_PAGES_SMALL = 2
# A recurring text this many times as tall as it usually is, is a heading, not furniture.
RUNNING_LARGER = 1.25
# A page number stands apart: no other text within this many text heights on its line.
PAGE_NUMBER_ISOLATION = 3.0

_DIGITS = re.compile(r"\d+")
_ROMAN = r"(?=[mdclxvi])m{0,3}(?:cm|cd|d?c{0,3})(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3})"
_PAGE_NUMBER = re.compile(
    rf"[-\u2013\u2014|]?\s*(?:\d{{1,3}}|{_ROMAN})\s*[-\u2013\u2014|]?"  # 12, - 12 -, xiv
    r"|(?:page|p\.|pg\.?)\s*\d{1,5}(?:\s*(?:of|/)\s*\d{1,5})?"  # Page 12, p. 12 of 45
    r"|\d{1,5}\s*(?:of|/)\s*\d{1,5}",  # 12 of 45, 12/45
    re.IGNORECASE,
)


def _running_key(text: str) -> str:
    return _DIGITS.sub("#", " ".join(text.casefold().split()))


def drop_running_heads(pages: list[Page], steps: Steps) -> None:
    """Mark running heads and footers, slugs and page numbers ``dropped``, counting each."""
    candidates: list[list[Segment]] = []
    pages_with: defaultdict[str, set[int]] = defaultdict(set)
    heights: defaultdict[str, list[float]] = defaultdict(list)
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
            key = _running_key(segment.text)
            pages_with[key].add(number)
            heights[key].append(segment.height)
    needed = max(RUNNING_MIN_PAGES, math.ceil(RUNNING_SHARE * len(pages)))
    needed_small = max(RUNNING_MIN_PAGES_SMALL, math.ceil(RUNNING_SHARE * len(pages)))
    height = body_height(pages)
    small = SMALL_TEXT * height
    running = {
        key
        for key, found in pages_with.items()
        if len(found) >= needed or (len(found) >= needed_small and max(heights[key]) <= small)
    }
    usual = {key: statistics.median_low(heights[key]) for key in running}
    for page, in_band in zip(pages, candidates, strict=True):
        lines = group_lines([s for s in page.segments if not s.rotated])
        outermost = _outermost_lines(lines)
        apart = _standing_apart(lines)
        notes = _footnote_segments(page, lines, height)
        for segment in in_band:
            if id(segment) in notes:
                continue
            key = _running_key(segment.text)
            # A number recurs on every page as page numbers do, and as the numbers of
            # footnotes do: only one standing apart from the rest of its line is furniture.
            number_only = _PAGE_NUMBER.fullmatch(segment.text.strip()) is not None
            if (
                key in running
                and segment.height <= RUNNING_LARGER * usual[key]
                and (not number_only or segment.rotated or id(segment) in apart)
            ):
                segment.dropped = True
                steps.add(STEP_DROP_RUNNING_HEADERS)
            elif (
                not segment.rotated
                and id(segment) in outermost
                and _PAGE_NUMBER.fullmatch(segment.text.strip())
            ):
                segment.dropped = True
                steps.add(STEP_DROP_PAGE_NUMBERS)


def _footnote_segments(page: Page, lines: list[list[Segment]], height: float) -> set[int]:
    """The segments of a page's footnotes: each line that starts with a number a reference
    in the body of the page carries, and the small lines set tightly under it."""
    references = body_references([page], height) if height else set()
    found: set[int] = set()
    previous: list[Segment] | None = None
    for line in lines:
        start = note_start(line)
        if start is not None and start[0] in references:
            found.update(id(s) for s in line)
        elif previous is not None and id(previous[0]) in found:
            tallest = max(s.height for s in line)
            gap = min(s.bottom for s in previous) - max(s.top for s in line)
            if tallest <= SMALL_TEXT * height and gap <= NOTE_GAP * tallest:
                found.update(id(s) for s in line)
        previous = line
    return found


def _standing_apart(lines: list[list[Segment]]) -> set[int]:
    """The segments with no other text on their line within a few text heights."""
    return {
        id(segment)
        for line in lines
        for segment in line
        if all(
            max(other.left - segment.right, segment.left - other.right)
            > PAGE_NUMBER_ISOLATION * max(segment.height, other.height)
            for other in line
            if other is not segment
        )
    }


def _outermost_lines(lines: list[list[Segment]]) -> set[int]:
    """The segments on the two topmost and the two lowest lines of a page that stand apart
    from the rest of their line (a footnote's number beside its text does not)."""
    chosen = lines[:2] + lines[-2:] if len(lines) > 2 else lines
    return _standing_apart(chosen)
