"""Align reviewers' layers of one document into clusters, and say where they disagree.

Pure functions on plain data (no Django), so that the rules can be read, tested and
reused exactly. Spans are ``(start, end, category)`` with half-open code-point offsets.

The rules:

- Two spans *overlap* when they share at least one code point (``a.start < b.end`` and
  ``b.start < a.end``). A *cluster* is a connected group of spans, from all reviewers and
  all categories, linked by overlap: chains count (A overlaps B, B overlaps C, so A, B and C
  form one cluster even when A and C do not overlap).
- A reviewer's *version* of a cluster is the set of their spans in it (possibly empty).
- A cluster is *unanimous* when every reviewer's version is the same.
- Otherwise it is *contested*, and tagged with every kind that applies:

  - ``label``: two reviewers have spans with the same boundaries but different sets of
    categories at those boundaries (same text, different tags);
  - ``boundary``: two reviewers both use a category in the cluster, with different
    boundaries for it (same tag, different text);
  - ``missing``: a reviewer has nothing in the cluster, or has no span of a category that
    another reviewer used in it, not even one at that span's boundaries under another
    category (which would be a ``label`` difference instead).

  Every contested cluster has at least one kind: if all reviewers use the same categories
  and, for each category, the same boundaries, their versions are identical.

``contestedness`` orders items by how contested they are: the number of distinct spans
proposed that not every reviewer shares.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Generic, NamedTuple, TypeVar

# Who proposed a version: a user id in the product, any hashable name in tests and scripts.
R = TypeVar("R", bound=Hashable)


class Span(NamedTuple):
    start: int
    end: int
    category: str


class Kind(StrEnum):
    LABEL = "label"
    BOUNDARY = "boundary"
    MISSING = "missing"


@dataclass(frozen=True)
class Cluster(Generic[R]):
    """A connected group of overlapping spans and each reviewer's version of it."""

    start: int
    end: int
    versions: Mapping[R, frozenset[Span]]
    kinds: frozenset[Kind]

    @property
    def unanimous(self) -> bool:
        return not self.kinds

    @property
    def spans(self) -> frozenset[Span]:
        """Every distinct span that some reviewer proposed in the cluster."""
        return frozenset().union(*self.versions.values())

    @property
    def contestedness(self) -> int:
        """How many of the distinct spans proposed are not shared by every reviewer."""
        shared = frozenset.intersection(*self.versions.values()) if self.versions else frozenset()
        return len(self.spans - shared)


def align(layers: Mapping[R, Iterable[Span | Sequence[Any]]]) -> list[Cluster[R]]:
    """Cluster the reviewers' layers of one document and classify each cluster.

    ``layers`` maps each submitted reviewer (any hashable id) to their spans; a reviewer with
    no spans at all still counts, and is ``missing`` from every cluster. Clusters come back
    in document order (by start, then end).
    """
    reviewers = list(layers)
    tagged: list[tuple[Span, R]] = []
    for reviewer, spans in layers.items():
        for raw in spans:
            span = Span(int(raw[0]), int(raw[1]), str(raw[2]))
            if span.end <= span.start:
                raise ValueError(f"Empty or reversed span {span} of reviewer {reviewer!r}.")
            tagged.append((span, reviewer))
    tagged.sort(key=lambda item: (item[0].start, item[0].end, item[0].category))

    clusters: list[Cluster[R]] = []
    group: list[tuple[Span, R]] = []
    group_end = 0
    for span, reviewer in tagged:
        # Sorted by start, a span joins the current group when it starts before the group's
        # furthest end: it then shares a code point with some span of the group.
        if group and span.start >= group_end:
            clusters.append(_cluster(group, reviewers))
            group = []
        group_end = max(group_end, span.end) if group else span.end
        group.append((span, reviewer))
    if group:
        clusters.append(_cluster(group, reviewers))
    return clusters


def _cluster(group: list[tuple[Span, R]], reviewers: list[R]) -> Cluster[R]:
    versions: dict[R, set[Span]] = {reviewer: set() for reviewer in reviewers}
    for span, reviewer in group:
        versions[reviewer].add(span)
    frozen = {reviewer: frozenset(spans) for reviewer, spans in versions.items()}
    return Cluster(
        start=min(span.start for span, _ in group),
        end=max(span.end for span, _ in group),
        versions=frozen,
        kinds=classify(frozen),
    )


def classify(versions: Mapping[R, frozenset[Span]]) -> frozenset[Kind]:
    """The kinds of disagreement between reviewers' versions of one cluster (empty: none)."""
    distinct = set(versions.values())
    if len(distinct) <= 1:
        return frozenset()
    kinds: set[Kind] = set()
    by_boundaries: dict[R, dict[tuple[int, int], frozenset[str]]] = {}
    by_category: dict[R, dict[str, frozenset[tuple[int, int]]]] = {}
    for reviewer, spans in versions.items():
        boundaries: dict[tuple[int, int], set[str]] = {}
        categories: dict[str, set[tuple[int, int]]] = {}
        for span in spans:
            boundaries.setdefault((span.start, span.end), set()).add(span.category)
            categories.setdefault(span.category, set()).add((span.start, span.end))
        by_boundaries[reviewer] = {key: frozenset(value) for key, value in boundaries.items()}
        by_category[reviewer] = {key: frozenset(value) for key, value in categories.items()}

    reviewers = list(versions)
    for index, first in enumerate(reviewers):
        if not versions[first] or _lacks_a_category(first, versions, by_boundaries, by_category):
            kinds.add(Kind.MISSING)
        for second in reviewers[index + 1 :]:
            for boundary in by_boundaries[first].keys() & by_boundaries[second].keys():
                if by_boundaries[first][boundary] != by_boundaries[second][boundary]:
                    kinds.add(Kind.LABEL)
            for category in by_category[first].keys() & by_category[second].keys():
                if by_category[first][category] != by_category[second][category]:
                    kinds.add(Kind.BOUNDARY)
    return frozenset(kinds)


def _lacks_a_category(
    reviewer: R,
    versions: Mapping[R, frozenset[Span]],
    by_boundaries: Mapping[R, Mapping[tuple[int, int], frozenset[str]]],
    by_category: Mapping[R, Mapping[str, frozenset[tuple[int, int]]]],
) -> bool:
    """Whether another reviewer used a category here that ``reviewer`` did not, anywhere."""
    own_categories = by_category[reviewer]
    own_boundaries = by_boundaries[reviewer]
    for other, spans in versions.items():
        if other == reviewer:
            continue
        for span in spans:
            if span.category not in own_categories and (span.start, span.end) not in own_boundaries:
                return True
    return False
