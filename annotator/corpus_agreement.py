"""Agreement figures of a corpus: every statistic a project's agreement page shows.

Pure functions on plain data (no Django): documents in, a JSON-ready dict of figures out.
The statistics themselves are in ``annotator.agreement``; this module decides what they are
computed on:

- *Unitizing alpha* on code points: each document is a section of the continuum, its
  submitted reviewers its raters (a reviewer who marked nothing disagrees with those who
  did). Overall and per category.
- *Token level*: the text is cut into tokens (a run of letters, digits and combining marks,
  or any other single non-space character). Each reviewer gives each token a value: the
  category of the span covering it, several categories joined with ``+`` when spans of
  different categories cover it, and ``(none)`` when no span does. Krippendorff's nominal
  alpha treats tokens as units and reviewers as coders; Cohen's kappa is computed for each
  pair of reviewers over the documents they share, and the headline kappa is the mean of the
  pairs' kappas (Light 1971).
- *Span F1* between two reviewers of a document, exact (same boundaries and category) and
  overlap (sharing a code point, same category), micro-averaged: counts are summed over
  documents and pairs before the ratios are taken.
- *Reviewers against gold*: on reconciled documents only (elsewhere the gold layer is not
  finished), each reviewer's spans against the gold layer, per category and over all.
- *Confidence intervals*: percentile bootstrap resampling documents, seeded.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import numpy as np

from annotator.agreement import (
    NominalCoincidences,
    PairwiseKappa,
    UnitizingSection,
    UnitizingStudy,
    bootstrap_ci,
    prf,
    span_matches,
)

NO_CATEGORY = "(none)"
MASK_BITS = 62
RELIABLE = 0.800
TENTATIVE = 0.667

# Combining marks stay with their letter (Arabic vowel signs, Hebrew points, accents that NFC
# could not compose); zero-width (non-)joiners belong to the word too.
_MARKS = (
    "\u0300-\u036f\u0483-\u0489\u0591-\u05bd\u05bf-\u05c7\u0610-\u061a\u064b-\u065f"
    "\u0670\u06d6-\u06ed\u200c\u200d"
)
TOKEN = re.compile(rf"[\w{_MARKS}]+|[^\w\s]")
TOKEN_WORD = re.compile(rf"[\w{_MARKS}]")


Span = tuple[int, int, str]


@dataclass(frozen=True)
class DocumentLayers:
    """One document: its text, its submitted reviewers' spans and (if reconciled) its gold."""

    id: int
    title: str
    text: str
    layers: Mapping[Hashable, Sequence[Span]]
    gold: Sequence[Span] | None = None


@dataclass
class _Counts:
    """Span-matching counts, summed before ratios are taken (micro-averaging)."""

    tp_exact: int = 0
    tp_candidate: int = 0
    tp_reference: int = 0
    n_candidate: int = 0
    n_reference: int = 0

    def add(self, counts: Mapping[str, int]) -> None:
        self.tp_exact += counts["tp_exact"]
        self.tp_candidate += counts["tp_candidate"]
        self.tp_reference += counts["tp_reference"]
        self.n_candidate += counts["n_candidate"]
        self.n_reference += counts["n_reference"]

    def exact(self) -> dict[str, float | None]:
        return _prf(self.tp_exact, self.tp_exact, self.n_candidate, self.n_reference)

    def overlap(self) -> dict[str, float | None]:
        return _prf(self.tp_candidate, self.tp_reference, self.n_candidate, self.n_reference)


@dataclass
class _Pair:
    documents: int = 0
    counts: _Counts = field(default_factory=_Counts)


def tokens(text: str) -> tuple[np.ndarray, np.ndarray]:
    """The start and end code-point offsets of the text's tokens (as ``TOKEN`` finds them).

    Computed on arrays of code points rather than with the regular expression, which is
    several times slower on a corpus of millions of tokens; a test holds the two equal.
    """
    points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    classes = _character_classes()[np.minimum(points, 0xFFFF)]
    for index in np.flatnonzero(points > 0xFFFF):  # outside the BMP: rare, classified one by one
        classes[index] = _character_class(text[index])
    word, other = classes == WORD, classes == OTHER
    before = np.concatenate(([False], word[:-1]))
    after = np.concatenate((word[1:], [False]))
    starts = np.flatnonzero(other | (word & ~before))
    ends = np.flatnonzero(other | (word & ~after)) + 1
    return starts.astype(np.int64), ends.astype(np.int64)


