"""Automatic assignment: a plan (the least loaded reviewer first) shown before it is
applied, and applied exactly, or not at all when anything changed in between."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth.models import User

from annotator.models import (
    Assignment,
    Document,
    Membership,
    Project,
    Role,
)
from annotator.services.assignments import OPEN_STATUSES, AssignmentError, assignments_write
from annotator.services.audit import audited


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


def assignments_plan(*, project: Project) -> AutoAssignReport:
    """What ``assignments_auto`` would do now, doing nothing: a dry run. Its ``created``
    pairs can be applied exactly with ``assignments_apply``.

    Each document gets distinct reviewers, never one already on it; among the candidates
    the least loaded reviewers of the project (by assignments) go first, so load stays
    balanced. Documents already awaiting moderation, in moderation or reconciled are left
    alone.
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
    documents = (
        Document.objects.filter(project=project, status__in=OPEN_STATUSES)
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
            load[reviewer_id] += 1
            report.created.append((document_id, reviewer_id))
        if len(chosen) < need:
            report.short[document_id] = need - len(chosen)
    return report


@audited
def assignments_auto(*, project: Project, actor: User | None) -> AutoAssignReport:
    """Give every open document of the project its reviewers-per-document count of
    reviewers, as ``assignments_plan`` plans it now."""
    report = assignments_plan(project=project)
    assignments_write(project, report.created, actor, action="assignment.auto")
    return report


@audited
def assignments_apply(
    *, project: Project, pairs: Iterable[tuple[int, int]], actor: User | None
) -> AutoAssignReport:
    """Make exactly these (document id, reviewer id) assignments, as a plan showed them:
    all or none. Refused (AssignmentError, saying which) when any is no longer possible:
    a document not of the project or no longer open, a reviewer no longer a reviewer of
    it, a pair already assigned."""
    wanted = list(dict.fromkeys((int(d), int(r)) for d, r in pairs))
    document_ids = {document_id for document_id, _ in wanted}
    open_documents = set(
        Document.objects.filter(project=project, pk__in=document_ids, status__in=OPEN_STATUSES)
        .select_for_update()
        .values_list("pk", flat=True)
    )
    reviewers = set(
        Membership.objects.filter(project=project, role=Role.REVIEWER).values_list(
            "user_id", flat=True
        )
    )
    taken = set(
        Assignment.objects.filter(document_id__in=document_ids).values_list(
            "document_id", "reviewer_id"
        )
    )
    problems = []
    for document_id, reviewer_id in wanted:
        if document_id not in open_documents:
            problems.append(f"document {document_id} is not open for assignment in this project")
        elif reviewer_id not in reviewers:
            problems.append(f"user {reviewer_id} is not a reviewer of this project")
        elif (document_id, reviewer_id) in taken:
            problems.append(f"user {reviewer_id} is already assigned to document {document_id}")
    if problems:
        shown = "; ".join(problems[:5]) + ("; …" if len(problems) > 5 else "")
        raise AssignmentError(
            f"The plan is out of date ({len(problems)} of its assignments cannot be made: "
            f"{shown}). Nothing was assigned; look at the new plan."
        )
    report = AutoAssignReport(created=wanted)
    assignments_write(project, wanted, actor, action="assignment.auto")
    return report
