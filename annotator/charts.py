"""Geometry of the small SVG charts drawn on the server (pure: numbers in, shapes out).

Templates draw the shapes; every value is also written as text beside or inside its shape,
so the charts read without colour, and the same numbers are in a table below each chart.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from annotator.corpus_agreement import RELIABLE, TENTATIVE


@dataclass(frozen=True)
class Bar:
    label: str
    text: str
    y: float
    x: float
    width: float
    text_x: float


@dataclass(frozen=True)
class Guide:
    x: float
    label: str


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    plot_left: int
    plot_width: int
    bar_height: int
    zero_x: float
    bars: list[Bar]
    guides: list[Guide]


def _figure(value: float | None) -> str:
    return "undefined" if value is None else f"{value:.3f}"


def bar_chart(
    rows: Sequence[tuple[str, float | None]],
    *,
    width: int = 640,
    label_width: int = 190,
    row_height: int = 26,
) -> BarChart:
    """Horizontal bars of alphas (or F1) from 0, with the 0.667 and 0.800 guides.

    The axis runs from the lowest value (or 0) to 1; an undefined value gets no bar, only
    the word "undefined".
    """
    values = [value for _, value in rows if value is not None]
    low = min([0.0, *values])
    plot_left, plot_width = label_width, width - label_width - 60
    top = 22

    def x(value: float) -> float:
        return round(plot_left + (value - low) / (1 - low) * plot_width, 1)

    zero = x(0.0)
    bars = []
    for index, (label, value) in enumerate(rows):
        start, end = (zero, zero) if value is None else sorted((zero, x(value)))
        bars.append(
            Bar(
                label=label,
                text=_figure(value),
                y=top + index * row_height,
                x=start,
                width=round(end - start, 1),
                text_x=round(max(end, zero) + 4, 1),
            )
        )
    guides = [Guide(x(TENTATIVE), f"{TENTATIVE:.3f}"), Guide(x(RELIABLE), f"{RELIABLE:.3f}")]
    return BarChart(
        width=width,
        height=top + len(rows) * row_height + 8,
        plot_left=plot_left,
        plot_width=plot_width,
        bar_height=row_height - 8,
        zero_x=zero,
        bars=bars,
        guides=guides,
    )


@dataclass(frozen=True)
class Cell:
    x: int
    y: int
    text: str
    fill: str
    ink: str
    title: str


@dataclass(frozen=True)
class HeatMap:
    width: int
    height: int
    size: int
    offset: int
    labels: list[tuple[str, int]]
    cells: list[Cell]


def heat_map(
    reviewers: Sequence[int],
    values: Mapping[tuple[int, int], float | None],
    *,
    names: Mapping[int, str],
    size: int = 64,
    offset: int = 130,
) -> HeatMap:
    """A symmetric matrix of pair values (kappa) in shades of grey, each cell with its number.

    Darker is higher agreement; pairs who share no document are left blank with a dash.
    """
    cells = []
    for row, a in enumerate(reviewers):
        for column, b in enumerate(reviewers):
            if a == b:
                continue
            value = values.get((a, b), values.get((b, a)))
            level = 0.0 if value is None else max(0.0, min(1.0, value))
            lightness = round(96 - level * 66)
            cells.append(
                Cell(
                    x=offset + column * size,
                    y=offset + row * size,
                    text="–" if value is None else f"{value:.2f}",
                    fill=f"hsl(0, 0%, {lightness}%)",
                    ink="#fff" if lightness < 55 else "#000",
                    title=f"{names.get(a, a)} and {names.get(b, b)}: {_figure(value)}",
                )
            )
    labels = [
        (names.get(reviewer, str(reviewer)), offset + i * size)
        for i, reviewer in enumerate(reviewers)
    ]
    extent = offset + len(reviewers) * size
    return HeatMap(
        width=extent + 130, height=extent + 4, size=size, offset=offset, labels=labels, cells=cells
    )


# The colours of a stacked chart's series, in order (Okabe-Ito: told apart by colour-blind
# readers too), each with the ink that reads on it.
SERIES_COLOURS = ("#999999", "#E69F00", "#56B4E9", "#009E73", "#CC79A7", "#0072B2")


@dataclass(frozen=True)
class Segment:
    series: int
    y: float
    height: float
    value: int
    fill: str


@dataclass(frozen=True)
class Column:
    label: str
    x: float
    width: float
    total: int
    segments: list[Segment]
    show_label: bool
    title: str


@dataclass(frozen=True)
class LegendEntry:
    label: str
    fill: str
    x: float


@dataclass(frozen=True)
class StackedChart:
    width: int
    height: int
    plot_left: int
    plot_bottom: float
    top: float
    columns: list[Column]
    ticks: list[Guide]  # ``x`` holds the tick's y here
    legend: list[LegendEntry]


def stacked_columns(
    points: Sequence[tuple[str, Sequence[int]]],
    *,
    series: Sequence[str],
    width: int = 720,
    height: int = 260,
) -> StackedChart:
    """Columns of counts stacked by series (documents by stage, day by day): one column a
    point, the first series at the bottom, with at most about eight labels under them and
    a scale from 0 to the largest total."""
    plot_left, top, bottom_margin = 44, 34, 36
    plot_bottom = height - bottom_margin
    plot_height = plot_bottom - top
    plot_width = width - plot_left - 10
    largest = max([1, *(sum(counts) for _, counts in points)])
    step = plot_width / max(1, len(points))
    label_every = max(1, -(-len(points) // 8))
    columns = []
    for index, (label, counts) in enumerate(points):
        y = float(plot_bottom)
        segments = []
        for number, value in enumerate(counts):
            part = round(value / largest * plot_height, 1)
            y = round(y - part, 1)
            segments.append(
                Segment(
                    series=number,
                    y=y,
                    height=part,
                    value=value,
                    fill=SERIES_COLOURS[number % len(SERIES_COLOURS)],
                )
            )
        columns.append(
            Column(
                label=label,
                x=round(plot_left + index * step + step * 0.1, 1),
                width=round(step * 0.8, 1),
                total=sum(counts),
                segments=segments,
                show_label=index % label_every == 0 or index == len(points) - 1,
                title=f"{label}: "
                + ", ".join(f"{name} {value}" for name, value in zip(series, counts, strict=False)),
            )
        )
    ticks = [
        Guide(x=round(plot_bottom - value / largest * plot_height, 1), label=str(value))
        for value in sorted({0, largest // 2, largest})
    ]
    legend = [
        LegendEntry(label=name, fill=SERIES_COLOURS[n % len(SERIES_COLOURS)], x=plot_left + n * 170)
        for n, name in enumerate(series)
    ]
    return StackedChart(
        width=width,
        height=height,
        plot_left=plot_left,
        plot_bottom=plot_bottom,
        top=top,
        columns=columns,
        ticks=ticks,
        legend=legend,
    )
