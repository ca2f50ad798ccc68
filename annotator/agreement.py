"""Agreement statistics: pure functions and building blocks on plain data (NumPy, no Django).

Every figure the product shows about how far reviewers agree is computed here, so that it can be
read, tested against the published worked examples and recomputed exactly.

Conventions:

- A *missing* value is ``None`` or a float NaN.
- A statistic that the data leave undefined (nothing pairable, a single category, an empty
  continuum, no expected disagreement) is ``float("nan")``. Only illegitimate input raises
  ``ValueError``: sequences of unequal length, a span outside its document, a rater who was not
  among the section's raters, a ratio-scale value below zero.
- Offsets are half-open code-point intervals ``[begin, end)``; two spans *overlap* when they
  share at least one code point.
- The building blocks (``UnitizingStudy``, ``NominalCoincidences``, ``PairwiseKappa``) keep
  per-*section* (per-document) sufficient statistics. Their ``weights`` argument is an integer
  multiplicity per section, as drawn by a bootstrap resample of documents: a statistic with
  ``weights`` equals the statistic of the data in which section ``s`` is repeated ``weights[s]``
  times, and costs a few array operations. ``bootstrap_ci`` draws those weights.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

NAN = float("nan")
LEVELS = ("nominal", "ordinal", "interval", "ratio")


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float | np.floating) and math.isnan(value))


def _one_minus(observed: float, expected: float) -> float:
    """``1 - observed / expected``, NaN where the expected disagreement is zero or undefined."""
    return 1.0 - observed / expected if expected > 0 else NAN


def _section_weights(weights: Sequence[int] | np.ndarray | None, n_sections: int) -> np.ndarray:
    if weights is None:
        return np.ones(n_sections)
    array = np.asarray(weights)
    if array.shape != (n_sections,) or (array < 0).any():
        raise ValueError(
            f"weights must be {n_sections} non-negative multiplicities, one a section."
        )
    return array.astype(np.float64)


# Coding: Krippendorff's alpha, Cohen's and Fleiss' kappa


def krippendorff_alpha(reliability_data: Iterable[Sequence[Any]], level: str = "nominal") -> float:
    """Krippendorff's alpha of coders × units reliability data, from the coincidence matrix.

    ``reliability_data`` holds one sequence per coder, each over the same units, with ``None``
    (or NaN) where the coder gave no value. ``level`` is ``"nominal"`` (any hashable values),
    ``"ordinal"``, ``"interval"`` or ``"ratio"`` (numbers; ratio values must be >= 0).

    alpha = 1 - (n - 1) Σ o_ck δ²_ck / Σ n_c n_k δ²_ck, where o is the coincidence matrix of the
    pairable values (units with at least two values), n_c its marginals and n their total;
    δ² is the level's difference function, the ordinal one built on the marginal sums. Source:
    Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability" (Annenberg School working
    paper), and Content Analysis, 2nd ed. (2004), worked examples pp. 224-230. NaN when no unit
    has two values, or all pairable values are equal (no expected disagreement).
    """
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, not {level!r}.")
    coders = [list(coder) for coder in reliability_data]
    n_units = len(coders[0]) if coders else 0
    if any(len(coder) != n_units for coder in coders):
        raise ValueError("Every coder must give a value (or None) for the same number of units.")
    units = [[coder[u] for coder in coders if not _is_missing(coder[u])] for u in range(n_units)]
    units = [unit for unit in units if len(unit) >= 2]
    if not units:
        return NAN
    if level == "nominal":
        values = list(dict.fromkeys(value for unit in units for value in unit))
    else:
        if not all(isinstance(v, numbers.Real) for unit in units for v in unit):
            raise ValueError(f"The {level} level needs numbers.")
        values = sorted({float(value) for unit in units for value in unit})
        if level == "ratio" and values[0] < 0:
            raise ValueError("Ratio-scale values cannot be negative.")
        units = [[float(value) for value in unit] for unit in units]
    index = {value: i for i, value in enumerate(values)}
    counts = np.zeros((len(units), len(values)))
    for row, unit in enumerate(units):
        for value in unit:
            counts[row, index[value]] += 1
    scaled = counts / (counts.sum(axis=1, keepdims=True) - 1)
    coincidences = scaled.T @ counts - np.diag(scaled.sum(axis=0))
    marginals = coincidences.sum(axis=1)
    delta = _difference(level, np.asarray(values if level != "nominal" else []), marginals)
    return _one_minus(
        (marginals.sum() - 1) * (coincidences * delta).sum(),
        (np.outer(marginals, marginals) * delta).sum(),
    )


def _difference(level: str, values: np.ndarray, marginals: np.ndarray) -> np.ndarray:
    """The squared difference function δ²_ck of Krippendorff (2011) for ``level``."""
    if level == "nominal":
        return 1.0 - np.eye(len(marginals))
    if level == "ordinal":
        index = np.arange(len(marginals))
        low, high = np.minimum.outer(index, index), np.maximum.outer(index, index)
        cumulative = np.cumsum(marginals)
        between = cumulative[high] - cumulative[low] + marginals[low]  # Σ_{g=low..high} n_g
        return (between - (marginals[low] + marginals[high]) / 2) ** 2
    difference = np.subtract.outer(values, values)
    if level == "interval":
        return difference**2
    total = np.add.outer(values, values)
    return np.divide(difference, total, out=np.zeros_like(total), where=total > 0) ** 2


def cohen_kappa(labels_a: Sequence[Hashable], labels_b: Sequence[Hashable]) -> float:
    """Cohen's kappa of two raters' labels over the same units.

    kappa = (p_o - p_e) / (1 - p_e), with p_o the proportion of units given the same label and
    p_e = Σ_c p_a(c) p_b(c) from each rater's own marginals (Cohen 1960, Educational and
    Psychological Measurement 20:37-46). Units where either label is missing are left out.
    Unequal lengths raise ``ValueError``; NaN when no unit has both labels or both raters used
    one and the same label only.
    """
    labels_a, labels_b = list(labels_a), list(labels_b)
    if len(labels_a) != len(labels_b):
        raise ValueError(f"Label sequences differ in length: {len(labels_a)} and {len(labels_b)}.")
    pairs = [
        (a, b)
        for a, b in zip(labels_a, labels_b, strict=True)
        if not (_is_missing(a) or _is_missing(b))
    ]
    index = {label: i for i, label in enumerate(dict.fromkeys(x for pair in pairs for x in pair))}
    table = np.zeros((len(index), len(index)))
    for a, b in pairs:
        table[index[a], index[b]] += 1
    return _kappa(table)


def _kappa(table: np.ndarray) -> float:
    total = table.sum()
    if total == 0:
        return NAN
    observed = np.trace(table) / total
    expected = float(table.sum(axis=1) @ table.sum(axis=0)) / total**2
    return (observed - expected) / (1 - expected) if expected < 1 else NAN


def fleiss_kappa(counts: Sequence[Sequence[int]] | np.ndarray) -> float:
    """Fleiss' kappa of a subjects × categories matrix of how many raters chose each category.

    kappa = (P̄ - P̄_e) / (1 - P̄_e), with P̄ the mean over subjects of the proportion of agreeing
    rater pairs and P̄_e = Σ_j p_j² from the pooled category proportions (Fleiss 1971,
    Psychological Bulletin 76:378-382). Every subject must have the same number of raters
    (``ValueError`` otherwise). NaN with no subject, fewer than two raters a subject, or a single
    category used throughout.
    """
    table = np.asarray(counts, dtype=float)
    if table.size == 0:
        return NAN
    if table.ndim != 2 or (table < 0).any() or (table != np.round(table)).any():
        raise ValueError("Fleiss' kappa needs a subjects × categories matrix of rater counts.")
    raters = table.sum(axis=1)
    if (raters != raters[0]).any():
        raise ValueError("Every subject must be rated by the same number of raters.")
    n = raters[0]
    if n < 2:
        return NAN
    observed = ((table**2).sum(axis=1) - n).mean() / (n * (n - 1))
    proportions = table.sum(axis=0) / table.sum()
    expected = float(proportions @ proportions)
    return (observed - expected) / (1 - expected) if expected < 1 else NAN


# Spans: precision, recall and F1


def span_prf(
    reference: Iterable[Sequence[Any]], candidate: Iterable[Sequence[Any]], match: str = "exact"
) -> dict[str, float]:
    """Precision, recall and F1 of candidate spans against reference spans.

    Spans are ``(begin, end, category)``; each collection is taken as a set (a duplicate counts
    once). With ``match="exact"`` a span is matched by an identical span. With
    ``match="overlap"`` a candidate is a true positive when it shares at least one code point with
    a reference span of the same category (``tp_candidate``), and a reference is recalled when
    some same-category candidate overlaps it (``tp_reference``); one span may match several.
    precision = tp_candidate / n_candidate, recall = tp_reference / n_reference, both NaN when
    their denominator is zero; F1 is their harmonic mean, 0 when either is 0, NaN when both are
    NaN. The counts are returned too, so that callers can micro-average over documents.
    """
    if match not in ("exact", "overlap"):
        raise ValueError(f"match must be 'exact' or 'overlap', not {match!r}.")
    counts = span_matches(reference, candidate)[None]
    tp_candidate = counts["tp_exact"] if match == "exact" else counts["tp_candidate"]
    tp_reference = counts["tp_exact"] if match == "exact" else counts["tp_reference"]
    n_candidate, n_reference = counts["n_candidate"], counts["n_reference"]
    precision, recall, f1 = prf(tp_candidate, tp_reference, n_candidate, n_reference)
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "tp_candidate": tp_candidate,
        "tp_reference": tp_reference,
        "n_candidate": n_candidate,
        "n_reference": n_reference,
    }


def prf(
    tp_candidate: int, tp_reference: int, n_candidate: int, n_reference: int
) -> tuple[float, float, float]:
    """Precision, recall and F1 from match counts (summed over documents, for micro-averages).

    precision = tp_candidate / n_candidate and recall = tp_reference / n_reference, each NaN
    when its denominator is zero; F1 is their harmonic mean, 0 when either is 0, NaN when
    either is NaN and neither is 0.
    """
    precision = tp_candidate / n_candidate if n_candidate else NAN
    recall = tp_reference / n_reference if n_reference else NAN
    if precision == 0 or recall == 0:
        return precision, recall, 0.0
    if math.isnan(precision) or math.isnan(recall):
        return precision, recall, NAN
    return precision, recall, 2 * precision * recall / (precision + recall)


MATCH_COUNTS = ("tp_exact", "tp_candidate", "tp_reference", "n_candidate", "n_reference")


def span_matches(
    reference: Iterable[Sequence[Any]], candidate: Iterable[Sequence[Any]]
) -> dict[Hashable | None, dict[str, int]]:
    """The counts behind ``span_prf``, per category and over all (key ``None``), in one pass.

    For each category used by either side: ``tp_exact`` (spans in both), ``tp_candidate``
    (candidates overlapping a reference of the same category), ``tp_reference`` (references
    overlapped by a candidate of the same category), ``n_candidate`` and ``n_reference``. Each
    collection is taken as a set. Made for summing over many documents (micro-averaging).
    """
    references = {(int(b), int(e), c) for b, e, c in reference}
    candidates = {(int(b), int(e), c) for b, e, c in candidate}
    categories = list(dict.fromkeys(c for _, _, c in [*references, *candidates]))
    index = {category: i for i, category in enumerate(categories)}
    table = np.zeros((len(categories), len(MATCH_COUNTS)), dtype=np.int64)
    if categories:
        ref, cand = _shifted(references, index), _shifted(candidates, index)
        for column, (spans, others) in ((1, (cand, ref)), (2, (ref, cand))):
            hits = _overlap_hits(spans, others)
            table[:, column] = np.bincount(spans[2][hits], minlength=len(categories))
        table[:, 3] = np.bincount(cand[2], minlength=len(categories))
        table[:, 4] = np.bincount(ref[2], minlength=len(categories))
        exact = [index[c] for _, _, c in references & candidates]
        table[:, 0] = np.bincount(np.array(exact, dtype=np.int64), minlength=len(categories))
    result: dict[Hashable | None, dict[str, int]] = {
        category: dict(zip(MATCH_COUNTS, map(int, table[i]), strict=True))
        for category, i in index.items()
    }
    result[None] = dict(zip(MATCH_COUNTS, map(int, table.sum(axis=0)), strict=True))
    return result


def _shifted(
    spans: set[tuple[int, int, Hashable]], index: Mapping[Hashable, int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Begins, ends and category numbers, each category moved to its own stretch of the line.

    Shifting category k by k·2⁴⁰ keeps spans of different categories from ever overlapping,
    so one sorted pass matches every category at once.
    """
    if not spans:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    array = np.array([(b, e, index[c]) for b, e, c in spans], dtype=np.int64)
    if (array[:, 1] <= array[:, 0]).any():
        bad = array[array[:, 1] <= array[:, 0]][0]
        raise ValueError(f"Empty or reversed span ({bad[0]}, {bad[1]}).")
    shift = array[:, 2] << 40
    return array[:, 0] + shift, array[:, 1] + shift, array[:, 2]


