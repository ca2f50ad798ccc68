"""API: assignments (list, make, remove, automatic with a dry run) for managers, and
reviewers' layers: a reviewer submits their own, a moderator or manager reopens one."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from ninja import Query, Router, Status
from ninja.errors import HttpError

from annotator.access import (
    AuthenticatedHttpRequest,
    Forbidden,
    NoAccess,
    ProjectAccess,
    document_access_by_id,
    project_access,
)
from annotator.api.schemas.assignments import (
    AssignmentPageOut,
    AssignmentsDeleteIn,
    AssignmentsIn,
    AssignmentsQuery,
    AssignmentsReportOut,
    AutoAssignIn,
    AutoAssignOut,
    ReopenedLayerOut,
    SubmittedOut,
)
from annotator.api.schemas.base import Id, Slug, responses
from annotator.models import Role
from annotator.selectors.assignments import CellState, assignment_get, assignment_list
from annotator.selectors.documents import document_assignment
from annotator.selectors.projects import membership_of, user_by_username, usernames
from annotator.services.assignment_plans import (
    AutoAssignReport,
    assignments_apply,
    assignments_auto,
    assignments_plan,
)
from annotator.services.assignments import (
    AssignmentError,
    AssignmentsReport,
    assignment_delete,
    assignments_create,
    assignments_delete,
    review_reopen,
    review_submit,
)

router = Router(tags=["assignments"])


def _managing(request: AuthenticatedHttpRequest, slug: str) -> ProjectAccess:
    access = project_access(user=request.user, slug=slug)
    access.require(Role.MANAGER, to="assign reviewers")
    return access


@router.get(
    "/projects/{slug}/assignments", response=responses({200: AssignmentPageOut}, forbidden=True)
)
def list_assignments(
    request: AuthenticatedHttpRequest, slug: Slug, query: Query[AssignmentsQuery]
) -> dict[str, Any]:
    """Who is assigned to what (managers), of one ``document`` or one ``reviewer`` if
    asked, in document order, a page at a time: each assigned, in progress (spans, not
    submitted) or submitted."""
    access = _managing(request, slug)
    reviewer_id = None
    if query.reviewer is not None:
        reviewer = user_by_username(username=query.reviewer)
        reviewer_id = reviewer.pk if reviewer is not None else 0
    assignments = assignment_list(
        project=access.project, document_id=query.document, reviewer_id=reviewer_id
    )
    page = Paginator(assignments, query.page_size).get_page(query.page)
    return {
        "count": page.paginator.count,
        "page": page.number,
        "pages": page.paginator.num_pages,
        "results": [
            {
                "id": assignment.pk,
                "document": assignment.document_id,
                "reviewer": assignment.reviewer.get_username(),
                "state": CellState.SUBMITTED
                if assignment.submitted_at is not None
                else CellState.IN_PROGRESS
                if getattr(assignment, "has_spans", False)
                else CellState.ASSIGNED,
                "assigned_at": assignment.assigned_at,
                "submitted_at": assignment.submitted_at,
            }
            for assignment in page.object_list
        ],
    }


def _reviewer(access: ProjectAccess, username: str) -> Any:
    membership = membership_of(project=access.project, username=username)
    if membership is None:
        raise NoAccess(f"{username} is not a member of this project.")
    return membership.user


def _bulk(report: AssignmentsReport) -> dict[str, Any]:
    return {
        "changed": report.changed,
        "skipped": {str(document): why for document, why in report.skipped.items()},
    }


@router.post(
    "/projects/{slug}/assignments",
    response=responses({200: AssignmentsReportOut}, forbidden=True, too_large=True),
)
def create_assignments(
    request: AuthenticatedHttpRequest, slug: Slug, payload: AssignmentsIn
) -> dict[str, Any]:
    """Assign a reviewer to these documents (managers); those not open for assignment, or
    theirs already, are left alone and said why."""
    access = _managing(request, slug)
    report = assignments_create(
        project=access.project,
        document_ids=payload.documents,
        reviewer=_reviewer(access, payload.reviewer),
        actor=request.user,
    )
    return _bulk(report)


@router.post(
    "/projects/{slug}/assignments/delete",
    response=responses({200: AssignmentsReportOut}, forbidden=True, too_large=True),
)
def delete_assignments(
    request: AuthenticatedHttpRequest, slug: Slug, payload: AssignmentsDeleteIn
) -> dict[str, Any]:
    """Unassign a reviewer from these documents where they have not started (no span
    saved, not submitted, not in moderation); the others are left alone and said why."""
    access = _managing(request, slug)
    report = assignments_delete(
        project=access.project,
        document_ids=payload.documents,
        reviewer=_reviewer(access, payload.reviewer),
        actor=request.user,
    )
    return _bulk(report)


def _plan(report: AutoAssignReport) -> list[dict[str, Any]]:
    names = usernames(user_ids=list({reviewer for _, reviewer in report.created}))
    return [
        {"document": document, "reviewer": names.get(reviewer, "")}
        for document, reviewer in report.created
    ]


@router.post(
    "/projects/{slug}/assignments/auto",
    response=responses({200: AutoAssignOut}, forbidden=True, too_large=True),
)
def auto_assign(
    request: AuthenticatedHttpRequest, slug: Slug, payload: AutoAssignIn
) -> dict[str, Any]:
    """Give every open document the project's reviewers-per-document count of reviewers,
    the least loaded first (managers). With ``dry_run`` the answer is the plan and nothing
    is assigned; send that ``plan`` back to apply exactly it (refused, 400, if it went out
    of date); without either, the plan is made and applied at once."""
    access = _managing(request, slug)
    project = access.project
    if payload.dry_run:
        report = assignments_plan(project=project)
        return {"applied": False, "plan": _plan(report), "short": _short(report)}
    if payload.plan is not None:
        users = {pair.reviewer: user_by_username(username=pair.reviewer) for pair in payload.plan}
        ids = {name: user.pk if user is not None else 0 for name, user in users.items()}
        pairs = [(pair.document, ids[pair.reviewer]) for pair in payload.plan]
        report = assignments_apply(project=project, pairs=pairs, actor=request.user)
    else:
        report = assignments_auto(project=project, actor=request.user)
    return {"applied": bool(report.created), "plan": _plan(report), "short": _short(report)}


def _short(report: AutoAssignReport) -> dict[str, int]:
    return {str(document): missing for document, missing in report.short.items()}


# Last of the assignments' paths: {assignment_id} would take the words above (auto, delete).
@router.delete(
    "/projects/{slug}/assignments/{assignment_id}",
    response=responses({204: None}, forbidden=True),
)
def delete_assignment(request: AuthenticatedHttpRequest, slug: Slug, assignment_id: Id) -> Status:
    """Unassign one reviewer from one document; refused (400) once they have started."""
    access = _managing(request, slug)
    assignment = assignment_get(project=access.project, pk=assignment_id)
    if assignment is None:
        raise NoAccess("No such assignment in this project.")
    assignment_delete(assignment=assignment, actor=request.user)
    return Status(204, None)


# --- Layers ---------------------------------------------------------------------------


@router.post(
    "/documents/{document_id}/submit",
    response=responses({200: SubmittedOut}, forbidden=True, too_large=True),
)
def submit_layer(request: AuthenticatedHttpRequest, document_id: Id) -> dict[str, Any]:
    """Submit your own layer of a document (reviewers): it becomes read-only to you, and
    once every assigned reviewer has submitted, the document goes to moderation."""
    access = document_access_by_id(user=request.user, document_id=document_id)
    if not access.is_reviewer:
        raise Forbidden("Only reviewers submit layers.")
    assignment = review_submit(document=access.document, reviewer=request.user)
    return {"document": access.document.pk, "submitted_at": assignment.submitted_at}


@router.post(
    "/documents/{document_id}/assignments/{assignment_id}/reopen",
    response=responses({200: ReopenedLayerOut}, forbidden=True, too_large=True),
)
def reopen_layer(
    request: AuthenticatedHttpRequest, document_id: Id, assignment_id: Id
) -> dict[str, Any]:
    """Give a submitted layer back to its reviewer (moderators and managers). The layer is
    named by its assignment, never by its reviewer (anonymous moderation)."""
    access = document_access_by_id(user=request.user, document_id=document_id)
    access.require(Role.MODERATOR, Role.MANAGER, to="reopen a layer")
    assignment = document_assignment(document=access.document, assignment_id=assignment_id)
    if assignment is None:
        raise NoAccess("No such assignment on this document.")
    try:
        review_reopen(document=access.document, reviewer=assignment.reviewer, actor=request.user)
    except AssignmentError:
        # The service's message names the reviewer; this one names the assignment only.
        raise HttpError(400, f"Assignment {assignment.pk}'s layer is not submitted.") from None
    return {"assignment": assignment.pk, "document": access.document.pk}
