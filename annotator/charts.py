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
