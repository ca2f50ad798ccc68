"""Writes on assignments: who annotates which document, submission and reopening.

A document's status follows its assignments: ``new`` without any, ``in annotation`` while
some assigned reviewer has not submitted, ``awaiting moderation`` once all have.

An assignment is deleted (unassigned) only while its reviewer has not *started*: no span
of theirs on the document, none ever saved and deleted (the audit log says), not submitted,
and the document not in moderation nor reconciled. Work is evidence: a layer someone
started is never taken away by unassigning, and no reviewer's pseudonym on a document
("Reviewer A") ever moves to someone else once there is anything to see under it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.db.models import Exists, OuterRef
from django.utils import timezone

from annotator.models import (
    Assignment,
    AuditEvent,
    Document,
    DocumentStatus,
    Membership,
    Project,
    Role,
)
from annotator.selectors.assignments import assignments_started
from annotator.services.audit import audit_record, audit_record_many, audited
from annotator.services.moderation import MIN_LAYERS
from annotator.services.moderation_start import moderation_start
from annotator.services.projects import layers_changed


class AssignmentError(ValueError):
    """The assignment change is not possible; the message says why."""


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


# The documents automatic assignment plans for.
OPEN_STATUSES = (DocumentStatus.NEW, DocumentStatus.IN_ANNOTATION)
# The documents a reviewer may be assigned to or unassigned from by hand: not yet in
# moderation (one awaiting it may need another layer: moderation compares two or more).
ASSIGNABLE_STATUSES = (*OPEN_STATUSES, DocumentStatus.AWAITING_MODERATION)


def assignments_write(
    project: Project, pairs: list[tuple[int, int]], actor: User | None, *, action: str
) -> None:
    """Make these assignments, refresh their documents' status and record them: one event
    ``assignment.auto`` for a plan."""
    if not pairs:
        return
    Assignment.objects.bulk_create(
        [
            Assignment(document_id=document_id, reviewer_id=reviewer_id, assigned_by=actor)
            for document_id, reviewer_id in pairs
        ]
    )
    Document.objects.filter(
        pk__in={document_id for document_id, _ in pairs}, status=DocumentStatus.NEW
    ).update(status=DocumentStatus.IN_ANNOTATION)
    audit_record(
        actor=actor,
        action=action,
        object_type="project",
        object_id=project.pk,
        project=project,
        after={"assignments": [list(pair) for pair in pairs]},
    )


@dataclass
class AssignmentsReport:
    """What a bulk assignment or unassignment did: the documents changed, and for each one
    left alone, why."""

    changed: list[int] = field(default_factory=list)
    skipped: dict[int, str] = field(default_factory=dict)

    def summary(self, verb: str) -> str:
        text = f"{verb} {len(self.changed)} document{'s' if len(self.changed) != 1 else ''}"
        if self.skipped:
            reasons = Counter(self.skipped.values())
            text += "; left alone: " + "; ".join(
                f"{count} {reason}" for reason, count in reasons.most_common()
            )
        return text


def _statuses_refresh(document_ids: Iterable[int]) -> None:
    """Set the status of these open documents from their assignments, in three queries."""
    documents = Document.objects.filter(pk__in=list(document_ids), status__in=ASSIGNABLE_STATUSES)
    assigned = Assignment.objects.filter(document=OuterRef("pk"))
    documents.filter(~Exists(assigned)).update(status=DocumentStatus.NEW)
    documents.filter(Exists(assigned.filter(submitted_at=None))).update(
        status=DocumentStatus.IN_ANNOTATION
    )
    documents.filter(Exists(assigned), ~Exists(assigned.filter(submitted_at=None))).update(
        status=DocumentStatus.AWAITING_MODERATION
    )


@audited
def assignments_create(
    *, project: Project, document_ids: Iterable[int], reviewer: User, actor: User | None
) -> AssignmentsReport:
    """Assign one reviewer to many documents of the project (those open for assignment
    and not already theirs); one ``assignment.create`` event each."""
    if not _is_reviewer(project, reviewer):
        raise AssignmentError(f"{reviewer} is not a reviewer of this project.")
    wanted = list(dict.fromkeys(document_ids))
    documents = dict(
        Document.objects.filter(project=project, pk__in=wanted)
        .select_for_update()
        .values_list("pk", "status")
    )
    theirs = set(
        Assignment.objects.filter(document_id__in=wanted, reviewer=reviewer).values_list(
            "document_id", flat=True
        )
    )
    report = AssignmentsReport()
    for document_id in wanted:
        if document_id not in documents:
            report.skipped[document_id] = "not in this project"
        elif documents[document_id] not in ASSIGNABLE_STATUSES:
            report.skipped[document_id] = "in moderation or reconciled"
        elif document_id in theirs:
            report.skipped[document_id] = "already assigned"
        else:
            report.changed.append(document_id)
    made = Assignment.objects.bulk_create(
        [
            Assignment(document_id=document_id, reviewer=reviewer, assigned_by=actor)
            for document_id in report.changed
        ]
    )
    _statuses_refresh(report.changed)
    audit_record_many(
        [
            AuditEvent(
                actor=actor,
                action="assignment.create",
                project=project,
                document_id=assignment.document_id,
                object_type="assignment",
                object_id=str(assignment.pk),
                after={"document": assignment.document_id, "reviewer": reviewer.pk},
            )
            for assignment in made
        ]
    )
    return report


def _unassignable(
    assignments: list[Assignment], statuses: dict[int, str]
) -> tuple[list[Assignment], dict[int, str]]:
    """Which of these assignments may be deleted (see the module), and why the others
    may not, by document id."""
    started = assignments_started(
        pairs=[(assignment.document_id, assignment.reviewer_id) for assignment in assignments]
    )
    deletable, refused = [], {}
    for assignment in assignments:
        if assignment.submitted_at is not None:
            refused[assignment.document_id] = "submitted"
        elif statuses.get(assignment.document_id) not in ASSIGNABLE_STATUSES:
            refused[assignment.document_id] = "in moderation or reconciled"
        elif (assignment.document_id, assignment.reviewer_id) in started:
            refused[assignment.document_id] = "started (spans saved)"
        else:
            deletable.append(assignment)
    return deletable, refused


def _delete(assignments: list[Assignment], project: Project, actor: User | None) -> None:
    events = [
        AuditEvent(
            actor=actor,
            action="assignment.delete",
            project=project,
            document_id=assignment.document_id,
            object_type="assignment",
            object_id=str(assignment.pk),
            before={"document": assignment.document_id, "reviewer": assignment.reviewer_id},
        )
        for assignment in assignments
    ]
    Assignment.objects.filter(pk__in=[assignment.pk for assignment in assignments]).delete()
    _statuses_refresh({assignment.document_id for assignment in assignments})
    audit_record_many(events)


def _locked_assignments(project: Project, **filters: object) -> list[Assignment]:
    return list(
        Assignment.objects.select_for_update()
        .filter(document__project=project, **filters)
        .order_by("document_id", "pk")
    )


def _statuses(assignments: list[Assignment]) -> dict[int, str]:
    return dict(
        Document.objects.filter(
            pk__in={assignment.document_id for assignment in assignments}
        ).values_list("pk", "status")
    )


@audited
def assignment_delete(*, assignment: Assignment, actor: User | None) -> None:
    """Unassign a reviewer who has not started on the document; refused (AssignmentError,
    saying why) otherwise."""
    locked = _locked_assignments(assignment.document.project, pk=assignment.pk)
    if not locked:
        return
    deletable, refused = _unassignable(locked, _statuses(locked))
    if refused:
        why = refused[assignment.document_id]
        raise AssignmentError(
            f"{assignment.reviewer} cannot be unassigned from this document: {why}. A layer "
            "someone has started stays theirs; a moderator can reopen a submitted one."
        )
    _delete(deletable, assignment.document.project, actor)


@audited
def assignments_delete(
    *, project: Project, document_ids: Iterable[int], reviewer: User, actor: User | None
) -> AssignmentsReport:
    """Unassign one reviewer from many documents, where they have not started (see the
    module); the others are reported and left alone."""
    wanted = list(dict.fromkeys(document_ids))
    locked = _locked_assignments(project, reviewer=reviewer, document_id__in=wanted)
    deletable, refused = _unassignable(locked, _statuses(locked))
    report = AssignmentsReport(changed=[assignment.document_id for assignment in deletable])
    mine = {assignment.document_id for assignment in locked}
    for document_id in wanted:
        if document_id in refused:
            report.skipped[document_id] = refused[document_id]
        elif document_id not in mine:
            report.skipped[document_id] = "not assigned"
    _delete(deletable, project, actor)
    return report


@dataclass
class Release:
    """What became of a member's assignments when they left or stopped reviewing."""

    deleted: list[int] = field(default_factory=list)  # document ids
    kept: list[int] = field(default_factory=list)


@audited
def assignments_release(*, project: Project, reviewer: User, actor: User | None) -> Release:
    """A reviewer leaves the project (or becomes a moderator or manager): the assignments
    they had not started are deleted, so the documents can go to someone else; those with
    work in them (started or submitted) stay, spans and all, as they are."""
    locked = _locked_assignments(project, reviewer=reviewer)
    deletable, refused = _unassignable(locked, _statuses(locked))
    _delete(deletable, project, actor)
    return Release(
        deleted=[assignment.document_id for assignment in deletable], kept=sorted(refused)
    )


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
