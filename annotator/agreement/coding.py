"""Coding: nominal Krippendorff's alpha and pairwise Cohen's kappa over sections of units.

Both keep per-section (per-document) sufficient statistics, so that a statistic under a
bootstrap resample of sections (``weights``) costs a few array operations. The plain,
one-data-set form of each statistic is in the tests (``tests/oracles.py``), which hold these
building blocks equal to it.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence

import numpy as np

from annotator.agreement.common import NAN, is_missing, one_minus, section_weights


class NominalCoincidences:
    """Nominal Krippendorff's alpha over sections of units, fast to recompute under resampling.

    ``sections`` are iterables of units, each unit the values its coders gave (``None`` or NaN
    for a coder who gave none; a coders × units matrix becomes units with ``zip(*matrix)``);
    ``from_codes`` takes integer-coded matrices instead, for large data. Each section keeps only
    its coincidences' diagonal sum and marginals, which is all nominal alpha needs:
    alpha = 1 - (n - 1)(n - Σ_c o_cc) / (n² - Σ_c n_c²) (Krippendorff 2011). For one section it
    is Krippendorff's nominal alpha of the coders × units matrix computed from its full
    coincidence matrix; units with fewer than two values are left out.
    """

    def __init__(self, sections: Iterable[Iterable[Iterable[Hashable]]]) -> None:
        index: dict[Hashable, int] = {}
        coded = [
            [[index.setdefault(v, len(index)) for v in unit if not is_missing(v)] for unit in units]
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
        w = section_weights(weights, self.n_sections)
        marginals = w @ self._marginals
        total = marginals.sum()
        return one_minus(
            (total - 1) * (total - w @ self._diagonal), total**2 - marginals @ marginals
        )


def _codes(matrix: np.ndarray, n_values: int) -> np.ndarray:
    """Integer codes as a coders × units array, checked to lie below ``n_values``."""
    codes = np.atleast_2d(np.asarray(matrix, dtype=np.int64))
    if codes.size and codes.max() >= n_values:
        raise ValueError(f"Codes must be below n_values = {n_values}.")
    return codes


def _value_counts(
    unit_of: np.ndarray, codes: np.ndarray, n_units: int, n_values: int
) -> np.ndarray:
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
                [-1 if is_missing(x) else index.setdefault(x, len(index)) for x in row]
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
        w = section_weights(weights, self.n_sections)
        return _kappa(np.tensordot(w[sections_of], stack, axes=1))


def _kappa(table: np.ndarray) -> float:
    """Cohen's kappa of a contingency table: (p_o - p_e) / (1 - p_e) (Cohen 1960)."""
    total = table.sum()
    if total == 0:
        return NAN
    observed = np.trace(table) / total
    expected = float(table.sum(axis=1) @ table.sum(axis=0)) / total**2
    return (observed - expected) / (1 - expected) if expected < 1 else NAN
