"""Reading order: a page's segments as lines of columns, by recursive XY-cut.

A vertical gutter splits a block into columns, read left to right (right to left on a mostly
right-to-left page); otherwise the widest horizontal gaps split it, read top to bottom. A
narrow, sparse column beside a wide one (margin notes) is marked marginal (rule 4 of the
package's docstring).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from annotator.extractors.pdf.model import Line, Segment, group_lines

# Narrowest vertical gutter between columns, in text heights; how many gutters are tried,
# widest first, and how deep blocks are cut (bounds the work on a page of scattered labels).
GUTTER = 0.5
MAX_GUTTERS_TRIED = 8
MAX_CUT_DEPTH = 60


@dataclass(slots=True)
class _Layout:
    lines: list[Line] = field(default_factory=list)
    columns: int = 0
    right_to_left: bool = False
    gutter: float = 3.0


def reading_order(segments: list[Segment]) -> list[Line]:
    """A page's segments as lines in reading order, each with its column."""
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
    segments: list[Segment], column: int, marginal: bool, layout: _Layout, depth: int = 0
) -> None:
    if len(segments) > 1 and depth < MAX_CUT_DEPTH:
        for gutter in _vertical_gutters(segments, layout.gutter)[:MAX_GUTTERS_TRIED]:
            left = [s for s in segments if s.right <= gutter]
            right = [s for s in segments if s.right > gutter]
            sides = [right, left] if layout.right_to_left else [left, right]
            narrow = [_is_marginal(side, other) for side, other in (sides, sides[::-1])]
            # Columns are columns of lines; pieces of one or two lines side by side are words
            # spread out along a line (a table row, a form), read left to right as a line.
            if not any(narrow) and min(len(group_lines(side)) for side in sides) < 3:
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
    for line in group_lines(segments):
        order = sorted(line, key=lambda s: -s.start if s.rtl else s.start)
        layout.lines.extend(Line(segment, column, marginal) for segment in order)


def _vertical_gutters(segments: list[Segment], minimum: float) -> list[float]:
    """The middles of the vertical strips that no segment crosses, widest first."""
    ordered = sorted(segments, key=lambda s: s.left)
    reach = ordered[0].right
    found: list[tuple[float, float]] = []
    for segment in ordered[1:]:
        if segment.left - reach >= minimum:
            found.append((segment.left - reach, (segment.left + reach) / 2))
        reach = max(reach, segment.right)
    return [middle for _width, middle in sorted(found, reverse=True)]


def _is_marginal(side: list[Segment], other: list[Segment]) -> bool:
    """A narrow, sparse column next to a wide one: margin notes, not a column of text."""
    if len(group_lines(other)) < 3:
        return False
    width = max(s.right for s in side) - min(s.left for s in side)
    other_width = max(s.right for s in other) - min(s.left for s in other)
    characters = sum(len(s.text) for s in side)
    other_characters = sum(len(s.text) for s in other)
    return width < 0.4 * other_width and characters < 0.3 * other_characters


def _horizontal_bands(segments: list[Segment]) -> list[list[Segment]]:
    """Split at the widest horizontal gaps, top first.

    Boxes of successive lines may touch or overlap a little (pdfium's boxes are as tall as
    the font, or taller), so a gap is where a segment's top lies below the lowest bottom
    above it by less than a quarter of its height; of these, the widest (within a fifth) are
    cut.
    """
    ordered = sorted(segments, key=lambda s: -s.top)
    groups: list[list[Segment]] = [[ordered[0]]]
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
