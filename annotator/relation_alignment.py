"""Relations of several reviewers' layers aligned for moderation (pure, no Django).

Two reviewers' relations are about the same thing when they link the same two passages:
relations are grouped by their two ends' offsets, whichever way round they point, and
each group keeps what every reviewer drew there (type and direction). A group where every
reviewer drew the same relations is unanimous; any other is contested, and says how:

- ``missing``: a reviewer drew no relation between these passages;
- ``type``: reviewers chose different types for them;
- ``direction``: the same type, pointing opposite ways;
- ``ends``: a reviewer who drew nothing here linked one of the two passages, with a type
  drawn here, to another passage (the same link with a different end).

A symmetric relation has no direction: its ends are kept in the order of their offsets.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

R = TypeVar("R", bound=Hashable)

Ends = tuple[int, int]
"""A passage, by its half-open code point offsets."""


@dataclass(frozen=True, order=True)
class Link:
    """One relation as alignment compares it: its type, and its source and target
    passages (a symmetric type's ends in the order of their offsets)."""

    type: str
    source: Ends
    target: Ends
    symmetric: bool = False

    @classmethod
    def of(cls, type_code: str, source: Ends, target: Ends, symmetric: bool = False) -> Link:
        source, target = (tuple(source), tuple(target))  # type: ignore[assignment]
        if symmetric and target < source:
            source, target = target, source
        return cls(type_code, source, target, symmetric)

    @property
    def pair(self) -> tuple[Ends, Ends]:
        """Its two passages, in the order of their offsets."""
        return (
            (self.source, self.target)
            if self.source <= self.target
            else (
                self.target,
                self.source,
            )
        )

    def as_list(self) -> list:
        return [self.type, list(self.source), list(self.target), self.symmetric]

    @classmethod
    def from_list(cls, raw: list) -> Link:
        type_code, source, target, symmetric = raw
        return cls.of(str(type_code), tuple(source), tuple(target), bool(symmetric))


@dataclass(frozen=True)
class LinkCluster(Generic[R]):
    """The relations every reviewer drew between one pair of passages."""

    pair: tuple[Ends, Ends]
    versions: Mapping[R, frozenset[Link]]
    kinds: frozenset[str]

    @property
    def unanimous(self) -> bool:
        return not self.kinds

    @property
    def links(self) -> frozenset[Link]:
        return frozenset().union(*self.versions.values())

    @property
    def signature(self) -> str:
        """SHA-256 of what each reviewer drew here, independent of order."""
        canonical = json.dumps(
            {
                str(reviewer): sorted(link.as_list() for link in links)
                for reviewer, links in self.versions.items()
            },
            sort_keys=True,
            separators=(",", ":"),
        )
        return hashlib.sha256(canonical.encode()).hexdigest()


def align_links(layers: Mapping[R, Iterable[Link]]) -> list[LinkCluster[R]]:
    """Every pair of passages some reviewer linked, with what each reviewer drew there
    (an empty set for a reviewer who drew nothing), in the order of the pairs' offsets."""
    drawn: dict[R, frozenset[Link]] = {
        reviewer: frozenset(links) for reviewer, links in layers.items()
    }
    pairs: dict[tuple[Ends, Ends], dict[R, set[Link]]] = {}
    for reviewer, links in drawn.items():
        for link in links:
            pairs.setdefault(link.pair, {}).setdefault(reviewer, set()).add(link)
    clusters = []
    for pair in sorted(pairs):
        versions = {reviewer: frozenset(pairs[pair].get(reviewer, ())) for reviewer in drawn}
        clusters.append(LinkCluster(pair, versions, _kinds(pair, versions, drawn)))
    return clusters


def _kinds(
    pair: tuple[Ends, Ends],
    versions: Mapping[R, frozenset[Link]],
    drawn: Mapping[R, frozenset[Link]],
) -> frozenset[str]:
    kinds: set[str] = set()
    distinct = set(versions.values())
    if len(distinct) == 1:
        return frozenset()
    present = [links for links in versions.values() if links]
    if len(present) < len(versions):
        kinds.add("missing")
    types = [frozenset(link.type for link in links) for links in present]
    if len(set(types)) > 1:
        kinds.add("type")
    directed = [
        frozenset((link.type, link.source, link.target) for link in links if not link.symmetric)
        for links in present
    ]
    if len(set(types)) == 1 and len(set(directed)) > 1:
        kinds.add("direction")
    here = {link.type for links in present for link in links}
    for reviewer, links in versions.items():
        if links:
            continue
        for other in drawn[reviewer]:
            if other.type in here and set(other.pair) & set(pair):
                kinds.add("ends")
                break
    return frozenset(kinds)
