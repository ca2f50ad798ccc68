"""Pages of the review workflow: who annotates what, the reviewer's next document, and
submitting and reopening a layer."""

from __future__ import annotations

from collections import Counter
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from annotator.access import (
    AuthenticatedHttpRequest,
    NoAccess,
    member_document_access,
    project_access,
)
from annotator.charts import stacked_columns
from annotator.forms.documents import AssignReviewerForm, DocumentFilterForm
from annotator.forms.projects import AssignmentBulkForm, PlanForm
from annotator.models import DocumentStatus, Role
from annotator.selectors.assignments import (
    STAGES,
    assignment_get,
    progress_cells,
    project_documents_by_status,
    reviewer_progress,
    status_history,
)
from annotator.selectors.documents import document_assignment, document_titles
from annotator.selectors.documents import document_list as documents_of
from annotator.selectors.documents import next_document as next_of
from annotator.selectors.projects import project_reviewers, usernames
from annotator.selectors.pseudonyms import document_reviewer_labels
from annotator.services.assignment_plans import (
    assignments_apply,
    assignments_auto,
    assignments_plan,
)
from annotator.services.assignments import (
    AssignmentError,
    assignment_create,
    assignment_delete,
    assignments_create,
    assignments_delete,
    review_reopen,
    review_submit,
)
from annotator.views.settings import manager_access


@require_POST
def project_assign(request: AuthenticatedHttpRequest, project_slug: str) -> HttpResponse:
    """Give every document its reviewers-per-document count of reviewers (managers)."""
    access = project_access(user=request.user, slug=project_slug)
    access.require(Role.MANAGER, to="assign reviewers")
    report = assignments_auto(project=access.project, actor=request.user)
    level = messages.WARNING if report.short else messages.SUCCESS
    messages.add_message(request, level, report.summary().capitalize() + ".")
    return redirect("document_list", project_slug=project_slug)


def next_document(request: AuthenticatedHttpRequest, project_slug: str) -> HttpResponse:
    """The reviewer's next assigned document that they have not submitted yet."""
    access = project_access(user=request.user, slug=project_slug)
    access.require(Role.REVIEWER, to="annotate")
    document = next_of(project=access.project, user=request.user)
    if document is None:
        messages.info(request, "You have submitted every document assigned to you.")
        return redirect("document_list", project_slug=project_slug)
    return redirect("document_annotate", project_slug=project_slug, pk=document.pk)


@require_POST
def document_submit(request: AuthenticatedHttpRequest, project_slug: str, pk: int) -> HttpResponse:
    """The reviewer is done with this document; their layer becomes read-only to them."""
    access = member_document_access(user=request.user, project_slug=project_slug, pk=pk)
    access.require(Role.REVIEWER, to="submit a layer")
    try:
        review_submit(document=access.document, reviewer=request.user)
    except AssignmentError as error:
        messages.error(request, str(error))
        return redirect("document_annotate", project_slug=project_slug, pk=pk)
    messages.success(request, f"Submitted “{access.document.title}”.")
    return redirect("next_document", project_slug=project_slug)


@require_POST
def document_assign(request: AuthenticatedHttpRequest, project_slug: str, pk: int) -> HttpResponse:
    """Assign one reviewer to this document by hand (managers)."""
    access = member_document_access(user=request.user, project_slug=project_slug, pk=pk)
    access.require(Role.MANAGER, to="assign reviewers")
    document = access.document
    form = AssignReviewerForm(
        request.POST, reviewers=project_reviewers(project=access.project), action=""
    )
    if not form.is_valid():
        messages.error(request, "Choose one of the project's reviewers.")
    else:
        try:
            assignment_create(
                document=document, reviewer=form.cleaned_data["reviewer"], actor=request.user
            )
            messages.success(request, f"Assigned {form.cleaned_data['reviewer']}.")
        except AssignmentError as error:
            messages.error(request, str(error))
    return redirect(document.get_absolute_url())


