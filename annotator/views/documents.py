"""Pages about documents: a project's list of them, one document with its provenance and
who works on it, its title, its original file and its history."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from annotator.access import (
    AuthenticatedHttpRequest,
    DocumentAccess,
    member_document_access,
    project_access,
    sees_gold,
)
from annotator.forms.base import ActionForm
from annotator.forms.documents import (
    AssignReviewerForm,
    DocumentFilterForm,
    DocumentMetadataForm,
    DocumentTitleForm,
)
from annotator.models import DocumentStatus, Role
from annotator.responses import original_download
from annotator.selectors.document_languages import undetected_document_count
from annotator.selectors.documents import (
    assignment_list,
    imported_layers,
)
from annotator.selectors.documents import (
    document_history as history_of,
)
from annotator.selectors.documents import (
    document_list as documents_of,
)
from annotator.selectors.documents import (
    document_metadata_history as metadata_history_of,
)
from annotator.selectors.projects import project_reviewers
from annotator.selectors.pseudonyms import document_reviewer_labels, history_entries, labels_for
from annotator.services.document_languages import DEFAULT_LIMIT, languages_detect
from annotator.services.document_metadata import (
    document_metadata_edit,
    document_retitle,
    editable_metadata,
)

DOCUMENTS_PER_PAGE = 50
HISTORY_PER_PAGE = 100
logger = logging.getLogger(__name__)


def document_list(request: AuthenticatedHttpRequest, project_slug: str) -> HttpResponse:
    access = project_access(user=request.user, slug=project_slug)
    project = access.project
    form = DocumentFilterForm(request.GET or None)
    valid = form.is_valid()
    query = form.cleaned_data["q"] if valid else ""
    status = form.cleaned_data["status"] if valid else ""
    documents = documents_of(access=access, query=query, status=status)
    page = Paginator(documents, DOCUMENTS_PER_PAGE).get_page(request.GET.get("page"))
    # Which rows may show their gold count: a set, not an attribute bolted onto the rows.
    gold_shown = {
        document.pk
        for document in page.object_list
        if sees_gold(
            access,
            status=document.status,
            submitted_at=getattr(document, "my_submitted_at", None) if access.is_reviewer else None,
        )
    }
    filters = urlencode({key: value for key, value in (("q", query), ("status", status)) if value})
    context: dict[str, Any] = {
        "project": project,
        "access": access,
        "form": form,
        "query": query,
        "filters": filters,
        "page": page,
        "gold_shown": gold_shown,
    }
    if access.is_manager:
        undetected = undetected_document_count(project=project)
        if undetected:
            context["languages_form"] = ActionForm(
                label=f"Detect the language of {undetected} "
                f"document{' that declares' if undetected == 1 else 's that declare'} none",
                style="btn-sm btn-outline-secondary",
                action=reverse("document_languages_detect", kwargs={"project_slug": project.slug}),
            )
            context["languages_batch"] = f"{DEFAULT_LIMIT:,}"
    return render(request, "annotator/document_list.html", context)


@require_POST
def document_languages_detect(request: AuthenticatedHttpRequest, project_slug: str) -> HttpResponse:
    """Detect the language of the next batch of documents that declare none (managers): a
    corpus's documents are not detected at import, which must stay fast."""
    access = project_access(user=request.user, slug=project_slug)
    access.require(Role.MANAGER, to="detect the documents' languages")
    result = languages_detect(project=access.project, actor=request.user)
    messages.success(request, result.summary())
    return redirect("document_list", project_slug=project_slug)


def document_detail(request: AuthenticatedHttpRequest, project_slug: str, pk: int) -> HttpResponse:
    access = member_document_access(user=request.user, project_slug=project_slug, pk=pk)
    context: dict[str, Any] = {
        "project": access.project,
        "document": access.document,
        "access": access,
        "metadata_fields": editable_metadata(access.document.metadata),
    }
    if access.moderates:
        context.update(_work_on(access))
    return render(request, "annotator/document_detail.html", context)


def _work_on(access: DocumentAccess) -> dict[str, Any]:
    """Who works on the document and what can be done about it: for moderators and
    managers only (blind annotation: reviewers never learn who else is assigned)."""
    project, document = access.project, access.document
    kwargs = {"project_slug": project.slug, "pk": document.pk}
    assignments = list(assignment_list(document=document))
    labels = labels_for(access, assignments=assignments)
    context: dict[str, Any] = {
        "imported_layers": imported_layers(document=document),
        "show_assignments": True,
        # The Reopen button names the assignment, never the reviewer's user id.
        "assignments": [
            (
                assignment,
                labels.shown(assignment.reviewer_id),
                ActionForm(
                    label="Reopen",
                    style="btn-sm btn-outline-secondary",
                    action=reverse(
                        "assignment_reopen", kwargs={**kwargs, "assignment_id": assignment.pk}
                    ),
                )
                if assignment.submitted
                else None,
            )
            for assignment in assignments
        ],
    }
    submitted = sum(1 for assignment in assignments if assignment.submitted)
    if submitted >= 2 and document.status not in (
        DocumentStatus.IN_MODERATION,
        DocumentStatus.RECONCILED,
    ):
        context["moderation_form"] = ActionForm(
            label=f"Start moderation ({submitted} layers submitted)",
            action=reverse("moderation_begin", kwargs=kwargs),
        )
    if access.is_manager:
        assigned = {assignment.reviewer_id for assignment in assignments}
        context["assign_reviewer_form"] = AssignReviewerForm(
            reviewers=project_reviewers(project=project).exclude(pk__in=assigned),
            action=reverse("document_assign", kwargs=kwargs),
        )
        context["title_form"] = DocumentTitleForm(
            initial={"title": document.title}, action=reverse("document_title", kwargs=kwargs)
        )
        context["metadata_form"] = _metadata_form(access, data=None)
        context["metadata_history"] = _metadata_history(access)
    return context