SPACE, WORD, OTHER = 0, 1, 2


def _character_class(character: str) -> int:
    if TOKEN_WORD.fullmatch(character):
        return WORD
    return SPACE if character.isspace() else OTHER


@functools.cache
def _character_classes() -> np.ndarray:
    """The class of every character of the Basic Multilingual Plane, computed once."""
    return np.array([_character_class(chr(point)) for point in range(0x10000)], dtype=np.uint8)


class _TokenValues:
    """Numbers for token values: 0 is no category, then categories and their combinations."""

    def __init__(self, categories: Sequence[str]) -> None:
        self.categories = list(categories)
        self._category_index = {code: i for i, code in enumerate(self.categories)}
        self.names: list[str] = [NO_CATEGORY]
        self._index: dict[bytes, int] = {}

    def matrix(
        self, starts: np.ndarray, ends: np.ndarray, layers: Sequence[Sequence[Span]]
    ) -> np.ndarray:
        """Each token's value under each layer: a layers × tokens array, for one document.

        A category covers a token when one of its spans shares a code point with it; which
        categories cover a token is a boolean row, and each distinct row is a value.
        """
        n_tokens, n_categories = len(starts), len(self.categories)
        rows = [
            (layer, s, e, self._category_index[c])
            for layer, spans in enumerate(layers)
            for s, e, c in spans
        ]
        if not rows or not n_tokens:
            return np.zeros((len(layers), n_tokens), dtype=np.int64)
        array = np.array(rows, dtype=np.int64)
        first = np.searchsorted(ends, array[:, 1], side="right")
        last = np.searchsorted(starts, array[:, 2], side="left")
        keep = first < last  # a span over spaces alone covers no token
        array, first, last = array[keep], first[keep], last[keep]
        # Coverage by layer and category: +1 where a span's tokens begin, -1 after they end.
        slot = array[:, 0] * n_categories + array[:, 3]
        steps = np.zeros((len(layers) * n_categories, n_tokens + 1), dtype=np.int64)
        np.add.at(steps, (slot, first), 1)
        np.add.at(steps, (slot, last), -1)
        covered = (np.cumsum(steps, axis=1)[:, :n_tokens] > 0).reshape(
            len(layers), n_categories, n_tokens
        )
        covered = covered.transpose(0, 2, 1).reshape(-1, n_categories)  # (layer, token) rows
        if n_categories <= MASK_BITS:
            # One integer per token (a bit per category) makes the distinct rows cheap to find.
            masks = covered @ (np.int64(1) << np.arange(n_categories, dtype=np.int64))
            distinct, inverse = np.unique(masks, return_inverse=True)
            patterns = (distinct[:, None] >> np.arange(n_categories)) & 1 == 1
        else:
            patterns, inverse = np.unique(covered, axis=0, return_inverse=True)
        codes = np.array([self._code(pattern) for pattern in patterns], dtype=np.int64)
        return codes[inverse.reshape(-1)].reshape(len(layers), n_tokens)

    def _code(self, row: np.ndarray) -> int:
        if not row.any():
            return 0
        key = np.packbits(row).tobytes()
        if key not in self._index:
            self._index[key] = len(self.names)
            self.names.append("+".join(sorted(np.array(self.categories)[row])))
        return self._index[key]


def _prf(tp_candidate: int, tp_reference: int, n_candidate: int, n_reference: int) -> dict:
    precision, recall, f1 = prf(tp_candidate, tp_reference, n_candidate, n_reference)
    return {"precision": _number(precision), "recall": _number(recall), "f1": _number(f1)}


def _number(value: float) -> float | None:
    """A figure for JSON: NaN (undefined) becomes None, the rest is rounded to 6 places."""
    return None if value is None or math.isnan(value) else round(float(value), 6)


def _figure(value: float | None) -> dict:
    """A figure without an interval, shaped like one with."""
    return {"value": value, "low": None, "high": None}


