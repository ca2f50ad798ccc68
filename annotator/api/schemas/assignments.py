"""Assignments and layers."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Field, Schema

from annotator.api.schemas.base import Id, InputSchema, Username


class AssignmentOut(Schema):
    id: int
    document: int
    reviewer: str
    state: Literal["assigned", "in progress", "submitted"]
    assigned_at: datetime
    submitted_at: datetime | None


class AssignmentPageOut(Schema):
    count: int
    page: int
    pages: int
    results: list[AssignmentOut]


class AssignmentsQuery(InputSchema):
    document: Id | None = None
    reviewer: Username | None = None
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(100, ge=1, le=1000)


class AssignmentsIn(InputSchema):
    documents: list[Id] = Field(min_length=1, max_length=10_000)
    reviewer: Username


class AssignmentsDeleteIn(AssignmentsIn):
    pass


class AssignmentsReportOut(Schema):
    changed: list[int] = Field(description="The documents assigned (or unassigned).")
    skipped: dict[str, str] = Field(description="The documents left alone, and why.")


class PlanPair(Schema):
    document: Id
    reviewer: Username


class AutoAssignIn(InputSchema):
    dry_run: bool = Field(False, description="Return the plan, assigning nothing.")
    plan: list[PlanPair] | None = Field(
        None,
        max_length=100_000,
        description="A plan a dry run returned, to apply exactly (all or nothing).",
    )


class AutoAssignOut(Schema):
    applied: bool
    plan: list[PlanPair]
    short: dict[str, int] = Field(description="Documents that still lack reviewers: how many.")


class SubmittedOut(Schema):
    document: int
    submitted_at: datetime


class ReopenedLayerOut(Schema):
    assignment: int
    document: int