def _overlap_hits(spans: tuple[np.ndarray, ...], others: tuple[np.ndarray, ...]) -> np.ndarray:
    """For each of ``spans``, whether it shares a code point with one of ``others``."""
    begins, ends = spans[0], spans[1]
    if not len(others[0]):
        return np.zeros(len(begins), dtype=bool)
    order = np.argsort(others[0], kind="stable")
    other_begins = others[0][order]
    furthest_end = np.maximum.accumulate(others[1][order])
    # The others starting before a span's end are a prefix; one of them must reach past its begin.
    starting_before = np.searchsorted(other_begins, ends, side="left")
    reach = furthest_end[np.maximum(starting_before - 1, 0)]
    return (starting_before > 0) & (reach > begins)


# Unitizing: Krippendorff's u-alpha


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
        sections = [UnitizingSection(*section) for section in sections]
        self.n_sections = len(sections)
        self._categories: dict[Hashable, int] = {}
        lengths = np.array([int(section.length) for section in sections], dtype=np.int64)
        if (lengths < 0).any():
            raise ValueError("Section lengths cannot be negative.")
        n_raters = np.zeros(self.n_sections, dtype=np.int64)
        # Per section: section, category index, rater slot, begin, end of each unit.
        columns: list[list[np.ndarray]] = [[] for _ in range(5)]
        for s, section in enumerate(sections):
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
        units = _merge(sec[keep], cat[keep], slot_[keep], begin[keep], end[keep])
        self._lengths = np.where(pairable, lengths, 0).astype(np.float64)
        self._positions = self._lengths * n_raters
        self._precompute(units, lengths, np.where(pairable, n_raters, 0))

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
        observed, expected = self._disagreements(_section_weights(weights, self.n_sections))
        if category is None:
            return _one_minus(float(observed.sum()), float(expected.sum()))
        index = self._categories[category]
        return _one_minus(float(observed[index]), float(expected[index]))

    def alphas(self, weights: Sequence[int] | np.ndarray | None = None) -> np.ndarray:
        """u-alpha of every category, in the order of ``categories``, then over all of them.

        One pass for all the figures, e.g. ``bootstrap_ci(study.alphas, study.n_sections)``.
        """
        observed, expected = self._disagreements(_section_weights(weights, self.n_sections))
        per_category = [
            _one_minus(o, e) for o, e in zip(observed.tolist(), expected.tolist(), strict=True)
        ]
        return np.array([*per_category, _one_minus(float(observed.sum()), float(expected.sum()))])

    def disagreements(
        self, weights: Sequence[int] | np.ndarray | None = None
    ) -> dict[Hashable, tuple[float, float]]:
        """The observed and expected disagreement ``(D_o, D_e)`` of every category."""
        observed, expected = self._disagreements(_section_weights(weights, self.n_sections))
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

    def _precompute(self, units: dict[str, np.ndarray], lengths, n_raters) -> None:
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

        def per_cell(section, category, values) -> np.ndarray:
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