@require_POST
def assignment_reopen(
    request: AuthenticatedHttpRequest, project_slug: str, pk: int, assignment_id: int
) -> HttpResponse:
    """Give a submitted layer back to its reviewer (moderators and managers).

    The URL names the assignment, never the reviewer: a user id in a URL would tell a
    moderator of an anonymously moderated project who the reviewer is.
    """
    access = member_document_access(user=request.user, project_slug=project_slug, pk=pk)
    access.require(Role.MODERATOR, Role.MANAGER, to="reopen a layer")
    assignment = document_assignment(document=access.document, assignment_id=assignment_id)
    if assignment is None:
        raise NoAccess("No such assignment on this document.")
    reviewer = document_reviewer_labels(access, document_id=access.document.pk).shown(
        assignment.reviewer_id
    )
    try:
        review_reopen(document=access.document, reviewer=assignment.reviewer, actor=request.user)
        messages.success(request, f"Reopened the layer of {reviewer}.")
    except AssignmentError:
        # The service's message names the reviewer by user name; this one as the page does.
        messages.error(request, f"The layer of {reviewer} is not submitted: nothing to reopen.")
    return redirect(access.document.get_absolute_url())


# --- The assignments page, automatic assignment with its plan, progress ------------------

ASSIGNMENT_DOCUMENTS_PER_PAGE = 50
PLAN_ROWS_SHOWN = 300


def _grid_filters(request: AuthenticatedHttpRequest) -> tuple[DocumentFilterForm, str, str]:
    form = DocumentFilterForm(request.GET or None)
    valid = form.is_valid()
    query = form.cleaned_data["q"] if valid else ""
    status = form.cleaned_data["status"] if valid else ""
    return form, query, status


@require_http_methods(["GET", "POST"])
def project_assignments(request: AuthenticatedHttpRequest, project_slug: str) -> HttpResponse:
    """Documents × reviewers: who is assigned, in progress (spans, not submitted) or has
    submitted; assign or unassign one reviewer on the documents ticked or on every document
    of the filter."""
    access = manager_access(request, project_slug, to="assign reviewers")
    project = access.project
    if request.method == "POST":
        return _bulk(request, access)
    filter_form, query, status = _grid_filters(request)
    documents = documents_of(access=access, query=query, status=status)
    page = Paginator(documents, ASSIGNMENT_DOCUMENTS_PER_PAGE).get_page(request.GET.get("page"))
    reviewers = list(reviewer_progress(project=project))
    document_ids = [document.pk for document in page.object_list]
    cells = progress_cells(
        document_ids=document_ids, reviewer_ids=[reviewer.pk for reviewer in reviewers]
    )
    rows = [
        (document, [(reviewer, cells.get((document.pk, reviewer.pk))) for reviewer in reviewers])
        for document in page.object_list
    ]
    filters = urlencode({key: value for key, value in (("q", query), ("status", status)) if value})
    bulk_form = AssignmentBulkForm(
        initial={"q": query, "status": status},
        reviewers=project_reviewers(project=project),
        document_ids=document_ids,
    )
    return render(
        request,
        "annotator/project_assignments.html",
        {
            "project": project,
            "access": access,
            "section": "assignments",
            "filter_form": filter_form,
            "query": query,
            "status": status,
            "filters": filters,
            "page": page,
            "reviewers": reviewers,
            "rows": rows,
            "bulk_form": bulk_form,
        },
    )


def _bulk(request: AuthenticatedHttpRequest, access: Any) -> HttpResponse:
    project = access.project
    posted = request.POST.getlist("documents")
    form = AssignmentBulkForm(
        request.POST,
        reviewers=project_reviewers(project=project),
        document_ids=[int(pk) for pk in posted if pk.isdecimal() and len(pk) < 19],
    )
    back = reverse("project_assignments", kwargs={"project_slug": project.slug})
    if not form.is_valid():
        reasons = " ".join(str(error) for errors in form.errors.values() for error in errors)
        messages.error(request, f"Nothing was changed: {reasons}")
        return redirect(back)
    data = form.cleaned_data
    if data["scope"] == "filtered":
        document_ids = list(
            documents_of(access=access, query=data["q"], status=data["status"]).values_list(
                "pk", flat=True
            )
        )
    else:
        document_ids = data["documents"]
    reviewer = data["reviewer"]
    try:
        if data["operation"] == "assign":
            report = assignments_create(
                project=project, document_ids=document_ids, reviewer=reviewer, actor=request.user
            )
            summary = report.summary(f"Assigned {reviewer} to")
        else:
            report = assignments_delete(
                project=project, document_ids=document_ids, reviewer=reviewer, actor=request.user
            )
            summary = report.summary(f"Unassigned {reviewer} from")
    except AssignmentError as error:
        messages.error(request, str(error))
    else:
        level = messages.WARNING if report.skipped else messages.SUCCESS
        messages.add_message(request, level, summary + ".")
    filters = urlencode(
        {key: data[key] for key in ("q", "status") if data[key]},
    )
    return redirect(f"{back}?{filters}" if filters else back)


