"""HTML pages. Thin: parse the request, ask a selector or service, render."""

from __future__ import annotations

import logging
import re

from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import LoginView
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse

from annotator import selectors
from annotator.forms import DocumentFilterForm, LoginForm
from annotator.models import Document, EvidenceStatus, Project, Role, SourceType

HEX_COLOUR_PATTERN = re.compile(r"^#[0-9a-fA-F]{6}$")
CSS_SAFE_CODE = re.compile(r"^[a-zA-Z0-9_-]+$")

DOCUMENTS_PER_PAGE = 50
logger = logging.getLogger(__name__)


@login_not_required
def favicon(request: HttpRequest) -> HttpResponseRedirect:
    """Browsers ask for /favicon.ico on pages that name no icon (the admin's)."""
    return HttpResponseRedirect(static("annotator/favicon.svg"))


class AnnotatorLoginView(LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True


def _member_project(request: HttpRequest, slug: str) -> Project:
    # Not a member and no such project look the same: a project's existence is not leaked.
    try:
        return selectors.project_for_member(user=request.user, slug=slug)
    except Project.DoesNotExist:
        raise Http404("No such project.") from None


def _member_document(request: HttpRequest, project_slug: str, pk: int) -> Document:
    project = _member_project(request, project_slug)
    try:
        document = selectors.document_for_member(project=project, pk=pk)
    except Document.DoesNotExist:
        raise Http404("No such document.") from None
    document.project = project  # carries the user's role
    return document


def project_list(request: HttpRequest) -> HttpResponse:
    projects = selectors.project_list(user=request.user)
    return render(request, "annotator/project_list.html", {"projects": projects})


def document_list(request: HttpRequest, project_slug: str) -> HttpResponse:
    project = _member_project(request, project_slug)
    form = DocumentFilterForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    paginator = Paginator(selectors.document_list(project=project, query=query), DOCUMENTS_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "annotator/document_list.html",
        {"project": project, "form": form, "query": query, "page": page},
    )


def document_detail(request: HttpRequest, project_slug: str, pk: int) -> HttpResponse:
    document = _member_document(request, project_slug, pk)
    return render(
        request,
        "annotator/document_detail.html",
        {"project": document.project, "document": document},
    )


def document_annotate(request: HttpRequest, project_slug: str, pk: int) -> HttpResponse:
    """The editor: a reviewer tags spans of the document in their own layer."""
    document = _member_document(request, project_slug, pk)
    project = document.project
    if project.role != Role.REVIEWER:
        return render(
            request,
            "annotator/not_a_reviewer.html",
            {"project": project, "document": document},
            status=403,
        )
    categories = list(selectors.category_list(project=project))
    annotations = selectors.annotation_list(document=document, reviewer=request.user)
    return render(
        request,
        "annotator/document_annotate.html",
        {
            "project": project,
            "document": document,
            "categories": categories,
            "editor_data": {
                "documentId": document.pk,
                "csrfToken": get_token(request),
                "textSha256": document.text_sha256,
                "text": document.text,
                "apiBase": reverse("api:api-root"),
                "categories": [
                    {
                        "code": category.code,
                        "name": category.name,
                        "colour": category.colour,
                        "shortcut": category.shortcut,
                    }
                    for category in categories
                ],
                "annotations": annotations,
                "evidenceStatuses": EvidenceStatus.choices,
                "sourceTypes": SourceType.choices,
            },
        },
    )


def category_styles(request: HttpRequest, project_slug: str) -> HttpResponse:
    """The project's category colours as CSS: highlight and swatch rules, from 'self'."""
    project = _member_project(request, project_slug)
    rules = []
    for category in selectors.category_list(project=project):
        if not HEX_COLOUR_PATTERN.match(category.colour) or not CSS_SAFE_CODE.match(category.code):
            continue  # never write a value into CSS that was not checked
        red, green, blue = (int(category.colour[i : i + 2], 16) for i in (1, 3, 5))
        rules.append(
            f"::highlight(cat-{category.code}) {{ background-color: "
            f"rgb({red} {green} {blue} / 0.32); }}\n"
            f".swatch-{category.code} {{ background-color: {category.colour}; }}\n"
        )
    response = HttpResponse("".join(rules), content_type="text/css; charset=utf-8")
    response["Cache-Control"] = "private, max-age=60"
    return response


def document_source(request: HttpRequest, project_slug: str, pk: int) -> FileResponse:
    """The original file, byte for byte, always as a download: it is never rendered here."""
    document = _member_document(request, project_slug, pk)
    if not document.source_file:
        raise Http404("The original file of this document was not kept.")
    try:
        original = document.source_file.open("rb")
    except FileNotFoundError:
        logger.error(
            "original file %s of document %s is missing from storage",
            document.source_file.name,
            document.pk,
        )
        raise Http404("The original file of this document is missing from storage.") from None
    response = FileResponse(
        original,
        as_attachment=True,
        filename=document.source_filename or document.source_file.name.rsplit("/", 1)[-1],
        content_type="application/octet-stream",
    )
    response["X-Content-SHA256"] = document.source_sha256
    return response