def _merge(sec, cat, slot, begin, end) -> dict[str, np.ndarray]:
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


def _observed_delta(units: dict[str, np.ndarray], n_raters, n_cat: int, lengths) -> np.ndarray:
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
            mine = np.flatnonzero((slot == a) & (n_raters[sec] > b)) if a != b else []
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


def _gaps(units: dict[str, np.ndarray], lengths, n_raters, n_cat: int) -> dict[str, np.ndarray]:
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


# Coding building blocks over sections


class NominalCoincidences:
    """Nominal Krippendorff's alpha over sections of units, fast to recompute under resampling.

    ``sections`` are iterables of units, each unit the values its coders gave (``None`` or NaN
    for a coder who gave none; a coders × units matrix becomes units with ``zip(*matrix)``);
    ``from_codes`` takes integer-coded matrices instead, for large data. Each section keeps only
    its coincidences' diagonal sum and marginals, which is all nominal alpha needs:
    alpha = 1 - (n - 1)(n - Σ_c o_cc) / (n² - Σ_c n_c²) (Krippendorff 2011). For one section it
    equals ``krippendorff_alpha(matrix, "nominal")``; units with fewer than two values are left
    out.
    """

    def __init__(self, sections: Iterable[Iterable[Iterable[Hashable]]]) -> None:
        index: dict[Hashable, int] = {}
        coded = [
            [
                [index.setdefault(v, len(index)) for v in unit if not _is_missing(v)]
                for unit in units
            ]
            for units in sections
        ]
        self.values = list(index)
        counts = []
        for units in coded:
            unit_of = np.repeat(np.arange(len(units)), [len(unit) for unit in units])
            codes = np.fromiter((code for unit in units for code in unit), np.int64)
            counts.append(_value_counts(unit_of, codes, len(units), len(index)))
        self._tally(counts)

    @classmethod
    def from_codes(cls, sections: Iterable[np.ndarray], n_values: int) -> NominalCoincidences:
        """From integer codes: each section a coders × units array of values in
        ``range(n_values)``, a negative code where a coder gave no value."""
        self = cls.__new__(cls)
        self.values = list(range(n_values))
        counts = []
        for matrix in sections:
            codes = _codes(matrix, n_values)
            unit_of = np.broadcast_to(np.arange(codes.shape[1]), codes.shape)
            given = codes >= 0
            counts.append(_value_counts(unit_of[given], codes[given], codes.shape[1], n_values))
        self._tally(counts)
        return self

    def _tally(self, counts: list[np.ndarray]) -> None:
        """Keep each section's Σ_c o_cc and marginals n_c from its units × values counts."""
        self.n_sections = len(counts)
        self._diagonal = np.zeros(self.n_sections)
        self._marginals = np.zeros((self.n_sections, len(self.values)))
        for s, section in enumerate(counts):
            pairable = section[section.sum(axis=1) >= 2]
            scale = pairable.sum(axis=1) - 1
            self._diagonal[s] = float(((pairable * (pairable - 1)).sum(axis=1) / scale).sum())
            self._marginals[s] = pairable.sum(axis=0)

    def alpha(self, weights: Sequence[int] | np.ndarray | None = None) -> float:
        """Nominal alpha, each section counted ``weights[s]`` times (default once)."""
        w = _section_weights(weights, self.n_sections)
        marginals = w @ self._marginals
        total = marginals.sum()
        return _one_minus(
            (total - 1) * (total - w @ self._diagonal), total**2 - marginals @ marginals
        )