def _estimate(value: float, interval: tuple[float, float] | None = None) -> dict:
    low, high = interval if interval is not None else (math.nan, math.nan)
    return {"value": _number(value), "low": _number(low), "high": _number(high)}


def reading(alpha: float | None) -> str:
    """The usual reading of an alpha (Krippendorff 2004, §11.4)."""
    if alpha is None or math.isnan(alpha):
        return "undefined"
    if alpha >= RELIABLE:
        return "reliable"
    if alpha >= TENTATIVE:
        return "tentative"
    return "unreliable"


def corpus_figures(
    documents: Iterable[DocumentLayers],
    *,
    categories: Sequence[str] = (),
    n_resamples: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
) -> dict[str, Any]:
    """Every agreement figure of the documents; see the module's docstring for the rules.

    ``categories`` orders the per-category rows (the project's taxonomy); categories used in
    spans but missing from it are added after. Documents with fewer than two layers are
    skipped: there is nothing to agree on.
    """
    documents = [document for document in documents if len(document.layers) >= 2]
    order = list(dict.fromkeys([*categories, *_used_categories(documents)]))

    sections: list[UnitizingSection] = []
    token_sections: list[np.ndarray] = []
    token_layers: list[tuple[list[Hashable], np.ndarray]] = []
    values = _TokenValues(order)
    pairs: dict[tuple[Hashable, Hashable], _Pair] = {}
    pair_categories: dict[str, _Counts] = {code: _Counts() for code in order}
    total_pairs = _Counts()
    gold_counts: dict[tuple[Hashable, str], _Counts] = {}
    gold_documents = 0
    span_totals = dict.fromkeys(order, 0)
    token_total = 0

    for document in documents:
        reviewers = sorted(document.layers)
        layers = {reviewer: sorted(set(document.layers[reviewer])) for reviewer in reviewers}
        length = len(document.text)
        sections.append(
            UnitizingSection(
                length,
                [(s, e, reviewer, c) for reviewer in reviewers for s, e, c in layers[reviewer]],
                reviewers,
            )
        )
        for spans in layers.values():
            for _, _, category in spans:
                span_totals[category] += 1

        starts, ends = tokens(document.text)
        token_total += len(starts)
        matrix = values.matrix(starts, ends, [layers[r] for r in reviewers])
        token_sections.append(matrix)
        token_layers.append((reviewers, matrix))

        for a, b in combinations(reviewers, 2):
            pair = pairs.setdefault((a, b), _Pair())
            pair.documents += 1
            for code, counts in span_matches(layers[a], layers[b]).items():
                (pair.counts if code is None else pair_categories[code]).add(counts)
                if code is None:
                    total_pairs.add(counts)

        if document.gold is not None:
            gold_documents += 1
            gold = sorted(set(document.gold))
            for reviewer in reviewers:
                for code, counts in span_matches(gold, layers[reviewer]).items():
                    gold_counts.setdefault((reviewer, code or ""), _Counts()).add(counts)

    study = UnitizingStudy(sections)
    coincidences = NominalCoincidences.from_codes(token_sections, len(values.names))
    kappas = PairwiseKappa.from_codes(token_layers, len(values.names))
    n = len(documents)

    def resampled(statistic: Callable[..., float]) -> tuple[float, float] | None:
        return bootstrap_ci(statistic, n, n_resamples, confidence, seed) if n else None

    unitizing = study.alpha()
    token_alpha = coincidences.alpha()
    pair_rows = []
    for (a, b), pair in sorted(pairs.items(), key=lambda item: item[0]):
        pair_rows.append(
            {
                "a": a,
                "b": b,
                "documents": pair.documents,
                "kappa": _number(kappas.kappa((a, b))),
                "f1_exact": pair.counts.exact()["f1"],
                "f1_overlap": pair.counts.overlap()["f1"],
            }
        )
    defined = [row["kappa"] for row in pair_rows if row["kappa"] is not None]
    light_kappa = sum(defined) / len(defined) if defined else math.nan

    return {
        "documents": n,
        "reviewers": sorted({reviewer for pair in pairs for reviewer in pair}),
        "tokens": token_total,
        "spans": sum(span_totals.values()),
        "headline": {
            "unitizing_alpha": _estimate(unitizing, resampled(study.alpha)),
            "token_alpha": _estimate(token_alpha, resampled(coincidences.alpha)),
            "token_kappa": _estimate(light_kappa),
            "f1_exact": _figure(total_pairs.exact()["f1"]),
            "f1_overlap": _figure(total_pairs.overlap()["f1"]),
        },
        "categories": [
            {
                "code": code,
                "spans": span_totals[code],
                "unitizing_alpha": _number(study.alpha(category=code)),
                "f1_exact": pair_categories[code].exact()["f1"],
                "f1_overlap": pair_categories[code].overlap()["f1"],
            }
            for code in order
        ],
        "pairs": pair_rows,
        "gold": {
            "documents": gold_documents,
            "rows": [
                {
                    "reviewer": reviewer,
                    "category": code,
                    "reference_spans": counts.n_reference,
                    "reviewer_spans": counts.n_candidate,
                    **counts.exact(),
                    "f1_overlap": counts.overlap()["f1"],
                }
                for (reviewer, code), counts in sorted(
                    gold_counts.items(),
                    key=lambda item: (item[0][0], item[0][1] != "", _rank(order, item[0][1])),
                )
            ],
        },
        "token_values": values.names,
        "bootstrap": {"resamples": n_resamples, "seed": seed, "confidence": confidence},
    }


