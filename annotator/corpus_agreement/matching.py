"""Spans of two reviewers paired one to one, and what the pairs are counted into.

Two figures rest on spans that two reviewers of a document both marked:

- the *category confusion matrix* (``Confusion``): for every pair of matched spans, the
  category each reviewer gave. Spans are matched one to one (``matched_pairs``), either by
  identical boundaries (*exact*) or by sharing at least one code point (*overlap*), whatever
  their categories. The matrix is symmetric: which reviewer of a pair is "A" is arbitrary
  (an account id), so each matched pair is counted once, as the unordered pair of its two
  categories, and stored with the category that comes first in the taxonomy as ``a``.
- *agreement on evidence attributes* (``attribute_codes``): the spans that two or more
  reviewers of a document marked with the same boundaries and the same category are the
  units; each of those reviewers' status of the allegation (or type of source) is a value.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from annotator.corpus_agreement.token_values import Span

# A reviewer's span as the layers carry it: (start, end, category), or with the evidence
# attributes after them, (start, end, category, evidence_status, source_type).
ReviewerSpan = tuple[int, int, str] | tuple[int, int, str, str | None, str | None]
MATCHINGS = ("exact", "overlap")


def matched_pairs(a: Iterable[Span], b: Iterable[Span], *, match: str) -> list[tuple[Span, Span]]:
    """Spans of ``a`` and ``b`` paired one to one, each span in at most one pair.

    With ``match="exact"`` two spans can pair when their boundaries are identical; with
    ``match="overlap"`` when they share at least one code point. Categories do not decide
    whether spans can pair, only which pairs are taken first: identical spans (boundaries and
    category), then greedily pairs of the same category, then those sharing more code
    points, then in order of position. So two reviewers who both tagged one passage as
    detention and as torture make two agreements, not two agreements and two confusions.
    Each side is taken as a set.
    """
    if match not in MATCHINGS:
        raise ValueError(f"match must be 'exact' or 'overlap', not {match!r}.")
    return pair_matches(a, b)[match]


def pair_matches(a: Iterable[Span], b: Iterable[Span]) -> dict[str, list[tuple[Span, Span]]]:
    """``matched_pairs`` for both matchings at once (the identical spans found once)."""
    left, right = set(a), set(b)
    identical = left & right
    pairs = [(span, span) for span in sorted(identical)]
    rest_left, rest_right = sorted(left - identical), sorted(right - identical)
    if not (rest_left and rest_right):
        return {"exact": pairs, "overlap": list(pairs)}
    return {
        "exact": pairs + _exact_rest(rest_left, rest_right),
        "overlap": pairs + _overlapping_rest(rest_left, rest_right),
    }


def _exact_rest(left: list[Span], right: list[Span]) -> list[tuple[Span, Span]]:
    """Spans at identical boundaries but of different categories, paired in order."""
    at: dict[tuple[int, int], list[Span]] = {}
    for span in reversed(right):
        at.setdefault((span[0], span[1]), []).append(span)
    pairs = []
    for span in left:
        waiting = at.get((span[0], span[1]))
        if waiting:
            pairs.append((span, waiting.pop()))
    return pairs


def _overlapping_rest(left: list[Span], right: list[Span]) -> list[tuple[Span, Span]]:
    """The greedy rule over every pair of overlapping spans (both lists sorted)."""
    candidates = [
        (left[i][2] != right[j][2], _shared(left[i], right[j]), i, j)
        for i, j in _overlaps(left, right)
    ]
    candidates.sort(key=lambda c: (c[0], -c[1], c[2], c[3]))
    used_left: set[int] = set()
    used_right: set[int] = set()
    pairs = []
    for _, _, i, j in candidates:
        if i not in used_left and j not in used_right:
            used_left.add(i)
            used_right.add(j)
            pairs.append((left[i], right[j]))
    return pairs


def _shared(x: Span, y: Span) -> int:
    return min(x[1], y[1]) - max(x[0], y[0])


def _overlaps(left: list[Span], right: list[Span]) -> list[tuple[int, int]]:
    """Every (i, j) whose spans share a code point, in time proportional to their number.

    Two spans overlap when one starts inside the other: either ``right[j]`` starts within
    ``left[i]`` (at or after its start), or ``left[i]`` starts strictly within ``right[j]``;
    the two cases never both hold, so each pair is found once. Both lists are sorted.
    """
    left_starts = [span[0] for span in left]
    right_starts = [span[0] for span in right]
    found = []
    for i, (start, end, _) in enumerate(left):
        first, last = bisect_left(right_starts, start), bisect_left(right_starts, end)
        found += [(i, j) for j in range(first, last)]
    for j, (start, end, _) in enumerate(right):
        first, last = bisect_right(left_starts, start), bisect_left(left_starts, end)
        found += [(i, j) for i in range(first, last)]
    return found


class Confusion:
    """Unordered pairs of categories of matched spans, summed over documents and pairs."""

    def __init__(self, order: Sequence[str]) -> None:
        self._rank = {code: index for index, code in enumerate(order)}
        self._ordered: Counter[tuple[str, str]] = Counter()

    def add(self, pairs: Iterable[tuple[Span, Span]]) -> None:
        """Count each pair (folded into taxonomy order when the figures are read)."""
        self._ordered.update((x[2], y[2]) for x, y in pairs)

    def _key(self, code: str) -> tuple[int, str]:
        return self._rank.get(code, len(self._rank)), code

    def figures(self) -> dict[str, Any]:
        """JSON-ready: the number of pairs, how many agree, and the non-zero cells, diagonal
        included, each unordered pair once with ``a`` before (or equal to) ``b`` in taxonomy
        order."""
        folded: Counter[tuple[str, str]] = Counter()
        for (x, y), count in self._ordered.items():
            folded[(x, y) if self._key(x) <= self._key(y) else (y, x)] += count
        cells = sorted(
            folded.items(), key=lambda item: (self._key(item[0][0]), self._key(item[0][1]))
        )
        return {
            "pairs": sum(folded.values()),
            "agreeing": sum(count for (a, b), count in cells if a == b),
            "cells": [{"a": a, "b": b, "count": count} for (a, b), count in cells],
        }


def attribute_codes(
    layers: Mapping[int, Sequence[ReviewerSpan]], codes: Sequence[dict[str, int]]
) -> list[np.ndarray]:
    """The units of attribute agreement in one document, coded for ``NominalCoincidences``.

    A unit is a span that two or more reviewers marked with the same boundaries and category;
    each of those reviewers gives it a value, their status of the allegation (attribute 0) or
    type of source (attribute 1). For each attribute, a reviewers × units array (reviewers in
    order of id, units in order of position) of value numbers from ``codes[attribute]``,
    which grows with new values; -1 where a reviewer gave no value. A span without attributes
    (three items) gives none. A reviewer who marked the same span with the same category
    twice gives one value: the first of their attribute pairs in sorted order.
    """
    reviewers = sorted(layers)
    given = [_attributes_of(layers[reviewer]) for reviewer in reviewers]
    shared = Counter(key for spans in given for key in spans)
    units = sorted(key for key, count in shared.items() if count >= 2)
    matrices = []
    for attribute, numbers in enumerate(codes):
        matrix = np.full((len(reviewers), len(units)), -1, dtype=np.int64)
        for row, spans in enumerate(given):
            values = [spans.get(unit, _NONE)[attribute] for unit in units]
            matrix[row] = [-1 if v is None else numbers.setdefault(v, len(numbers)) for v in values]
        matrices.append(matrix)
    return matrices


_NONE: tuple[str | None, str | None] = (None, None)


def _attributes_of(spans: Sequence[ReviewerSpan]) -> dict[Span, tuple[str | None, str | None]]:
    """One reviewer's attributes by span (a span without them: ``(None, None)``)."""
    found = {
        (span[0], span[1], span[2]): ((span[3], span[4]) if len(span) >= 5 else (None, None))
        for span in spans
    }
    if len(found) < len(spans):  # the same span twice: keep the first attributes in order
        found = {}
        for span in spans:
            key = (span[0], span[1], span[2])
            attributes = (span[3], span[4]) if len(span) >= 5 else (None, None)
            if key not in found or _sortable(attributes) < _sortable(found[key]):
                found[key] = attributes
    return found


def _sortable(attributes: tuple[str | None, str | None]) -> tuple[str, str]:
    status, source = attributes
    return ("" if status is None else status, "" if source is None else source)
