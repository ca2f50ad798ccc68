"""Spans of a reviewer's layer."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema

from annotator.api.schemas.base import LARGEST_ID, InputSchema, Version
from annotator.models import (
    EvidenceStatus,
    SourceType,
)
from annotator.services.annotations import NOTE_MAX_LENGTH


class AnnotationOut(Schema):
    id: int
    document: int
    start: int = Field(description="Code-point offset where the span starts.")
    end: int = Field(description="Code-point offset just after the span (half-open).")
    quote: str
    category: str
    note: str
    evidence_status: EvidenceStatus
    source_type: SourceType
    version: int
    created_at: datetime
    updated_at: datetime


class ConflictOut(Schema):
    detail: str
    current: AnnotationOut


class AnnotationIn(InputSchema):
    start: int = Field(ge=0, le=LARGEST_ID, description="Code-point offset where the span starts.")
    end: int = Field(gt=0, le=LARGEST_ID, description="Code-point offset just after the span.")
    quote: str = Field(min_length=1, description="Exactly the text between start and end.")
    category: str = Field(min_length=1, max_length=64, description="The category's code.")
    note: str = Field("", max_length=NOTE_MAX_LENGTH)
    evidence_status: EvidenceStatus = EvidenceStatus.UNKNOWN
    source_type: SourceType = SourceType.OTHER


class AnnotationPatch(InputSchema):
    version: Version
    start: int | None = Field(None, ge=0, le=LARGEST_ID)
    end: int | None = Field(None, gt=0, le=LARGEST_ID)
    quote: str | None = Field(None, min_length=1, description="Required when moving a boundary.")
    category: str | None = Field(None, min_length=1, max_length=64)
    note: str | None = Field(None, max_length=NOTE_MAX_LENGTH)
    evidence_status: EvidenceStatus | None = None
    source_type: SourceType | None = None
