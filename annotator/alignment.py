"""Align reviewers' layers of one document into clusters, and say where they disagree.

Pure functions on plain data (no Django), so that the rules can be read, tested and
reused exactly. Spans are ``(start, end, category)`` with half-open code-point offsets.

The rules:

- Two spans *overlap* when they share at least one code point (``a.start < b.end`` and
  ``b.start < a.end``). A *cluster* is a connected group of spans, from all reviewers and
  all categories, linked by overlap: chains count (A overlaps B, B overlaps C, so A, B and C
  form one cluster even when A and C do not overlap).
- A reviewer's *version* of a cluster is the set of their spans in it (possibly empty). A
  span is its boundaries and category and what it says of the evidence: the status of the
  allegation, the type of source and the note; two spans *match* when their boundaries and
  category are the same.
- A cluster is *unanimous* when every reviewer's version is the same, in every field.
- Otherwise it is *contested*, and tagged with every kind that applies (a set: a cluster
  can be several at once). For each span of one reviewer, against another reviewer's spans
  that overlap it, leaving out those the first reviewer also has (a span both share
  belongs to neither's disagreement):

  - ``missing``: the other reviewer has no span there (nothing of theirs overlaps it);
  - ``label``: the other has a span at the same boundaries but of another category, or
    only spans of other categories and other boundaries (both differ);
  - ``boundary``: the other has a span of the same category at other boundaries, or only
    spans of other categories and other boundaries (both differ);
  - ``attributes``: the other has the matching span, but it says something else of the
    evidence (status, source or note).

  Every contested cluster has at least one kind: if no span of any reviewer is missing,
  relabelled, moved or re-described in another's version, the versions are identical.

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
    """A reviewer's span; the evidence attributes default to empty (not compared then)."""

    start: int
    end: int
    category: str
    evidence_status: str = ""
    source_type: str = ""
    note: str = ""

    @property
    def key(self) -> tuple[int, int, str]:
        """What matching compares: boundaries and category."""
        return (self.start, self.end, self.category)


def as_span(raw: Span | Sequence[Any]) -> Span:
    """A span from its fields in order: start, end, category, then the attributes if any."""
    if isinstance(raw, Span):
        return raw
    start, end, category, *attributes = raw
    return Span(int(start), int(end), str(category), *(str(value) for value in attributes[:3]))


class Kind(StrEnum):
    LABEL = "label"
    BOUNDARY = "boundary"
    MISSING = "missing"
    ATTRIBUTES = "attributes"


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
            span = as_span(raw)
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
    keys = {reviewer: {span.key: span for span in spans} for reviewer, spans in versions.items()}
    for first, spans in versions.items():
        for second in versions:
            if second == first:
                continue
            theirs = keys[second]
            # Their spans that this reviewer does not also have: the ones in disagreement.
            unshared = [span for key, span in theirs.items() if key not in keys[first]]
            bounds = {(start, end) for start, end, _ in theirs}
            for span in spans:
                match = theirs.get(span.key)
                if match is not None:
                    if match != span:
                        kinds.add(Kind.ATTRIBUTES)
                    continue
                kinds.update(_difference(span, unshared, (span.start, span.end) in bounds))
    return frozenset(kinds)


def _difference(span: Span, unshared: list[Span], same_boundaries: bool) -> set[Kind]:
    """How a span without a match differs from another reviewer's version: ``unshared`` are
    that reviewer's spans the first does not have, ``same_boundaries`` whether any of theirs
    (shared or not) has this span's boundaries."""
    overlapping = [o for o in unshared if o.start < span.end and span.start < o.end]
    if not overlapping:
        return {Kind.LABEL} if same_boundaries else {Kind.MISSING}
    found: set[Kind] = set()
    if same_boundaries:
        found.add(Kind.LABEL)
    if any(o.category == span.category for o in overlapping):
        found.add(Kind.BOUNDARY)
    return found or {Kind.LABEL, Kind.BOUNDARY}