@require_POST
def assignment_unassign(
    request: AuthenticatedHttpRequest, project_slug: str, pk: int
) -> HttpResponse:
    """Unassign one reviewer from one document, if they have not started there."""
    access = manager_access(request, project_slug, to="assign reviewers")
    assignment = assignment_get(project=access.project, pk=pk)
    if assignment is None:
        raise NoAccess("No such assignment in this project.")
    try:
        assignment_delete(assignment=assignment, actor=request.user)
    except AssignmentError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, f"Unassigned {assignment.reviewer} from “{assignment.document.title}”."
        )
    back = request.POST.get("next", "")
    if back.startswith("/") and not back.startswith("//"):
        return redirect(back)
    return redirect("project_assignments", project_slug=project_slug)


@require_http_methods(["GET", "POST"])
def assignments_auto_plan(request: AuthenticatedHttpRequest, project_slug: str) -> HttpResponse:
    """Automatic assignment: the plan first (a dry run), then exactly that plan, applied
    with its button; a plan that went out of date meanwhile is refused and shown anew."""
    access = manager_access(request, project_slug, to="assign reviewers")
    project = access.project
    if request.method == "POST":
        form = PlanForm(request.POST)
        if not form.is_valid():
            messages.error(request, "The plan did not come through; here it is again.")
        else:
            try:
                report = assignments_apply(project=project, pairs=form.pairs(), actor=request.user)
            except AssignmentError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, report.summary().capitalize() + ".")
                return redirect("project_assignments", project_slug=project_slug)
    report = assignments_plan(project=project)
    titles = document_titles(document_ids=[document_id for document_id, _ in report.created])
    names = usernames(user_ids=list({reviewer_id for _, reviewer_id in report.created}))
    per_reviewer = Counter(names.get(reviewer_id, "?") for _, reviewer_id in report.created)
    rows = [
        (document_id, titles.get(document_id, ""), names.get(reviewer_id, "?"))
        for document_id, reviewer_id in report.created[:PLAN_ROWS_SHOWN]
    ]
    plan = ",".join(f"{document_id}:{reviewer_id}" for document_id, reviewer_id in report.created)
    return render(
        request,
        "annotator/assignments_plan.html",
        {
            "project": project,
            "access": access,
            "section": "assignments",
            "report": report,
            "rows": rows,
            "more": max(0, len(report.created) - PLAN_ROWS_SHOWN),
            "per_reviewer": sorted(per_reviewer.items()),
            "short_titles": [
                (titles.get(document_id) or f"document {document_id}", missing)
                for document_id, missing in list(report.short.items())[:PLAN_ROWS_SHOWN]
            ],
            "plan_form": PlanForm(initial={"plan": plan}) if plan else None,
        },
    )


def project_progress(request: AuthenticatedHttpRequest, project_slug: str) -> HttpResponse:
    """How far the project is: per reviewer (documents done, spans, last activity), and
    the documents by status now and over time (an SVG chart and the same numbers)."""
    access = manager_access(request, project_slug, to="follow the project's progress")
    project = access.project
    history = status_history(project=project)
    return render(
        request,
        "annotator/project_progress.html",
        {
            "project": project,
            "access": access,
            "section": "progress",
            "reviewers": list(reviewer_progress(project=project)),
            "by_status": [
                (label, count)
                for (value, label), count in zip(
                    DocumentStatus.choices,
                    project_documents_by_status(project=project).values(),
                    strict=True,
                )
            ],
            "stages": [label for _, label in STAGES],
            "history": history,
            "chart": stacked_columns(
                [(point.day.isoformat(), point.counts) for point in history],
                series=[label for _, label in STAGES],
            ),
        },
    )
