"""Writes on assignments: who annotates which document, submission and reopening.

A document's status follows its assignments: ``new`` without any, ``in annotation`` while
some assigned reviewer has not submitted, ``awaiting moderation`` once all have.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.utils import timezone

from annotator.models import Assignment, Document, DocumentStatus, Membership, Project, Role
from annotator.services.audit import audit_record, audited
from annotator.services.moderation import MIN_LAYERS, moderation_start
from annotator.services.projects import layers_changed


class AssignmentError(ValueError):
    """The assignment change is not possible; the message says why."""


@dataclass
class AutoAssignReport:
    created: list[tuple[int, int]] = field(default_factory=list)  # (document id, reviewer id)
    short: dict[int, int] = field(default_factory=dict)  # document id -> reviewers missing

    def summary(self) -> str:
        text = f"{len(self.created)} assignments made"
        if self.short:
            text += (
                f"; {len(self.short)} documents still lack reviewers "
                "(the project has too few reviewers)"
            )
        return text


def _status_for(assignments: list[Assignment]) -> str:
    if not assignments:
        return DocumentStatus.NEW
    if all(assignment.submitted for assignment in assignments):
        return DocumentStatus.AWAITING_MODERATION
    return DocumentStatus.IN_ANNOTATION


def document_status_refresh(*, document: Document) -> str:
    """Set the document's status from its assignments (before moderation starts)."""
    status = _status_for(list(Assignment.objects.filter(document=document)))
    if document.status != status:
        Document.objects.filter(pk=document.pk).update(status=status)
        document.status = status
    return status


def _is_reviewer(project: Project, user: User) -> bool:
    return Membership.objects.filter(project=project, user=user, role=Role.REVIEWER).exists()


@audited
def assignment_create(*, document: Document, reviewer: User, actor: User | None) -> Assignment:
    """Assign one reviewer to one document by hand."""
    if not _is_reviewer(document.project, reviewer):
        raise AssignmentError(f"{reviewer} is not a reviewer of this project.")
    if Assignment.objects.filter(document=document, reviewer=reviewer).exists():
        raise AssignmentError(f"{reviewer} is already assigned to this document.")
    assignment = Assignment.objects.create(document=document, reviewer=reviewer, assigned_by=actor)
    audit_record(
        actor=actor,
        action="assignment.create",
        object_type="assignment",
        object_id=assignment.pk,
        project=document.project,
        document=document,
        after={"document": document.pk, "reviewer": reviewer.pk},
    )
    document_status_refresh(document=document)
    return assignment


@audited
def assignments_auto(*, project: Project, actor: User | None) -> AutoAssignReport:
    """Give every document of the project its reviewers-per-document count of reviewers.

    Each document gets distinct reviewers, never one already on it; among the candidates
    the least loaded reviewers of the project (by assignments) go first, so load stays
    balanced. Documents already in moderation or reconciled are left alone.
    """
    reviewers = list(
        Membership.objects.filter(project=project, role=Role.REVIEWER)
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )
    existing: dict[int, set[int]] = {}
    load: Counter[int] = Counter(dict.fromkeys(reviewers, 0))
    pairs = Assignment.objects.filter(document__project=project).values_list(
        "document_id", "reviewer_id"
    )
    for document_id, reviewer_id in pairs:
        existing.setdefault(document_id, set()).add(reviewer_id)
        if reviewer_id in load:
            load[reviewer_id] += 1

    report = AutoAssignReport()
    new: list[Assignment] = []
    documents = (
        Document.objects.filter(
            project=project, status__in=[DocumentStatus.NEW, DocumentStatus.IN_ANNOTATION]
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for document_id in documents:
        have = existing.get(document_id, set())
        need = project.reviewers_per_document - len(have)
        if need <= 0:
            continue
        candidates = sorted((r for r in reviewers if r not in have), key=lambda r: (load[r], r))
        chosen = candidates[:need]
        for reviewer_id in chosen:
            new.append(
                Assignment(document_id=document_id, reviewer_id=reviewer_id, assigned_by=actor)
            )
            load[reviewer_id] += 1
            report.created.append((document_id, reviewer_id))
        if len(chosen) < need:
            report.short[document_id] = need - len(chosen)
    Assignment.objects.bulk_create(new)
    if new:
        Document.objects.filter(
            pk__in={document_id for document_id, _ in report.created}, status=DocumentStatus.NEW
        ).update(status=DocumentStatus.IN_ANNOTATION)
        audit_record(
            actor=actor,
            action="assignment.auto",
            object_type="project",
            object_id=project.pk,
            project=project,
            after={"assignments": [list(pair) for pair in report.created]},
        )
    return report


def _assignment(document: Document, reviewer: User) -> Assignment:
    assignment = (
        Assignment.objects.select_for_update().filter(document=document, reviewer=reviewer).first()
    )
    if assignment is None:
        raise AssignmentError(f"{reviewer} is not assigned to this document.")
    return assignment


@audited
def review_submit(*, document: Document, reviewer: User) -> Assignment:
    """The reviewer is done: their layer becomes read-only to them."""
    assignment = _assignment(document, reviewer)
    if assignment.submitted:
        raise AssignmentError("You have already submitted this document.")
    assignment.submitted_at = timezone.now()
    assignment.save(update_fields=["submitted_at"])
    audit_record(
        actor=reviewer,
        action="review.submit",
        object_type="assignment",
        object_id=assignment.pk,
        project=document.project,
        document=document,
        after={"submitted_at": assignment.submitted_at.isoformat()},
    )
    layers_changed(project_id=document.project_id)
    status = document_status_refresh(document=document)
    submitted = Assignment.objects.filter(document=document, submitted_at__isnull=False).count()
    if status == DocumentStatus.AWAITING_MODERATION and submitted >= MIN_LAYERS:
        # Every assigned reviewer has submitted: align the layers into the queue. A layer
        # that was reopened and comes back is aligned again the same way; clusters that
        # did not change keep their resolution. The system does it, not the reviewer.
        moderation_start(document=document, actor=None)
    return assignment


@audited
def review_reopen(*, document: Document, reviewer: User, actor: User) -> Assignment:
    """A moderator gives a submitted layer back to its reviewer for changes."""
    assignment = _assignment(document, reviewer)
    if assignment.submitted_at is None:
        raise AssignmentError(f"{reviewer} has not submitted this document.")
    before = {"submitted_at": assignment.submitted_at.isoformat()}
    assignment.submitted_at = None
    assignment.save(update_fields=["submitted_at"])
    audit_record(
        actor=actor,
        action="review.reopen",
        object_type="assignment",
        object_id=assignment.pk,
        project=document.project,
        document=document,
        before=before,
        after={"submitted_at": None},
    )
    layers_changed(project_id=document.project_id)
    document_status_refresh(document=document)
    return assignment
