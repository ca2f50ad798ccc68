"""Pages of the review workflow: who annotates what, the reviewer's next document, and
submitting and reopening a layer."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from annotator.access import (
    AuthenticatedHttpRequest,
    NoAccess,
    member_document_access,
    project_access,
)
from annotator.forms import AssignReviewerForm
from annotator.models import Role
from annotator.selectors.documents import document_assignment
from annotator.selectors.documents import next_document as next_of
from annotator.selectors.projects import project_reviewers
from annotator.selectors.pseudonyms import document_reviewer_labels
from annotator.services.assignments import (
    AssignmentError,
    assignment_create,
    assignments_auto,
    review_reopen,
    review_submit,
)


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
