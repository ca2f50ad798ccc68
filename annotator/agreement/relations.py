"""Relations: how far reviewers agree on the links they draw between spans.

A relation is ``(source, target, type)``, each end a span given by its offsets
``(begin, end)``. Relations are compared *given matched ends*: a relation counts for a pair of
reviewers only when both reviewers marked both of its spans (the same offsets), since a link
between spans the other reviewer never marked is a disagreement about the spans, which span
agreement measures already.

- ``relation_counts``: for two reviewers' layers of one document, how many of each one's
  relations have matched ends (``n_a``, ``n_b``) and how many of those the other reviewer
  drew too, between the same ends (``matched``): in the same direction, or in either when
  either relation's type is symmetric. The type is not part of the match: types are compared
  by ``relation_type_units``. Relations are matched one to one, preferring the same type.
  F1 = 2 matched / (n_a + n_b), summed over documents and pairs of reviewers first
  (micro-averaged) by the caller, NaN when neither drew a relation with matched ends.
- ``relation_type_units``: one unit per pair of spans that two or more reviewers linked
  (with both spans in each of their layers), the value each of them gave it: its type, with
  its direction for a directed type; for nominal Krippendorff's alpha
  (``NominalCoincidences``), one section per document.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any, Generic, TypeVar

from annotator.agreement.common import NAN

R = TypeVar("R", bound=Hashable)
End = tuple[int, int]


@dataclass(frozen=True, slots=True)
class RelationLayer:
    """One reviewer's layer of one document: the offsets of their spans and their relations
    ``(source, target, type)``, each end a span's ``(begin, end)``."""

    spans: frozenset[End]
    relations: tuple[tuple[End, End, str], ...]

    @classmethod
    def of(
        cls, spans: Iterable[Sequence[Any]], relations: Iterable[Sequence[Any]]
    ) -> RelationLayer:
        return cls(
            frozenset((int(s[0]), int(s[1])) for s in spans),
            tuple(
                ((int(a[0]), int(a[1])), (int(b[0]), int(b[1])), str(kind))
                for a, b, kind in relations
            ),
        )


@dataclass(frozen=True, slots=True)
class RelationCounts:
    matched: int = 0
    n_a: int = 0
    n_b: int = 0

    def __add__(self, other: RelationCounts) -> RelationCounts:
        return RelationCounts(
            self.matched + other.matched, self.n_a + other.n_a, self.n_b + other.n_b
        )

    @property
    def f1(self) -> float:
        total = self.n_a + self.n_b
        return 2 * self.matched / total if total else NAN


def _with_matched_ends(layer: RelationLayer, other: RelationLayer) -> list[tuple[End, End, str]]:
    return [r for r in layer.relations if r[0] in other.spans and r[1] in other.spans]


def _pair(source: End, target: End) -> tuple[End, End]:
    return (source, target) if source <= target else (target, source)


def relation_counts(
    a: RelationLayer, b: RelationLayer, symmetric: Collection[str] = ()
) -> RelationCounts:
    """How two reviewers' relations of one document match, given matched ends."""
    mine = _with_matched_ends(a, b)
    theirs = _with_matched_ends(b, a)
    by_pair: dict[tuple[End, End], list[tuple[End, str]]] = defaultdict(list)
    for source, target, kind in theirs:
        by_pair[_pair(source, target)].append((source, kind))

    def fits(relation: tuple[End, End, str], their: tuple[End, str], same_type: bool) -> bool:
        source, _, kind = relation
        their_source, their_kind = their
        if same_type and their_kind != kind:
            return False
        return their_source == source or kind in symmetric or their_kind in symmetric

    matched = 0
    waiting = mine
    for same_type in (True, False):  # same type first: a pair linked twice finds its like
        unmatched = []
        for relation in waiting:
            candidates = by_pair.get(_pair(relation[0], relation[1]), [])
            found = next(
                (i for i, c in enumerate(candidates) if fits(relation, c, same_type)), None
            )
            if found is None:
                unmatched.append(relation)
            else:
                candidates.pop(found)
                matched += 1
        waiting = unmatched
    return RelationCounts(matched, len(mine), len(theirs))


def pairwise_relation_counts(
    layers: Mapping[R, RelationLayer], symmetric: Collection[str] = ()
) -> RelationCounts:
    """``relation_counts`` summed over every pair of a document's reviewers."""
    total = RelationCounts()
    for first, second in combinations(sorted(layers, key=str), 2):
        total += relation_counts(layers[first], layers[second], symmetric)
    return total


def relation_type_units(
    layers: Mapping[R, RelationLayer], symmetric: Collection[str] = ()
) -> list[list[str]]:
    """The units of one document for alpha on relation types: for each pair of spans linked
    by two or more reviewers, the value each gave: the type, with
    ``>`` or ``<`` for a directed type's direction between the spans in document order (a
    reviewer who linked the pair more than once gives their labels joined, sorted)."""
    given: dict[tuple[End, End], dict[R, list[str]]] = defaultdict(lambda: defaultdict(list))
    for reviewer, layer in layers.items():
        for source, target, kind in layer.relations:
            pair = _pair(source, target)
            label = kind if kind in symmetric else f"{kind}{'>' if source <= target else '<'}"
            given[pair][reviewer].append(label)
    # Whoever linked a pair marked both of its spans: each gives a value.
    units = [
        ["+".join(sorted(labels)) for labels in given[pair].values()] for pair in sorted(given)
    ]
    return [unit for unit in units if len(unit) >= 2]


@dataclass(frozen=True)
class RelationAgreement(Generic[R]):
    """Relation agreement over documents: pairwise F1 given matched ends, micro-averaged,
    with its counts, and the units for alpha on types (one section per document)."""

    counts: RelationCounts
    type_sections: list[list[list[str]]]

    @property
    def f1(self) -> float:
        return self.counts.f1


def relation_agreement(
    documents: Iterable[Mapping[R, RelationLayer]], symmetric: Collection[str] = ()
) -> RelationAgreement[R]:
    counts = RelationCounts()
    sections = []
    for layers in documents:
        counts += pairwise_relation_counts(layers, symmetric)
        sections.append(relation_type_units(layers, symmetric))
    return RelationAgreement(counts, sections)
