"""Charts: the text inside a figure (axis labels, bare numbers, short labels) left out.

A chart is found by its numeric axis: at least ``MIN_AXIS_LABELS`` bare numbers ("0", "2.5",
"40 %", "1,000") that stand in a column, aligned on their right or left edge or centre, or
in a row on one line; their values step evenly and so do their positions (a linear scale),
they are spread out (further apart than lines of text), something is drawn beside them and
they stand alone on their lines, near them and within what is drawn around them (a ruled
table's cells beside its column of years are not alone). A
row of numbers also needs a 0 or percentages and something drawn just above it, so that a
table's row of years is no axis. The chart's region grows from its axis over whatever is
drawn that touches it (axis lines, gridlines, bars), and a margin around it takes in the
other axis's labels and a legend. In the region, every bare number and every short label
(``LABEL_MAX_CHARACTERS``, ``LABEL_MAX_WORDS``) is marked ``dropped`` and counted
(``pdf:drop-figure-text``), and so is rotated text in the region (an axis's title, set
along a vertical axis); a chart's title, caption and source, longer, stay. What was left
out is kept, page by page, for ``metadata["figures"]``, the rotated text last.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

from annotator.extractors.pdf.model import (
    SMALL_TEXT,
    STEP_DROP_FIGURE_TEXT,
    Page,
    Segment,
    Steps,
    plain,
)

MIN_AXIS_LABELS = 3
# Axis labels stand further apart than this many text heights (lines of a table do not).
AXIS_SPACING = 1.5
# How evenly an axis's values and positions step: the largest step at most this share
# larger than the smallest.
EVEN_POSITIONS = 0.15
EVEN_VALUES = 0.01
# An axis label stands alone on its line within this many text heights, for most labels.
ALONE_DISTANCE = 8.0
ALONE_SHARE = 2 / 3
# What is drawn touches the chart within this many text heights; the region's margin.
TOUCH = 1.5
MARGIN = 2.0
# A drawn thing larger than this share of the page is a background, not part of a chart.
BACKGROUND = 0.5
LABEL_MAX_CHARACTERS = 30
LABEL_MAX_WORDS = 4

_BARE_NUMBER = re.compile(r"[-\u2212+]?(?:\d{1,3}(?:[,\u00a0\u202f]\d{3})+|\d+)(?:[.,]\d+)?\s*%?")

_Box = tuple[float, float, float, float]


def drop_figure_text(pages: list[Page], steps: Steps, body: float) -> list[dict[str, Any]]:
    """Mark the text inside the pages' charts ``dropped``; return what was left out.

    ``body`` is the body text's height: in the margin around what is drawn, only labels set
    smaller than it (or bare numbers) are the chart's, so that a heading or the short last
    line of a paragraph just above a chart stays.
    """
    figures: list[dict[str, Any]] = []
    for number, page in enumerate(pages, start=1):
        kept = [
            s
            for s in page.segments
            if not s.dropped and not s.rotated and not s.note and not s.contents and s.text.strip()
        ]
        numbers = [s for s in kept if _BARE_NUMBER.fullmatch(plain(s.text).strip())]
        if len(numbers) < MIN_AXIS_LABELS:
            continue
        rotated = [s for s in page.segments if s.rotated and not s.dropped and s.text.strip()]
        area = (page.right - page.left) * (page.top - page.bottom)
        drawn = [g for g in page.graphics if (g[2] - g[0]) * (g[3] - g[1]) <= BACKGROUND * area]
        left_out: list[Segment] = []
        titles: list[Segment] = []  # rotated text in a chart: an axis's title
        for axis in [*_columns(numbers, kept, drawn), *_rows(numbers, kept, drawn)]:
            if any(s.dropped for s in axis):
                continue
            height = max(s.height for s in axis)
            inner = _region(axis, drawn, height)
            margin = MARGIN * height
            outer = (inner[0] - margin, inner[1] - margin, inner[2] + margin, inner[3] + margin)
            for segment in kept:
                if (
                    not segment.dropped
                    and _is_label(segment)
                    and (
                        _inside(segment, inner)
                        or (_inside(segment, outer) and _is_small_or_number(segment, body))
                    )
                ):
                    segment.dropped = True
                    left_out.append(segment)
            for segment in rotated:
                if not segment.dropped and _inside(segment, outer):
                    segment.dropped = True
                    titles.append(segment)
        if left_out:
            steps.add(STEP_DROP_FIGURE_TEXT, len(left_out) + len(titles))
            ordered = sorted(left_out, key=lambda s: (-round(s.top), s.left)) + titles
            figures.append(
                {"page": number, "text": " ".join(plain(s.text).strip() for s in ordered)}
            )
    return figures


def _value(segment: Segment) -> float:
    text = plain(segment.text).strip().rstrip("%").strip().replace("\u2212", "-")
    text = re.sub(r"[,\u00a0\u202f](?=\d{3}\b)", "", text).replace(",", ".")
    return float(text)


def _is_linear(values: list[float], positions: list[float]) -> bool:
    """Whether values and positions both step evenly, the same way round."""
    value_steps = [b - a for a, b in itertools.pairwise(values)]
    position_steps = [b - a for a, b in itertools.pairwise(positions)]
    if not all(step > 0 for step in value_steps) and not all(step < 0 for step in value_steps):
        return False
    smallest, largest = min(map(abs, value_steps)), max(map(abs, value_steps))
    near, far = min(position_steps), max(position_steps)
    return largest - smallest <= EVEN_VALUES * largest and far - near <= EVEN_POSITIONS * far


def _alone(segment: Segment, kept: list[Segment], axis: list[Segment], region: _Box) -> bool:
    """Whether no other text stands on the label's line near it or within ``region``
    (what is drawn around the axis: a ruled table's cells beside its numbers are in it)."""
    middle = (segment.bottom + segment.top) / 2
    reach = ALONE_DISTANCE * segment.height
    return not any(
        other is not segment
        and all(other is not label for label in axis)
        and other.bottom <= middle <= other.top
        and (
            max(other.left - segment.right, segment.left - other.right) < reach
            or (other.left < region[2] and other.right > region[0])
        )
        for other in kept
    )


def _columns(numbers: list[Segment], kept: list[Segment], drawn: list[_Box]) -> list[list[Segment]]:
    """Columns of numbers that make a vertical axis: beside something drawn (an axis line,
    bars), mostly alone on their lines; a column of a table, with its rows' other cells
    beside its numbers, is none."""
    axes: list[list[Segment]] = []
    for edge in (
        lambda s: s.right,
        lambda s: s.left,
        lambda s: (s.left + s.right) / 2,
    ):
        for group in _aligned(numbers, edge):
            group.sort(key=lambda s: -s.top)
            height = max(s.height for s in group)
            positions = [-s.top for s in group]
            if min(b - a for a, b in itertools.pairwise(positions)) < AXIS_SPACING * height:
                continue
            if not _is_linear([_value(s) for s in group], positions):
                continue
            box = _box(group)
            region = _region(group, drawn, height)
            if region == box:  # nothing drawn beside it: no chart
                continue
            if sum(_alone(s, kept, group, region) for s in group) < ALONE_SHARE * len(group):
                continue
            if all(not _overlaps(group, axis) for axis in axes):
                axes.append(group)
    return axes


def _aligned(numbers: list[Segment], edge: Any) -> list[list[Segment]]:
    ordered = sorted(numbers, key=edge)
    groups: list[list[Segment]] = []
    for segment in ordered:
        if groups and edge(segment) - edge(groups[-1][0]) <= 0.5 * segment.height:
            groups[-1].append(segment)
        else:
            groups.append([segment])
    return [group for group in groups if len(group) >= MIN_AXIS_LABELS]


def _rows(numbers: list[Segment], kept: list[Segment], drawn: list[_Box]) -> list[list[Segment]]:
    """Rows of numbers on one line that make a horizontal axis, with something drawn just
    above them."""
    axes: list[list[Segment]] = []
    ordered = sorted(numbers, key=lambda s: -s.top)
    for _key, band in itertools.groupby(ordered, key=lambda s: round(s.bottom)):
        group = sorted(band, key=lambda s: s.left)
        if len(group) < MIN_AXIS_LABELS:
            continue
        height = max(s.height for s in group)
        positions = [(s.left + s.right) / 2 for s in group]
        values = [_value(s) for s in group]
        if min(b - a for a, b in itertools.pairwise(positions)) < AXIS_SPACING * height:
            continue
        if not _is_linear(values, positions):
            continue
        if 0 not in values and not all(s.text.strip().endswith("%") for s in group):
            continue
        left, right = group[0].left, group[-1].right
        top = max(s.top for s in group)
        if not any(
            g[0] < right and g[2] > left and top - TOUCH * height <= g[1] <= top + TOUCH * height
            for g in drawn
        ):
            continue
        others = [
            s
            for s in kept
            if all(s is not label for label in group)
            and s.bottom <= (group[0].bottom + group[0].top) / 2 <= s.top
            and s.right > left
            and s.left < right
        ]
        if not others:
            axes.append(group)
    return axes


def _overlaps(a: list[Segment], b: list[Segment]) -> bool:
    return any(x is y for x in a for y in b)


def _region(axis: list[Segment], drawn: list[_Box], height: float) -> _Box:
    """The axis's box grown over what is drawn touching it."""
    left, bottom, right, top = _box(axis)
    touch = TOUCH * height
    remaining = list(drawn)
    grown = True
    while grown:
        grown = False
        for box in list(remaining):
            if (
                box[0] <= right + touch
                and box[2] >= left - touch
                and box[1] <= top + touch
                and box[3] >= bottom - touch
            ):
                left, bottom = min(left, box[0]), min(bottom, box[1])
                right, top = max(right, box[2]), max(top, box[3])
                remaining.remove(box)
                grown = True
    return left, bottom, right, top


def _box(segments: list[Segment]) -> _Box:
    return (
        min(s.left for s in segments),
        min(s.bottom for s in segments),
        max(s.right for s in segments),
        max(s.top for s in segments),
    )


def _inside(segment: Segment, region: _Box) -> bool:
    left, bottom, right, top = region
    return (
        segment.left >= left
        and segment.right <= right
        and segment.bottom >= bottom
        and segment.top <= top
    )


def _is_small_or_number(segment: Segment, body: float) -> bool:
    return segment.height <= SMALL_TEXT * body or bool(
        _BARE_NUMBER.fullmatch(plain(segment.text).strip())
    )


def _is_label(segment: Segment) -> bool:
    text = plain(segment.text).strip()
    return bool(_BARE_NUMBER.fullmatch(text)) or (
        len(text) <= LABEL_MAX_CHARACTERS and len(text.split()) <= LABEL_MAX_WORDS
    )