def _rank(order: list[str], code: str) -> int:
    return order.index(code) if code in order else -1


def _used_categories(documents: Iterable[DocumentLayers]) -> list[str]:
    used: set[str] = set()
    for document in documents:
        for spans in document.layers.values():
            used.update(category for _, _, category in spans)
        used.update(category for _, _, category in document.gold or ())
    return sorted(used)


FIGURE_COLUMNS = (
    "figure",
    "category",
    "reviewer_a",
    "reviewer_b",
    "document_id",
    "document_title",
    "value",
    "ci_low",
    "ci_high",
    "n",
)


def figure_rows(
    figures: Mapping[str, Any],
    *,
    names: Mapping[Hashable, str],
    documents: Iterable[Mapping[str, Any]] = (),
) -> Iterator[tuple]:
    """Every figure as one row of ``FIGURE_COLUMNS`` (a tidy table for CSV).

    ``names`` shows reviewers (by name or pseudonym); ``documents`` are the per-document rows
    (``id``, ``title``, ``agreement``, ``open_items``). ``n`` is what the figure counts:
    documents for the headline and pairs, spans for categories, gold spans for reviewers
    against gold, open moderation items for documents.
    """
    count = figures["documents"]
    for key, estimate in figures["headline"].items():
        yield (key, "", "", "", "", "", estimate["value"], estimate["low"], estimate["high"], count)
    for row in figures["categories"]:
        for key in ("unitizing_alpha", "f1_exact", "f1_overlap"):
            yield (key, row["code"], "", "", "", "", row[key], None, None, row["spans"])
    for row in figures["pairs"]:
        a, b = names.get(row["a"], row["a"]), names.get(row["b"], row["b"])
        for key in ("kappa", "f1_exact", "f1_overlap"):
            yield (f"pair_{key}", "", a, b, "", "", row[key], None, None, row["documents"])
    for row in figures["gold"]["rows"]:
        reviewer = names.get(row["reviewer"], row["reviewer"])
        for key in ("precision", "recall", "f1", "f1_overlap"):
            value = row[key]
            yield (
                f"gold_{key}",
                row["category"],
                reviewer,
                "",
                "",
                "",
                value,
                None,
                None,
                row["reference_spans"],
            )
    for row in documents:
        yield (
            "document_unitizing_alpha",
            "",
            "",
            "",
            row["id"],
            row["title"],
            row["agreement"],
            None,
            None,
            row["open_items"],
        )


def figures_document(
    *,
    project: str,
    filters: Mapping[str, str],
    computed_at: str,
    names: Mapping[Hashable, str],
    figures: Mapping[str, Any],
    documents: Iterable[Mapping[str, Any]],
) -> dict[str, Any]:
    """The figures as one JSON document, with reviewers shown by ``names``."""
    return {
        "project": project,
        "filters": dict(filters),
        "computed_at": computed_at,
        "reviewers": {str(reviewer): name for reviewer, name in names.items()},
        "figures": figures,
        "documents": list(documents),
    }
