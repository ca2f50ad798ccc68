"""Reference implementations of the coding statistics, for tests only: the oracles.

The product computes agreement with building blocks made to be fast under resampling
(``annotator.agreement``: ``NominalCoincidences``, ``PairwiseKappa``, ``UnitizingStudy``).
These functions compute the same statistics the plain way, straight from their published
formulas, one data set at a time, and share no code with the product: the tests hold them to
the published worked examples (Krippendorff 2011, Cohen 1960, Fleiss 1971 …), hold
``krippendorff_alpha`` to the independent PyPI package ``krippendorff``, and hold the
product's building blocks to them.

Conventions as in ``annotator.agreement``: a missing value is ``None`` or a float NaN, a
statistic the data leave undefined is NaN, and only illegitimate input raises ``ValueError``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Hashable, Iterable, Sequence
from typing import Any

import numpy as np

NAN = float("nan")
LEVELS = ("nominal", "ordinal", "interval", "ratio")


def is_missing(value: Any) -> bool:
    """Whether a coder gave no value: ``None`` or a float NaN."""
    return value is None or (isinstance(value, float | np.floating) and math.isnan(value))


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
    units = [[coder[u] for coder in coders if not is_missing(coder[u])] for u in range(n_units)]
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
    observed = (marginals.sum() - 1) * (coincidences * delta).sum()
    expected = (np.outer(marginals, marginals) * delta).sum()
    return 1.0 - observed / expected if expected > 0 else NAN


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
        if not (is_missing(a) or is_missing(b))
    ]
    index = {label: i for i, label in enumerate(dict.fromkeys(x for pair in pairs for x in pair))}
    table = np.zeros((len(index), len(index)))
    for a, b in pairs:
        table[index[a], index[b]] += 1
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
