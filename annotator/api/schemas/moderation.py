"""Moderation items and the gold layer."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from ninja import Field, Schema

from annotator.api.schemas.base import LARGEST_ID, InputSchema, Version
from annotator.models import (
    EvidenceStatus,
    GoldOrigin,
    ItemStatus,
    Resolution,
    ResolutionReason,
    SourceType,
)
from annotator.services.annotations import NOTE_MAX_LENGTH

RATIONALE_MAX_LENGTH = 5000


ProposedSpan = Annotated[
    list[Any],
    Field(
        description="[start, end, category, evidence status, source type, note]: one span of "
        "a reviewer's version."
    ),
]


class ItemOut(Schema):
    id: int
    document: int
    start: int = Field(description="Where the item's passage starts (code points).")
    end: int
    kinds: list[str] = Field(
        description="What the versions differ in, a set: label, boundary, missing, attributes."
    )
    status: ItemStatus
    version: int
    resolution: str = Field(description="How it was resolved; empty while open.")
    reason: str
    rationale: str
    resolved_by: str | None
    resolved_at: datetime | None
    contestedness: int
    versions: dict[str, list[ProposedSpan]] = Field(
        description="Each reviewer's version, keyed by their letter (A, B…), never a user id."
    )


class GoldOut(Schema):
    id: int
    document: int
    start: int = Field(description="Code-point offset where the span starts.")
    end: int = Field(description="Code-point offset just after the span (half-open).")
    quote: str
    category: str
    evidence_status: EvidenceStatus
    source_type: SourceType
    note: str
    origin: GoldOrigin
    proposed_by: list[str] = Field(
        description="Letters of the reviewers who proposed exactly this span, attributes included."
    )
    proposed_by_shown: list[str] = Field(
        description="The same reviewers as you may see them: user names, or pseudonyms."
    )
    matched_by: list[str] = Field(
        description="Letters of the reviewers who proposed its boundaries and category."
    )
    matched_by_shown: list[str]
    item: int | None = Field(description="The moderation item it settles, if any.")
    decided_by: str | None
    decided_at: datetime
    reason: str
    rationale: str
    version: int


class ItemConflictOut(Schema):
    detail: str
    current: ItemOut


class GoldConflictOut(Schema):
    detail: str
    current: GoldOut


class SpanIn(InputSchema):
    start: int = Field(ge=0, le=LARGEST_ID, description="Code-point offset where the span starts.")
    end: int = Field(gt=0, le=LARGEST_ID, description="Code-point offset just after the span.")
    category: str = Field(min_length=1, max_length=64, description="The category's code.")
    evidence_status: EvidenceStatus = EvidenceStatus.UNKNOWN
    source_type: SourceType = SourceType.OTHER
    note: str = Field("", max_length=NOTE_MAX_LENGTH)


class ResolveIn(InputSchema):
    version: Version
    resolution: Resolution = Field(
        description="accept_reviewer (send reviewer), accept_spans (send some of the spans "
        "proposed), custom (any spans) or reject (none: keep nothing, which must be said)."
    )
    reviewer: str = Field("", max_length=8, description="accept_reviewer: their letter.")
    spans: list[SpanIn] = Field(default_factory=list, max_length=1000)
    reason: ResolutionReason = ResolutionReason.NONE
    rationale: str = Field("", max_length=RATIONALE_MAX_LENGTH)


class ReopenIn(InputSchema):
    version: Version
    rationale: str = Field("", max_length=RATIONALE_MAX_LENGTH)


class GoldIn(SpanIn):
    quote: str = Field(min_length=1, description="Exactly the text between start and end.")
    reason: ResolutionReason = ResolutionReason.NONE
    rationale: str = Field("", max_length=RATIONALE_MAX_LENGTH)


class GoldPatch(InputSchema):
    version: Version
    start: int | None = Field(None, ge=0, le=LARGEST_ID)
    end: int | None = Field(None, gt=0, le=LARGEST_ID)
    quote: str | None = Field(None, min_length=1, description="Required when moving a boundary.")
    category: str | None = Field(None, min_length=1, max_length=64)
    evidence_status: EvidenceStatus | None = None
    source_type: SourceType | None = None
    note: str | None = Field(None, max_length=NOTE_MAX_LENGTH)
    reason: ResolutionReason | None = None
    rationale: str | None = Field(None, max_length=RATIONALE_MAX_LENGTH)


class ItemsQuery(InputSchema):
    status: Literal["", "open", "resolved"] = Field("", description="Only items in this state.")


class ResolvedOut(Schema):
    item: ItemOut
    gold: list[GoldOut] = Field(description="The gold spans the decision made.")


class ReopenedOut(Schema):
    item: ItemOut
    removed_gold: list[int] = Field(description="Ids of the gold spans the undo removed.")


class GoldDeleteQuery(InputSchema):
    version: Version
    rationale: str = Field("", max_length=RATIONALE_MAX_LENGTH)


ProposedRelation = Annotated[
    list[Any],
    Field(
        description="[type code, [source start, end], [target start, end], symmetric]: one "
        "relation a reviewer drew between the item's passages (code points)."
    ),
]


class RelationItemOut(Schema):
    id: int
    document: int
    first: list[int] = Field(description="The first passage, [start, end] in code points.")
    second: list[int] = Field(description="The second passage, [start, end].")
    kinds: list[str] = Field(
        description="What the reviewers' relations differ in, a set: missing, type, "
        "direction, ends, or span (they agree, but a passage has no gold span yet)."
    )
    status: ItemStatus
    version: int
    kept: list[ProposedRelation] = Field(description="The relations the moderator kept.")
    reason: str
    rationale: str
    resolved_by: str | None
    resolved_at: datetime | None
    versions: dict[str, list[ProposedRelation]] = Field(
        description="Each reviewer's relations here, keyed by their letter, never a user id."
    )


class RelationItemConflictOut(Schema):
    detail: str
    current: RelationItemOut


class RelationResolveIn(InputSchema):
    version: Version
    keep: list[ProposedRelation] = Field(
        default_factory=list,
        max_length=100,
        description="The relations to keep, each as a reviewer drew it; none rejects them all.",
    )
    reason: ResolutionReason = ResolutionReason.NONE
    rationale: str = Field("", max_length=RATIONALE_MAX_LENGTH)


class GoldRelationOut(Schema):
    id: int
    document: int
    type: str
    symmetric: bool
    source: int = Field(description="The gold span at the relation's source.")
    source_span: list[int]
    target: int = Field(description="The gold span at the relation's target.")
    target_span: list[int]
    origin: GoldOrigin
    proposed_by: list[str] = Field(description="The letters of the reviewers who drew it.")
    item: int | None
    decided_by: str | None
    decided_at: datetime
    reason: str
    rationale: str


class RelationResolvedOut(Schema):
    item: RelationItemOut
    gold: list[GoldRelationOut]


class IncidentItemOut(Schema):
    id: int
    document: int
    act: list[int] = Field(description="The act's passage, [start, end] in code points.")
    kinds: list[str] = Field(
        description="What the reviewers' records differ in, a set: missing, act, roles, "
        "evidence, or span (they agree, but a passage has no gold span yet)."
    )
    status: ItemStatus
    version: int
    kept_from: str | None = Field(description="The letter of the reviewer whose record was kept.")
    reason: str
    rationale: str
    resolved_by: str | None
    resolved_at: datetime | None
    versions: dict[str, list[dict[str, Any]]] = Field(
        description="Each reviewer's records at the act ({act, category, evidence_status, "
        "slots: [[role, [start, end], involvement]], note}), keyed by their letter."
    )


class IncidentItemConflictOut(Schema):
    detail: str
    current: IncidentItemOut


class IncidentResolveIn(InputSchema):
    version: Version
    reviewer: str = Field(
        "",
        max_length=8,
        description="The letter of the reviewer whose record to keep; empty rejects them all.",
    )
    reason: ResolutionReason = ResolutionReason.NONE
    rationale: str = Field("", max_length=RATIONALE_MAX_LENGTH)


class GoldIncidentSlotOut(Schema):
    role: str
    span: int = Field(description="The gold span filling the role.")
    passage: list[int]
    quote: str
    involvement: str


class GoldIncidentOut(Schema):
    id: int
    document: int
    act: int = Field(description="The gold span of the act.")
    act_passage: list[int]
    act_quote: str
    category: str
    evidence_status: EvidenceStatus
    note: str
    slots: list[GoldIncidentSlotOut]
    origin: GoldOrigin
    proposed_by: list[str] = Field(description="The letters of the reviewers who recorded it.")
    item: int | None
    decided_by: str | None
    decided_at: datetime
    reason: str
    rationale: str


class IncidentResolvedOut(Schema):
    item: IncidentItemOut
    gold: list[GoldIncidentOut]
