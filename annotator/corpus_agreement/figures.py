"""Every agreement figure of a corpus, from its documents' layers (``corpus_figures``).

See the package's docstring for what each figure is computed on. Figures are JSON-ready:
NaN (undefined) becomes ``None`` and the rest is rounded to six places.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
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
from annotator.corpus_agreement.matching import (
    MATCHINGS,
    Confusion,
    ReviewerSpan,
    attribute_codes,
    pair_matches,
)
from annotator.corpus_agreement.token_values import Span, TokenValues, tokens

RELIABLE = 0.800
TENTATIVE = 0.667

# Below this many documents a bootstrap interval is flagged as rough. A judgement, not a
# published rule: resampling n documents can draw at most C(2n - 1, n) distinct samples (10
# for 3 documents, 126 for 5, 92,378 for 10), so with few documents the percentile interval
# is read off a handful of distinct values, and the percentile method's coverage falls short
# of its nominal level in small samples (Efron & Tibshirani 1993, ch. 13-14).
FEW_DOCUMENTS = 10

# Bumped when figures gain or change keys, so that a stored report of an older shape is
# computed again rather than shown with figures missing.
DEFAULT_GROUP = "violation"
FIGURES_SCHEMA = 4  # 3: relation agreement (figures["relations"]); 4: figures["groups"]

ATTRIBUTES = ("evidence_status", "source_type")


@dataclass(frozen=True)
class DocumentLayers:
    """One document: its text, its submitted reviewers' spans and (if reconciled) its gold.

    A reviewer's span is ``(start, end, category)``, or ``(start, end, category,
    evidence_status, source_type)`` when the attributes are known; only the agreement on
    attributes reads the last two.
    """

    id: int
    title: str
    text: str
    layers: Mapping[int, Sequence[ReviewerSpan]]
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


def few_documents(documents: int) -> bool:
    """Whether an interval resampling this many documents is to be read as rough."""
    return documents < FEW_DOCUMENTS


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
    groups: Mapping[str, str] | None = None,
    n_resamples: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
) -> dict[str, Any]:
    """Every agreement figure of the documents; see the module's docstring for the rules.

    ``categories`` orders the per-category rows (the project's taxonomy); categories used in
    spans but missing from it are added after. ``groups`` gives each category's group
    (violation or entity; a category not in it is a violation): each group gets its own
    unitizing alpha and F1, over its categories' spans alone, so that agreeing on who the
    victims are never hides disagreeing on what was done to them. Documents with fewer than
    two layers are skipped: there is nothing to agree on.
    """
    documents = [document for document in documents if len(document.layers) >= 2]
    order = list(dict.fromkeys([*categories, *_used_categories(documents)]))

    sections: list[UnitizingSection] = []
    token_sections: list[np.ndarray] = []
    token_layers: list[tuple[list[int], np.ndarray]] = []
    values = TokenValues(order)
    pairs: dict[tuple[int, int], _Pair] = {}
    pair_categories: dict[str, _Counts] = {code: _Counts() for code in order}
    total_pairs = _Counts()
    gold_counts: dict[tuple[int, str], _Counts] = {}
    gold_documents = 0
    span_totals = dict.fromkeys(order, 0)
    token_total = 0

    confusion = {matching: Confusion(order) for matching in MATCHINGS}
    attribute_values: dict[str, dict[str, int]] = {key: {} for key in ATTRIBUTES}
    attribute_sections: dict[str, list[np.ndarray]] = {key: [] for key in ATTRIBUTES}

    for document in documents:
        reviewers = sorted(document.layers)
        layers = {
            reviewer: sorted({(s, e, c) for s, e, c, *_ in document.layers[reviewer]})
            for reviewer in reviewers
        }
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
            for matching, matched in pair_matches(layers[a], layers[b]).items():
                confusion[matching].add(matched)

        coded = attribute_codes(document.layers, [attribute_values[key] for key in ATTRIBUTES])
        for key, matrix in zip(ATTRIBUTES, coded, strict=True):
            attribute_sections[key].append(matrix)

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

    attributes: dict[str, Any] = {}
    for key, sections_of in attribute_sections.items():
        names = list(attribute_values[key])
        attribute = NominalCoincidences.from_codes(sections_of, len(names))
        attributes[key] = {
            **_estimate(attribute.alpha(), resampled(attribute.alpha)),
            **_attribute_counts(sections_of, names),
        }

    return {
        "schema": FIGURES_SCHEMA,
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
        "groups": _group_rows(sections, order, groups or {}, span_totals, pair_categories),
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
        "confusion": {matching: confusion[matching].figures() for matching in MATCHINGS},
        "attributes": attributes,
        "token_values": values.names,
        "bootstrap": {
            "resamples": n_resamples,
            "seed": seed,
            "confidence": confidence,
            "few_documents": few_documents(n),
            "few_documents_below": FEW_DOCUMENTS,
        },
    }


def _group_rows(
    sections: Sequence[UnitizingSection],
    order: Sequence[str],
    groups: Mapping[str, str],
    span_totals: Mapping[str, int],
    pair_categories: Mapping[str, _Counts],
) -> list[dict[str, Any]]:
    """Each group's figures over its own categories: unitizing alpha of the units of those
    categories only, and F1 micro-averaged over their per-category counts."""
    members: dict[str, list[str]] = {}
    for code in order:
        members.setdefault(groups.get(code, DEFAULT_GROUP), []).append(code)
    rows = []
    for group, codes in members.items():
        wanted = set(codes)
        study = UnitizingStudy(
            [
                UnitizingSection(
                    section.length,
                    [unit for unit in section.units if unit[3] in wanted],
                    section.raters,
                )
                for section in sections
            ]
        )
        counts = _Counts()
        for code in codes:
            for name in ("tp_exact", "tp_candidate", "tp_reference", "n_candidate", "n_reference"):
                setattr(counts, name, getattr(counts, name) + getattr(pair_categories[code], name))
        rows.append(
            {
                "group": group,
                "categories": codes,
                "spans": sum(span_totals[code] for code in codes),
                "unitizing_alpha": _number(study.alpha()) if sections else None,
                "f1_exact": counts.exact()["f1"],
                "f1_overlap": counts.overlap()["f1"],
            }
        )
    return rows


def _attribute_counts(sections: Iterable[np.ndarray], names: list[str]) -> dict[str, Any]:
    """What an attribute's alpha rests on: the units with two or more values (``units``, the
    ones alpha is computed on), how many of them have one value throughout (``agreeing``),
    how often each value was given in them (``given``), and how many documents hold them
    (``documents``, with ``few_documents`` when the interval is to be read as rough)."""
    units = agreeing = documents = 0
    given = np.zeros(len(names), dtype=np.int64)
    for matrix in sections:
        pairable = matrix[:, (matrix >= 0).sum(axis=0) >= 2]
        if not pairable.shape[1]:
            continue
        documents += 1
        units += pairable.shape[1]
        highest = pairable.max(axis=0)
        lowest = np.where(pairable >= 0, pairable, highest).min(axis=0)
        agreeing += int((lowest == highest).sum())
        given += np.bincount(pairable[pairable >= 0], minlength=len(names))
    return {
        "units": units,
        "agreeing": agreeing,
        "given": {
            names[n]: int(given[n])
            for n in sorted(range(len(names)), key=names.__getitem__)
            if given[n]
        },
        "documents": documents,
        "few_documents": few_documents(documents),
    }


def _rank(order: list[str], code: str) -> int:
    return order.index(code) if code in order else -1


def _used_categories(documents: Iterable[DocumentLayers]) -> list[str]:
    used: set[str] = set()
    for document in documents:
        for spans in document.layers.values():
            used.update(span[2] for span in spans)
        used.update(category for _, _, category in document.gold or ())
    return sorted(used)
