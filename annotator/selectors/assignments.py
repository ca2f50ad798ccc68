"""Reads about assignments: who works on what, how far each reviewer is, and how a
project's documents moved through annotation over time.

Every function here runs a fixed number of queries, whatever the number of documents,
reviewers or spans.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

from django.contrib.auth.models import User
from django.db.models import Count, Exists, Max, Min, OuterRef, QuerySet, Subquery
from django.utils import timezone

from annotator.models import (
    Annotation,
    Assignment,
    AuditEvent,
    Document,
    DocumentStatus,
    Membership,
    ModerationItem,
    Project,
    Role,
)
from annotator.selectors.common import subquery_count

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


def assignments_started(*, pairs: Sequence[tuple[int, int]]) -> set[tuple[int, int]]:
    """Which of these (document id, reviewer id) pairs have work in them: a span of the
    reviewer's on the document now, or one they saved once and deleted (the audit log
    keeps it). Two queries."""
    if not pairs:
        return set()
    document_ids = {document_id for document_id, _ in pairs}
    reviewer_ids = {reviewer_id for _, reviewer_id in pairs}
    wanted = set(pairs)
    found = set(
        Annotation.objects.filter(document_id__in=document_ids, reviewer_id__in=reviewer_ids)
        .order_by()
        .values_list("document_id", "reviewer_id")
        .distinct()
    )
    found.update(
        AuditEvent.objects.filter(
            document_id__in=document_ids,
            actor_id__in=reviewer_ids,
            action__startswith="annotation.",
        )
        .order_by()
        .values_list("document_id", "actor_id")
        .distinct()
    )
    return found & wanted


class _Reviewer(TypedDict):
    role: str | None
    assigned: int
    submitted: int
    spans: int
    last_span_at: datetime.datetime | None
    last_submitted_at: datetime.datetime | None


def reviewer_progress(*, project: Project) -> QuerySet[WithAnnotations[User, _Reviewer]]:
    """The project's reviewers, and anyone who still has assignments in it (a reviewer who
    left, or who now has another role), by user name: their role here (None for someone
    who left), documents assigned and submitted, spans, and the times of their last span
    change and last submission. One query."""
    assignments = Assignment.objects.filter(document__project=project, reviewer=OuterRef("pk"))
    annotations = Annotation.objects.filter(document__project=project, reviewer=OuterRef("pk"))
    membership = Membership.objects.filter(project=project, user=OuterRef("pk"))
    return (
        User.objects.filter(Exists(membership.filter(role=Role.REVIEWER)) | Exists(assignments))
        .annotate(
            role=Subquery(membership.values("role")[:1]),
            assigned=subquery_count(assignments, "reviewer"),
            submitted=subquery_count(assignments.exclude(submitted_at=None), "reviewer"),
            spans=subquery_count(annotations, "reviewer"),
            last_span_at=Subquery(
                annotations.order_by().values("reviewer").annotate(t=Max("updated_at")).values("t")
            ),
            last_submitted_at=Subquery(
                assignments.order_by()
                .values("reviewer")
                .annotate(t=Max("submitted_at"))
                .values("t")
            ),
        )
        .only("pk", "username", "is_active")
        .order_by("username")
    )


class CellState:
    ASSIGNED = "assigned"
    IN_PROGRESS = "in progress"
    SUBMITTED = "submitted"


@dataclass(frozen=True)
class Cell:
    """One reviewer on one document: their assignment (None if not assigned) and how far."""

    assignment_id: int | None = None
    state: str = ""


def progress_cells(
    *, document_ids: Iterable[int], reviewer_ids: Sequence[int]
) -> dict[tuple[int, int], Cell]:
    """The state of each reviewer's assignment to each of these documents, by (document
    id, reviewer id): assigned, in progress (spans, not submitted) or submitted. One
    query."""
    spans = Annotation.objects.filter(
        document_id=OuterRef("document_id"), reviewer_id=OuterRef("reviewer_id")
    )
    rows = (
        Assignment.objects.filter(document_id__in=list(document_ids))
        .annotate(has_spans=Exists(spans))
        .order_by()
        .values_list("pk", "document_id", "reviewer_id", "submitted_at", "has_spans")
    )
    cells: dict[tuple[int, int], Cell] = {}
    for pk, document_id, reviewer_id, submitted_at, has_spans in rows:
        if submitted_at is not None:
            state = CellState.SUBMITTED
        elif has_spans:
            state = CellState.IN_PROGRESS
        else:
            state = CellState.ASSIGNED
        cells[(document_id, reviewer_id)] = Cell(assignment_id=pk, state=state)
    return cells


def assignment_get(*, project: Project, pk: int) -> Assignment | None:
    """One assignment of a document of the project, with its document and reviewer."""
    return (
        Assignment.objects.filter(document__project=project, pk=pk)
        .select_related("document", "reviewer")
        .defer("document__text")
        .first()
    )


class _Assignment(TypedDict):
    has_spans: bool


def assignment_list(
    *,
    project: Project,
    document_id: int | None = None,
    reviewer_id: int | None = None,
) -> QuerySet[WithAnnotations[Assignment, _Assignment]]:
    """The project's assignments (of one document or one reviewer, if asked), with their
    reviewer and whether they hold spans; in document order. One query per page."""
    spans = Annotation.objects.filter(
        document_id=OuterRef("document_id"), reviewer=OuterRef("reviewer")
    )
    assignments = Assignment.objects.filter(document__project=project)
    if document_id is not None:
        assignments = assignments.filter(document_id=document_id)
    if reviewer_id is not None:
        assignments = assignments.filter(reviewer_id=reviewer_id)
    return (
        assignments.select_related("reviewer")
        .annotate(has_spans=Exists(spans))
        .order_by("document_id", "assigned_at", "pk")
    )


# --- Documents by status over time ----------------------------------------------------

# The stages a document passes through, in order, as the progress chart shows them.
STAGES = (
    ("new", "New"),
    ("annotation", "In annotation"),
    ("moderation", "Awaiting or in moderation"),
    ("reconciled", "Reconciled"),
)
MAX_POINTS = 40


@dataclass(frozen=True)
class StatusPoint:
    day: datetime.date
    counts: tuple[int, ...]  # one per stage, in the order of STAGES

    @property
    def total(self) -> int:
        return sum(self.counts)


def status_history(*, project: Project, today: datetime.date | None = None) -> list[StatusPoint]:
    """How many of the project's documents were at each stage at the end of each day (or
    of every few days: at most ``MAX_POINTS`` points), from the first import to today.

    Read from the times the data keeps, in one query: when each document was imported,
    first assigned, submitted by the last of its reviewers (if all have) and when its last
    moderation item was resolved (if it is reconciled). A layer reopened and submitted
    again counts from its last submission.
    """
    assignments = Assignment.objects.filter(document=OuterRef("pk")).order_by()
    resolved = ModerationItem.objects.filter(document=OuterRef("pk")).order_by()
    rows = list(
        Document.objects.filter(project=project)
        .annotate(
            first_assigned=Subquery(
                assignments.values("document").annotate(t=Min("assigned_at")).values("t")
            ),
            last_submitted=Subquery(
                assignments.values("document").annotate(t=Max("submitted_at")).values("t")
            ),
            open_layers=subquery_count(assignments.filter(submitted_at=None), "document"),
            last_resolved=Subquery(
                resolved.values("document").annotate(t=Max("resolved_at")).values("t")
            ),
        )
        .order_by()
        .values_list(
            "imported_at",
            "status",
            "first_assigned",
            "last_submitted",
            "open_layers",
            "last_resolved",
        )
    )
    if not rows:
        return []
    now = timezone.now()
    today = today or timezone.localdate(now, timezone.get_current_timezone())
    start = min(timezone.localdate(row[0]) for row in rows)
    days = (today - start).days + 1
    step = max(1, -(-days // MAX_POINTS))  # ceiling division
    points = []
    day = start
    while True:
        end = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min)
        end = timezone.make_aware(end)
        counts = [0, 0, 0, 0]
        for imported, status, assigned, submitted, open_layers, reconciled in rows:
            if imported >= end:
                continue
            past_annotation = (
                status != DocumentStatus.NEW and status != DocumentStatus.IN_ANNOTATION
            )
            if status == DocumentStatus.RECONCILED and (reconciled or submitted or imported) < end:
                counts[3] += 1
            elif past_annotation and not open_layers and submitted is not None and submitted < end:
                counts[2] += 1
            elif assigned is not None and assigned < end:
                counts[1] += 1
            else:
                counts[0] += 1
        points.append(StatusPoint(day=day, counts=tuple(counts)))
        if day >= today:
            break
        day = min(day + datetime.timedelta(days=step), today)
    return points


def project_documents_by_status(*, project: Project) -> dict[str, int]:
    """How many of the project's documents have each status now; one query."""
    counts = dict.fromkeys(DocumentStatus.values, 0)
    rows = (
        Document.objects.filter(project=project)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    for status, n in rows:
        counts[status] = n
    return counts
