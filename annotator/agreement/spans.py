"""Spans: precision, recall and F1 of one set of spans against another, exact or overlapping.

Spans are ``(begin, end, category)`` with half-open code-point offsets; ``span_matches`` counts
every category in one sorted pass, so that the counts can be summed over documents
(micro-averaging) before ``prf`` takes the ratios.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from annotator.agreement.common import NAN


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
) -> dict[str | None, dict[str, int]]:
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
    result: dict[str | None, dict[str, int]] = {
        category: dict(zip(MATCH_COUNTS, map(int, table[i]), strict=True))
        for category, i in index.items()
    }
    result[None] = dict(zip(MATCH_COUNTS, map(int, table.sum(axis=0)), strict=True))
    return result


def _shifted(
    spans: set[tuple[int, int, str]], index: Mapping[str, int]
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
