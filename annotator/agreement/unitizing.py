"""Unitizing: Krippendorff's alpha for unitizing (u-alpha) over sections of a continuum.

``UnitizingStudy`` keeps per-section sums so that a bootstrap resample of documents costs a
few array operations; ``unitizing_alpha`` is the figure of a single continuum. The helpers
below them merge a rater's overlapping units, find the gaps between units and compute the
observed disagreement, all on NumPy arrays.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Sequence
from typing import Any, NamedTuple

import numpy as np

from annotator.agreement.common import NAN, one_minus, section_weights


class UnitizingSection(NamedTuple):
    """One stretch of continuum (a document) and its raters' units.

    ``units`` are ``(begin, end, rater, category)`` with ``0 <= begin < end <= length``.
    ``raters`` names everyone who unitized the section, including raters who marked nothing;
    ``None`` means the raters that appear in ``units``.
    """

    length: int
    units: Iterable[Sequence[Any]]
    raters: Iterable[Hashable] | None = None


class UnitizingStudy:
    """Krippendorff's alpha for unitizing (u-alpha) over sections of continuum, e.g. documents.

    The formula is Krippendorff's (1995, "On the reliability of unitizing continuous data",
    Sociological Methodology 25:47-76), in the form given in Content Analysis, 2nd ed. (2004; worked
    example p. 254) and implemented by DKPro Agreement's ``KrippendorffAlphaUnitizingAgreement``
    (not the revised coefficients of Krippendorff, Mathet, Bouvry & Widlöcher 2016). For one
    category c, each rater's continuum is a sequence of segments: their units of c and the gaps
    between them. With m raters and a continuum of length L:

    - observed: D_o(c) = Σ_{i≠j} Σ_{g,h} δ²(s_ig, s_jh) / (m (m - 1) L²), over ordered pairs of
      raters and pairs of their overlapping segments, where δ² of two overlapping units is
      (b_1 - b_2)² + (e_1 - e_2)², of a unit lying inside the other's gap its length l², and 0
      otherwise (gap with gap, or a unit only partly in a gap);
    - expected: D_e(c) = (2/L) Σ_u [(N_c - 1)(2l³ - 3l² + l)/3 + l² Σ_{gaps g ≥ l} (g - l + 1)]
      / (mL (mL - 1) - Σ_u l(l - 1)), over all N_c units u (of length l) of every rater and all
      gaps of every rater;
    - alpha(c) = 1 - D_o(c) / D_e(c); over all categories 1 - Σ_c D_o(c) / Σ_c D_e(c).

    Sections combine as one continuum in which no segment crosses a section boundary (a gap ends
    with its section). Raters differ between sections and only count in their own, so: D_o sums
    each section's δ² normalised by its own m_s (m_s - 1), over L = Σ L_s squared; D_e pools the
    segments of every section, with mL the number of rater-positions Σ m_s L_s. With a single
    section, or the same number of raters in every section, this is the formula above applied to
    the sections laid end to end. Sections with fewer than two raters have nothing pairable and
    are left out, like units with a single value in coding alpha.

    Overlapping units of the same category by the same rater are merged into their union before
    anything is computed (the formula assumes a rater's units of a category do not overlap);
    touching units (one ends where the next begins) stay two units.

    alpha is NaN when it is undefined: no pairable section, an empty continuum, or no units of
    the category (no expected disagreement). A category unknown to the study gives NaN.
    """

    def __init__(self, sections: Iterable[UnitizingSection | Sequence[Any]]) -> None:
        given = [UnitizingSection(*section) for section in sections]
        self.n_sections = len(given)
        self._categories: dict[Hashable, int] = {}
        lengths = np.array([int(section.length) for section in given], dtype=np.int64)
        if (lengths < 0).any():
            raise ValueError("Section lengths cannot be negative.")
        n_raters = np.zeros(self.n_sections, dtype=np.int64)
        # Per section: section, category index, rater slot, begin, end of each unit.
        columns: list[list[np.ndarray]] = [[] for _ in range(5)]
        for s, section in enumerate(given):
            units = list(section.units)
            fields = list(zip(*units, strict=True)) if units else [()] * 4
            if len(fields) != 4:
                raise ValueError(f"Units of section {s} must be (begin, end, rater, category).")
            begins, ends, named, categories = fields
            if section.raters is not None:
                named_raters: Iterable[Hashable] = section.raters
            else:
                named_raters = named
            slot = {rater: i for i, rater in enumerate(dict.fromkeys(named_raters))}
            n_raters[s] = len(slot)
            if not units:
                continue
            strangers = dict.fromkeys(named).keys() - slot.keys()
            if strangers:
                raise ValueError(f"Raters {strangers} are not among the raters of section {s}.")
            begin, end = np.asarray(begins), np.asarray(ends)
            if begin.dtype.kind not in "iu" or end.dtype.kind not in "iu":
                raise ValueError(f"Unit offsets in section {s} must be integers.")
            outside = ~((begin >= 0) & (begin < end) & (end <= lengths[s]))
            if outside.any():
                where = int(np.argmax(outside))
                raise ValueError(f"Unit {units[where]} is empty or outside section {s}.")
            for category in dict.fromkeys(categories):
                self._categories.setdefault(category, len(self._categories))
            columns[0].append(np.full(len(units), s))
            columns[1].append(np.fromiter(map(self._categories.__getitem__, categories), np.int64))
            columns[2].append(np.fromiter(map(slot.__getitem__, named), np.int64))
            columns[3].append(begin)
            columns[4].append(end)
        pairable = (n_raters >= 2) & (lengths > 0)
        sec, cat, slot_, begin, end = (
            np.concatenate([np.zeros(0, dtype=np.int64), *column]).astype(np.int64)
            for column in columns
        )
        keep = pairable[sec]
        merged = _merge(sec[keep], cat[keep], slot_[keep], begin[keep], end[keep])
        self._lengths = np.where(pairable, lengths, 0).astype(np.float64)
        self._positions = self._lengths * n_raters
        self._precompute(merged, lengths, np.where(pairable, n_raters, 0))

    @property
    def categories(self) -> list[Hashable]:
        """The categories of the units, in order of first appearance."""
        return list(self._categories)

    def alpha(
        self, weights: Sequence[int] | np.ndarray | None = None, *, category: Hashable | None = None
    ) -> float:
        """u-alpha for ``category``, or over all categories when it is None.

        ``weights`` gives each section's multiplicity (a bootstrap resample); None means 1 each.
        Weights come first, as for every building block here, so that ``study.alpha`` itself can
        be the statistic of ``bootstrap_ci``.
        """
        if category is not None and category not in self._categories:
            return NAN
        observed, expected = self._disagreements(section_weights(weights, self.n_sections))
        if category is None:
            return one_minus(float(observed.sum()), float(expected.sum()))
        index = self._categories[category]
        return one_minus(float(observed[index]), float(expected[index]))

    def alphas(self, weights: Sequence[int] | np.ndarray | None = None) -> np.ndarray:
        """u-alpha of every category, in the order of ``categories``, then over all of them.

        One pass for all the figures, e.g. ``bootstrap_ci(study.alphas, study.n_sections)``.
        """
        observed, expected = self._disagreements(section_weights(weights, self.n_sections))
        per_category = [
            one_minus(o, e) for o, e in zip(observed.tolist(), expected.tolist(), strict=True)
        ]
        return np.array([*per_category, one_minus(float(observed.sum()), float(expected.sum()))])

    def disagreements(
        self, weights: Sequence[int] | np.ndarray | None = None
    ) -> dict[Hashable, tuple[float, float]]:
        """The observed and expected disagreement ``(D_o, D_e)`` of every category."""
        observed, expected = self._disagreements(section_weights(weights, self.n_sections))
        return {c: (float(observed[i]), float(expected[i])) for c, i in self._categories.items()}

    # Sums linear in the section weights, kept per (section, category).
    _LINEAR = (
        "observed",  # Σ δ² over ordered rater pairs / (m (m - 1))
        "units",  # N_c
        "within",  # Σ_u l (l - 1)
        "cubic",  # Σ_u (2l³ - 3l² + l) / 3
        "squares",  # Σ_u l²
        "cubes",  # Σ_u l³
        "gaps",  # number of gaps
        "gap_lengths",  # Σ_g (g + 1)
    )

    def _precompute(
        self, units: dict[str, np.ndarray], lengths: np.ndarray, n_raters: np.ndarray
    ) -> None:
        """Keep per-section sums, and what the cross-section part of D_e needs in a resample.

        The cross term Σ_u Σ_g w_u w_g l_u² max(0, g - l_u + 1), over the units and gaps of all
        sections weighted by their sections' multiplicities, is the product of linear sums
        (Σ w_u l²)(Σ w_g (g + 1)) - (Σ w_u l³)(Σ w_g), less what that product counts for a gap
        shorter than a unit. For the latter, units and the gaps shorter than their category's
        longest unit are binned by (category, length); a resample sums weights into the bins (one
        gather and one ``reduceat`` over rows sorted by bin) and works on the bins alone.
        """
        n_cat, n_sec = len(self._categories), self.n_sections
        sec, cat, begin, end = units["section"], units["category"], units["begin"], units["end"]
        size = (end - begin).astype(np.float64)
        gaps = _gaps(units, lengths, n_raters, n_cat)
        gap = gaps["length"].astype(np.float64)

        def per_cell(section: np.ndarray, category: np.ndarray, values: np.ndarray) -> np.ndarray:
            cells = np.bincount(section * n_cat + category, values, minlength=n_sec * n_cat)
            return cells.reshape(n_sec, n_cat).astype(np.float64)  # int64 when empty

        pairs = np.maximum(n_raters * (n_raters - 1), 1)[:, None]
        linear = {
            "observed": per_cell(sec, cat, _observed_delta(units, n_raters, n_cat, lengths)),
            "units": per_cell(sec, cat, np.ones_like(size)),
            "within": per_cell(sec, cat, size * (size - 1)),
            "cubic": per_cell(sec, cat, size * (size - 1) * (2 * size - 1) / 3),
            "squares": per_cell(sec, cat, size**2),
            "cubes": per_cell(sec, cat, size**3),
            "gaps": per_cell(gaps["section"], gaps["category"], np.ones_like(gap)),
            "gap_lengths": per_cell(gaps["section"], gaps["category"], gap + 1),
        }
        linear["observed"] /= pairs
        self._linear = np.stack([linear[name] for name in self._LINEAR], axis=1)

        longest = np.zeros(n_cat, dtype=np.int64)
        np.maximum.at(longest, cat, end - begin)
        short = gaps["length"] < longest[gaps["category"]]
        (unit_cat, unit_len, unit_sec), unit_count = _count_rows(cat, end - begin, sec)
        (gap_cat, gap_len, gap_sec), gap_count = _count_rows(
            gaps["category"][short], gaps["length"][short], gaps["section"][short]
        )
        unit_bins = np.flatnonzero(_first_of_group(unit_cat, unit_len))
        gap_bins = np.flatnonzero(_first_of_group(gap_cat, gap_len))
        self._bin_section = np.concatenate((unit_sec, gap_sec))
        self._bin_count = np.concatenate((unit_count, gap_count)).astype(np.float64)
        self._bin_starts = np.concatenate((unit_bins, len(unit_sec) + gap_bins))
        self._n_unit_bins = len(unit_bins)
        length_of_bin = unit_len[unit_bins].astype(np.float64)
        self._bin_squares, self._bin_cubes = length_of_bin**2, length_of_bin**3
        category_end = np.searchsorted(unit_cat[unit_bins], np.arange(n_cat), side="right")
        self._gap_bin_category = gap_cat[gap_bins]
        self._gap_bin_end = category_end[self._gap_bin_category]
        self._gap_bin_next = gap_len[gap_bins] + 1.0
        # The first unit bin of the gap's category with a longer length.
        scale = int(longest.max(initial=0)) + 1
        self._gap_bin_longer = np.searchsorted(
            unit_cat[unit_bins] * scale + unit_len[unit_bins],
            self._gap_bin_category * scale + gap_len[gap_bins],
            side="right",
        )

    def _disagreements(self, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per category, D_o and D_e of the study with sections repeated ``weights`` times."""
        n_cat = len(self._categories)
        length, positions = weights @ self._lengths, weights @ self._positions
        if length <= 0:
            return np.full(n_cat, NAN), np.full(n_cat, NAN)
        sums = dict(zip(self._LINEAR, np.tensordot(weights, self._linear, axes=1), strict=True))
        binned = np.zeros(len(self._bin_starts))
        if len(self._bin_starts):
            binned = np.add.reduceat(weights[self._bin_section] * self._bin_count, self._bin_starts)
        units, gaps = binned[: self._n_unit_bins], binned[self._n_unit_bins :]
        squares = np.concatenate(([0.0], np.cumsum(units * self._bin_squares)))
        cubes = np.concatenate(([0.0], np.cumsum(units * self._bin_cubes)))
        end, longer = self._gap_bin_end, self._gap_bin_longer
        # Σ over gaps g and longer units u of w_g w_u l_u² (g + 1 - l_u): counted by the product
        # of linear sums, although a unit does not fit in a shorter gap.
        misfits = gaps * (
            self._gap_bin_next * (squares[end] - squares[longer]) - (cubes[end] - cubes[longer])
        )
        cross = (
            sums["squares"] * sums["gap_lengths"]
            - sums["cubes"] * sums["gaps"]
            - np.bincount(self._gap_bin_category, misfits, minlength=n_cat)
        )
        numerator = (sums["units"] - 1) * sums["cubic"] + cross
        denominator = positions * (positions - 1) - sums["within"]
        return sums["observed"] / length**2, 2 / length * numerator / denominator


def unitizing_alpha(
    units: Iterable[Sequence[Any]],
    continuum_begin: int,
    continuum_length: int,
    category: Hashable | None = None,
    raters: Iterable[Hashable] | None = None,
) -> float:
    """Krippendorff's alpha for unitizing one continuum (u-alpha; see ``UnitizingStudy``).

    ``units`` are ``(begin, end, rater, category)`` with half-open integer offsets inside
    ``[continuum_begin, continuum_begin + continuum_length)``. With ``category`` the binary
    u-alpha of that category; with None the alpha over all categories,
    1 - Σ_c D_o(c) / Σ_c D_e(c). ``raters`` names every rater of the continuum, including those
    who marked nothing (default: the raters appearing in ``units``). Overlapping units of the same
    category by the same rater are merged. Source: Krippendorff (1995), Sociological Methodology
    25:47-76; Content Analysis, 2nd ed. (2004), worked example p. 254. NaN for an empty continuum,
    fewer than two raters, or no units of the category.
    """
    shifted = [(b - continuum_begin, e - continuum_begin, r, c) for b, e, r, c in units]
    section = UnitizingSection(continuum_length, shifted, raters)
    return UnitizingStudy([section]).alpha(category=category)


def _sort_order(*columns: np.ndarray) -> np.ndarray:
    """The order sorting rows by the first column, then the next…; one int64 key when it fits."""
    spans = [int(column.max(initial=0)) + 1 for column in columns]
    if len(columns[0]) == 0 or math.prod(spans) >= 2**62 or any(c.min() < 0 for c in columns):
        return np.lexsort(columns[::-1])
    key = np.zeros(len(columns[0]), dtype=np.int64)
    for column, span in zip(columns, spans, strict=True):
        key = key * span + column
    return np.argsort(key, kind="stable")


def _first_of_group(*columns: np.ndarray) -> np.ndarray:
    """For rows sorted by ``columns``: True where a row starts a new group of equal keys."""
    first = np.ones(len(columns[0]), dtype=bool)
    for column in columns:
        first[1:] &= column[1:] == column[:-1]
    first[1:] = ~first[1:]
    return first


def _merge(
    sec: np.ndarray, cat: np.ndarray, slot: np.ndarray, begin: np.ndarray, end: np.ndarray
) -> dict[str, np.ndarray]:
    """Merge overlapping units of one rater and category; sort by section, category, slot, begin."""
    order = _sort_order(sec, cat, slot, begin)
    sec, cat, slot, begin, end = (a[order] for a in (sec, cat, slot, begin, end))
    group = np.cumsum(_first_of_group(sec, cat, slot))
    # Offsetting each group past the previous one lets a running maximum stay within groups: a
    # unit starts a merged unit unless it begins before the furthest end of its group so far.
    span = int(end.max(initial=0)) + 1
    reach = np.maximum.accumulate(group * span + end)
    starts = np.flatnonzero(group * span + begin >= np.r_[0, reach[:-1]])
    merged_end = np.maximum.reduceat(end, starts) if len(starts) else end
    return {
        "section": sec[starts],
        "category": cat[starts],
        "slot": slot[starts],
        "begin": begin[starts],
        "end": merged_end,
    }


def _observed_delta(
    units: dict[str, np.ndarray], n_raters: np.ndarray, n_cat: int, lengths: np.ndarray
) -> np.ndarray:
    """Per unit, its share of Σ_{i≠j} Σ δ² over the ordered rater pairs of its section.

    For each ordered pair of rater slots (a, b), a's unit adds δ² with every unit of b that it
    overlaps, or, overlapping none, lies inside a gap of b and adds 2 l²: once for (a, b) and once
    for the gap's side in (b, a).
    """
    sec, cat, slot = units["section"], units["category"], units["slot"]
    begin, end = units["begin"], units["end"]
    # Blocks of (section, category) laid end to end keep every search inside its own block, and
    # a slot's units, sorted and not overlapping, have sorted ends as well as begins.
    origin = (sec * n_cat + cat) * (int(lengths.max(initial=0)) + 1)
    delta = np.zeros(len(sec))
    most = int(n_raters.max(initial=0))
    for b in range(most):
        other = np.flatnonzero(slot == b)
        other_begin, other_end = origin[other] + begin[other], origin[other] + end[other]
        for a in range(most):
            mine = (
                np.flatnonzero((slot == a) & (n_raters[sec] > b))
                if a != b
                else np.zeros(0, dtype=np.int64)
            )
            if not len(mine):
                continue
            first = np.searchsorted(other_end, origin[mine] + begin[mine], side="right")
            count = np.searchsorted(other_begin, origin[mine] + end[mine], side="left") - first
            size = (end[mine] - begin[mine]).astype(np.float64)
            delta[mine] += np.where(count == 0, 2 * size**2, 0.0)
            unit = np.repeat(mine, count)
            partner = other[np.repeat(first, count) + _ranks_within(count)]
            squares = (begin[unit] - begin[partner]) ** 2 + (end[unit] - end[partner]) ** 2
            delta += np.bincount(unit, squares.astype(np.float64), minlength=len(sec))
    return delta


def _ranks_within(counts: np.ndarray) -> np.ndarray:
    """0, 1, …, n-1 for each run of length n in ``counts``, concatenated."""
    return np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)