def _metadata_form(access: DocumentAccess, *, data: Any) -> DocumentMetadataForm:
    document = access.document
    kwargs = {"project_slug": access.project.slug, "pk": document.pk}
    return DocumentMetadataForm(
        data,
        initial={
            "publisher": document.publisher,
            "source_url": document.source_url,
            "published_on": document.published_on,
            "language": document.language,
            "direction": document.direction,
            "fields_text": DocumentMetadataForm.fields_as_text(
                editable_metadata(document.metadata)
            ),
        },
        action=reverse("document_metadata", kwargs=kwargs),
    )


def _metadata_history(access: DocumentAccess) -> list[dict[str, Any]]:
    """How the document's title and description were set and corrected: each change, its
    field, what it was and became, who and when."""
    entries = []
    for event in metadata_history_of(document=access.document):
        before, after = event.before or {}, event.after or {}
        changed: list[tuple[str, Any, Any]] = []
        for name in dict.fromkeys([*before, *after]):
            was, became = before.get(name), after.get(name)
            if name == "title_source" or was == became:
                continue
            if name == "metadata" and isinstance(was, dict) and isinstance(became, dict):
                changed += [
                    (key, was.get(key), became.get(key))
                    for key in dict.fromkeys([*was, *became])
                    if key != "title_source" and was.get(key) != became.get(key)
                ]
            else:
                changed.append((name, was, became))
        entries.append({"event": event, "changes": changed})
    return entries


@require_POST
def document_metadata(
    request: AuthenticatedHttpRequest, project_slug: str, pk: int
) -> HttpResponse:
    """Correct the document's description (managers): publisher, source URL, publication
    date, language, direction and free fields; the audit log keeps what each was."""
    access = member_document_access(user=request.user, project_slug=project_slug, pk=pk)
    access.require(Role.MANAGER, to="change a document's description")
    document = access.document
    form = _metadata_form(access, data=request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            document_metadata_edit(
                document=document,
                actor=request.user,
                changes={name: data[name] for name in METADATA_FORM_FIELDS},
                free_fields=data["fields_text"],
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
    if form.errors:
        reason = " ".join(str(message) for errors in form.errors.values() for message in errors)
        messages.error(request, f"The description was not changed: {reason}")
    else:
        messages.success(request, "Saved the document's description.")
    return redirect(document.get_absolute_url())


# The fields of the description form that are document fields (the rest are free fields).
METADATA_FORM_FIELDS = ("publisher", "source_url", "published_on", "language", "direction")


@require_POST
def document_title(request: AuthenticatedHttpRequest, project_slug: str, pk: int) -> HttpResponse:
    """Correct the document's title (managers); the audit log keeps the old one."""
    access = member_document_access(user=request.user, project_slug=project_slug, pk=pk)
    access.require(Role.MANAGER, to="change a document's title")
    document = access.document
    form = DocumentTitleForm(request.POST, action="")
    if form.is_valid():
        try:
            document_retitle(
                document=document, title=form.cleaned_data["title"], actor=request.user
            )
        except ValidationError as error:
            form.add_error(None, error)
    if form.errors:
        reason = " ".join(str(message) for errors in form.errors.values() for message in errors)
        messages.error(request, f"The title was not changed: {reason[:1].lower()}{reason[1:]}")
    else:
        messages.success(request, f"Changed the title to “{document.title}”.")
    return redirect(document.get_absolute_url())


def document_history(request: AuthenticatedHttpRequest, project_slug: str, pk: int) -> HttpResponse:
    """Who imported, changed, submitted and reconciled what (moderators and managers)."""
    access = member_document_access(user=request.user, project_slug=project_slug, pk=pk)
    access.require(Role.MODERATOR, Role.MANAGER, to="read a document's history")
    page = Paginator(history_of(document=access.document), HISTORY_PER_PAGE).get_page(
        request.GET.get("page")
    )
    labels = document_reviewer_labels(access, document_id=access.document.pk)
    return render(
        request,
        "annotator/document_history.html",
        {
            "project": access.project,
            "document": access.document,
            "page": page,
            "entries": history_entries(page.object_list, labels=labels),
        },
    )


def document_source(request: AuthenticatedHttpRequest, project_slug: str, pk: int) -> FileResponse:
    """The original file, byte for byte, always as a download: it is never rendered here."""
    document = member_document_access(user=request.user, project_slug=project_slug, pk=pk).document
    return original_download(document)