def _codes(matrix: np.ndarray, n_values: int) -> np.ndarray:
    """Integer codes as a coders × units array, checked to lie below ``n_values``."""
    codes = np.atleast_2d(np.asarray(matrix, dtype=np.int64))
    if codes.size and codes.max() >= n_values:
        raise ValueError(f"Codes must be below n_values = {n_values}.")
    return codes


def _value_counts(unit_of: np.ndarray, codes: np.ndarray, n_units: int, n_values: int):
    """A units × values matrix of how many coders gave each value to each unit."""
    flat = np.bincount(unit_of * n_values + codes, minlength=n_units * n_values)
    return flat.reshape(n_units, n_values).astype(np.float64)


class PairwiseKappa:
    """Cohen's kappa for each pair of coders over sections, fast to recompute under resampling.

    ``sections`` are mappings from coder to that coder's labels over the section's units (the
    same units for every coder of the section; ``None`` where a coder gave no label);
    ``from_codes`` takes integer-coded matrices instead, for large data. Each pair of coders who
    share a section keeps one contingency table per shared section.
    """

    def __init__(self, sections: Iterable[Mapping[Hashable, Sequence[Hashable]]]) -> None:
        index: dict[Hashable, int] = {}
        layers = []
        for s, section in enumerate(sections):
            coders = list(section)
            labels = [list(section[coder]) for coder in coders]
            if len({len(row) for row in labels}) > 1:
                raise ValueError(f"The coders of section {s} labelled different numbers of units.")
            rows = [
                [-1 if _is_missing(x) else index.setdefault(x, len(index)) for x in row]
                for row in labels
            ]
            layers.append((coders, np.array(rows, dtype=np.int64).reshape(len(coders), -1)))
        self.values = list(index)
        self._build(layers)

    @classmethod
    def from_codes(
        cls, sections: Iterable[tuple[Sequence[Hashable], np.ndarray]], n_values: int
    ) -> PairwiseKappa:
        """From integer codes: each section a pair ``(coders, matrix)``, the matrix's rows the
        coders' labels in ``range(n_values)``, a negative code where a coder gave none."""
        self = cls.__new__(cls)
        self.values = list(range(n_values))
        layers = [(list(coders), _codes(matrix, n_values)) for coders, matrix in sections]
        if any(len(coders) != len(matrix) for coders, matrix in layers):
            raise ValueError("Each coder needs one row of codes.")
        self._build(layers)
        return self

    def _build(self, layers: list[tuple[list[Hashable], np.ndarray]]) -> None:
        size = len(self.values)
        self.n_sections = len(layers)
        self._names: dict[frozenset, tuple[Hashable, Hashable]] = {}
        found: dict[frozenset, tuple[list[int], list[np.ndarray]]] = {}
        for s, (coders, matrix) in enumerate(layers):
            for i, coder in enumerate(coders):
                for j in range(i + 1, len(coders)):
                    key = frozenset((coder, coders[j]))
                    # Orient every table of a pair alike, as first seen, so that they add up.
                    first = self._names.setdefault(key, (coder, coders[j]))[0]
                    a, b = (matrix[i], matrix[j]) if first == coder else (matrix[j], matrix[i])
                    both = (a >= 0) & (b >= 0)
                    table = np.bincount(a[both] * size + b[both], minlength=size * size)
                    sections_of, tables = found.setdefault(key, ([], []))
                    sections_of.append(s)
                    tables.append(table.reshape(size, size))
        self._tables = {
            key: (np.array(sections_of), np.array(tables, dtype=np.float64))
            for key, (sections_of, tables) in found.items()
        }

    @property
    def pairs(self) -> list[tuple[Hashable, Hashable]]:
        """Every pair of coders who labelled a section together."""
        return list(self._names.values())

    def kappa(
        self, pair: tuple[Hashable, Hashable], weights: Sequence[int] | np.ndarray | None = None
    ) -> float:
        """Cohen's kappa of ``pair`` over their shared sections, weighted; NaN if none."""
        key = frozenset(pair)
        if key not in self._tables:
            return NAN
        sections_of, stack = self._tables[key]
        w = _section_weights(weights, self.n_sections)
        return _kappa(np.tensordot(w[sections_of], stack, axes=1))


