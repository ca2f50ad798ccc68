"""Incident records of several reviewers' layers aligned for moderation (pure, no Django).

Two reviewers' incidents are about the same event when their acts are the same passage:
incidents are grouped by their act's offsets, and each group keeps every reviewer's
record there (the act's category, the evidence status, the spans filling each role by
their offsets, with their involvement). A group where every reviewer recorded the same
incident is unanimous; any other is contested, and says how:

- ``missing``: a reviewer recorded no incident with this act;
- ``act``: reviewers gave the act different categories;
- ``roles``: the spans filling the roles differ (a victim one reviewer named and the
  other did not, a perpetrator's involvement);
- ``evidence``: the evidence status differs.

Notes are kept with each record but never make a group contested: they are prose.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

R = TypeVar("R", bound=Hashable)

Ends = tuple[int, int]


@dataclass(frozen=True)
class Record:
    """One reviewer's incident as alignment compares it."""

    act: Ends
    category: str
    evidence_status: str
    slots: frozenset[tuple[str, Ends, str]]
    """(role code, the filling span's offsets, involvement)."""
    note: str = ""

    @property
    def key(self) -> tuple:
        """What must be equal for two records to agree (the note is not)."""
        return (self.act, self.category, self.evidence_status, self.slots)

    def as_dict(self) -> dict[str, Any]:
        return {
            "act": list(self.act),
            "category": self.category,
            "evidence_status": self.evidence_status,
            "slots": [
                [role, list(ends), involvement] for role, ends, involvement in sorted(self.slots)
            ],
            "note": self.note,
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Record:
        return cls(
            act=(int(raw["act"][0]), int(raw["act"][1])),
            category=str(raw["category"]),
            evidence_status=str(raw.get("evidence_status", "")),
            slots=frozenset(
                (str(role), (int(ends[0]), int(ends[1])), str(involvement))
                for role, ends, involvement in raw.get("slots", [])
            ),
            note=str(raw.get("note", "")),
        )


@dataclass(frozen=True)
class IncidentCluster(Generic[R]):
    """Every reviewer's incidents whose act is one passage (a reviewer may have none, or,
    rarely, two)."""

    act: Ends
    versions: Mapping[R, tuple[Record, ...]]
    kinds: frozenset[str]

    @property
    def unanimous(self) -> bool:
        return not self.kinds

    @property
    def signature(self) -> str:
        canonical = json.dumps(
            {
                str(reviewer): [record.as_dict() for record in records]
                for reviewer, records in self.versions.items()
            },
            sort_keys=True,
            separators=(",", ":"),
        )
        return hashlib.sha256(canonical.encode()).hexdigest()


def align_incidents(layers: Mapping[R, Iterable[Record]]) -> list[IncidentCluster[R]]:
    """Every act passage some reviewer recorded an incident at, with each reviewer's
    records there (none for a reviewer who recorded none), in the order of the acts."""
    acts: dict[Ends, dict[R, list[Record]]] = {}
    reviewers = list(layers)
    for reviewer, records in layers.items():
        for record in records:
            acts.setdefault(record.act, {}).setdefault(reviewer, []).append(record)
    clusters = []
    for act in sorted(acts):
        versions = {
            reviewer: tuple(sorted(acts[act].get(reviewer, []), key=lambda r: repr(r.as_dict())))
            for reviewer in reviewers
        }
        clusters.append(IncidentCluster(act, versions, _kinds(versions)))
    return clusters


def _kinds(versions: Mapping[Any, tuple[Record, ...]]) -> frozenset[str]:
    keys = {tuple(record.key for record in records) for records in versions.values()}
    if len(keys) == 1:
        return frozenset()
    kinds: set[str] = set()
    present = [records for records in versions.values() if records]
    if len(present) < len(versions):
        kinds.add("missing")
    for field, kind in (("category", "act"), ("slots", "roles"), ("evidence_status", "evidence")):
        values = {tuple(getattr(record, field) for record in records) for records in present}
        if len(values) > 1:
            kinds.add(kind)
    if not kinds:  # several records at one act, alike in every field compared apart
        kinds.add("roles")
    return frozenset(kinds)
