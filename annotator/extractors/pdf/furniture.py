"""Page furniture: running heads and footers, printers' slugs and page numbers, left out.

A segment in the top or bottom band of the page (``MARGIN_BAND``) whose text, digits
normalised, recurs on enough pages is a running head or footer; rotated text that recurs the
same way is a slug; among the two outermost lines of a page, a segment that is only a page
number is one (rule 2 of the package's docstring). They are marked ``dropped``.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict

from annotator.extractors.pdf.model import (
    STEP_DROP_PAGE_NUMBERS,
    STEP_DROP_RUNNING_HEADERS,
    Page,
    Segment,
    Steps,
    group_lines,
)

# Share of the page height, at the top and at the bottom, where running heads are looked for.
MARGIN_BAND = 0.15
# A running head recurs on at least this share of the pages, and on at least so many pages.
RUNNING_SHARE = 0.5
RUNNING_MIN_PAGES = 3

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


def _outermost_lines(page: Page) -> set[int]:
    """The segments on the two topmost and the two lowest lines of a page."""
    lines = group_lines([s for s in page.segments if not s.rotated])
    chosen = lines[:2] + lines[-2:]
    return {id(segment) for line in chosen for segment in line}