# Bootstrap


def bootstrap_ci(
    statistic: Callable[[np.ndarray], float | np.ndarray],
    n_sections: int,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> tuple[Any, Any]:
    """Percentile bootstrap confidence interval, resampling sections (documents).

    Each resample draws ``n_sections`` sections with replacement, given to ``statistic`` as an
    int array of multiplicities (``numpy.random.default_rng(seed).multinomial``), so the result
    is reproducible for a seed. Resamples where the statistic is NaN are dropped; when fewer than
    half of them remain, or there are fewer than two sections, the interval is ``(nan, nan)``.
    A statistic returning an array (e.g. ``UnitizingStudy.alphas``) gets an interval per entry,
    as two arrays. Source: Efron & Tibshirani (1993), An Introduction to the Bootstrap, ch. 13;
    resampling whole documents keeps the dependence between the spans of one document.
    """
    if not 0 < confidence < 1 or n_resamples < 1:
        raise ValueError("confidence must be in (0, 1) and n_resamples at least 1.")
    if n_sections < 2:
        shape = np.shape(statistic(np.ones(n_sections, dtype=np.int64)))
        return (NAN, NAN) if shape == () else (np.full(shape, NAN), np.full(shape, NAN))
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(n_sections, np.full(n_sections, 1 / n_sections), size=n_resamples)
    values = np.array([statistic(weights) for weights in draws], dtype=np.float64)
    columns = values.reshape(n_resamples, -1)
    low, high = np.full(columns.shape[1], NAN), np.full(columns.shape[1], NAN)
    for index, column in enumerate(columns.T):
        kept = column[~np.isnan(column)]
        if len(kept) >= max(2, n_resamples / 2):
            low[index], high[index] = np.quantile(
                kept, [(1 - confidence) / 2, (1 + confidence) / 2]
            )
    if values.ndim == 1:
        return float(low[0]), float(high[0])
    return low, high
