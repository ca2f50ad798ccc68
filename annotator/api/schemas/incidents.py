"""Incident records of a reviewer's layer, their slots, and the project's incident roles."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema

from annotator.api.schemas.base import Id, InputSchema, Version
from annotator.models import EvidenceStatus
from annotator.services.annotations import NOTE_MAX_LENGTH


class InvolvementOut(Schema):
    code: str
    name: str


class IncidentRoleOut(Schema):
    code: str
    name: str
    definition: str
    categories: list[str] = Field(
        description="The categories a span filling it may have (their subcategories too); "
        "empty: any."
    )
    multiple: bool = Field(description="Several spans may fill the role, or only one.")
    involvements: list[InvolvementOut] = Field(
        description="The involvements a filled slot may carry; empty: none."
    )
    retired: bool = Field(description="Takes no new span; kept on old incidents.")


class SlotOut(Schema):
    id: int
    incident: int
    role: str = Field(description="The incident role's code.")
    annotation: int = Field(description="The id of the span filling the role.")
    involvement: str = Field(description="One of the role's involvement codes, or empty.")


class IncidentOut(Schema):
    id: int
    document: int
    act: int = Field(description="The id of the span that is the act (a violation).")
    note: str
    evidence_status: EvidenceStatus
    version: int
    slots: list[SlotOut]
    created_at: datetime
    updated_at: datetime


class IncidentConflictOut(Schema):
    detail: str
    current: IncidentOut


class IncidentIn(InputSchema):
    act: Id = Field(description="The id of one of your spans of a violation category.")
    note: str = Field("", max_length=NOTE_MAX_LENGTH)
    evidence_status: EvidenceStatus = EvidenceStatus.UNKNOWN


class IncidentPatch(InputSchema):
    version: Version
    act: Id | None = None
    note: str | None = Field(None, max_length=NOTE_MAX_LENGTH)
    evidence_status: EvidenceStatus | None = None


class SlotIn(InputSchema):
    role: str = Field(min_length=1, max_length=64, description="The incident role's code.")
    annotation: Id = Field(description="The id of one of your spans of the document.")
    involvement: str = Field("", max_length=64, description="One of the role's codes.")