def _gaps(
    units: dict[str, np.ndarray], lengths: np.ndarray, n_raters: np.ndarray, n_cat: int
) -> dict[str, np.ndarray]:
    """Every gap (stretch without a unit of the category) of every rater, section and category."""
    sec, cat, slot = units["section"], units["category"], units["slot"]
    begin, end = units["begin"], units["end"]
    first = _first_of_group(sec, cat, slot)
    last = np.r_[first[1:], True] if len(first) else first
    previous_end = np.where(first, 0, np.r_[0, end[:-1]])
    # Each (section, category, slot) with no unit at all has one gap: the whole section.
    all_sections = np.repeat(np.arange(len(lengths)), n_raters * n_cat)
    rank = _ranks_within(n_raters * n_cat)
    all_categories = rank // np.maximum(n_raters[all_sections], 1)
    all_slots = rank % np.maximum(n_raters[all_sections], 1)
    most = max(int(n_raters.max(initial=0)), 1)
    used = np.unique((sec * n_cat + cat) * most + slot)
    empty = ~np.isin((all_sections * n_cat + all_categories) * most + all_slots, used)
    gap_section = np.r_[sec, sec[last], all_sections[empty]]
    gap_category = np.r_[cat, cat[last], all_categories[empty]]
    gap_length = np.r_[
        begin - previous_end, lengths[sec[last]] - end[last], lengths[all_sections[empty]]
    ]
    keep = gap_length > 0
    return {
        "section": gap_section[keep],
        "category": gap_category[keep],
        "length": gap_length[keep],
    }


def _count_rows(*columns: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Distinct rows of ``columns``, sorted by the first column then the next, and their counts."""
    order = _sort_order(*columns)
    ordered = [column[order] for column in columns]
    starts = np.flatnonzero(_first_of_group(*ordered))
    return [column[starts] for column in ordered], np.diff(np.r_[starts, len(order)])
