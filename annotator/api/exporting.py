"""API: exporting a project's corpus, and what an export would hold."""

from __future__ import annotations

from typing import Any

from django.http.response import HttpResponseBase
from ninja import Query, Router
from ninja.errors import HttpError

from annotator.access import AuthenticatedHttpRequest, Forbidden, ProjectAccess, project_access
from annotator.api.schemas.base import Slug, responses
from annotator.api.schemas.exporting import ExportQuery, ExportSummaryOut
from annotator.responses import streamed_download
from annotator.services.exporting import ExportError, ExportOptions, export_start, export_summary

router = Router(tags=["export"])


def _export_request(
    request: AuthenticatedHttpRequest, slug: str, query: ExportQuery
) -> tuple[ProjectAccess, ExportOptions]:
    """The user's access to the project (if they may export it) and the options asked for."""
    access = project_access(user=request.user, slug=slug)
    if not access.moderates:
        raise Forbidden("Only the project's managers and moderators export the corpus.")
    return access, ExportOptions.from_values(query.dict())


@router.get(
    "/projects/{slug}/export",
    response=responses({200: None}, forbidden=True),
)
def export_corpus(
    request: AuthenticatedHttpRequest, slug: Slug, query: Query[ExportQuery]
) -> HttpResponseBase:
    """The project's corpus in ``format`` (jsonl, csv, w3c, brat, conll, spacy, huridocs), streamed.

    ``layer`` is gold, reviewers (every submitted reviewer's layer) or all. Reviewers appear as
    "Reviewer 1", "Reviewer 2"… and moderators as "Moderator 1"… unless a manager asks for
    ``names``. ``bundle`` gives a ZIP with the taxonomy and a manifest of SHA-256 hashes.
    ``/export/summary`` with the same parameters says first what the file will hold.
    Managers and moderators only.
    """
    access, options = _export_request(request, slug, query)
    try:
        export = export_start(
            project=access.project, options=options, actor=request.user, role=access.role
        )
    except ExportError as error:
        raise HttpError(400, str(error)) from None
    return streamed_download(
        export.chunks, content_type=export.content_type, filename=export.filename
    )


@router.get(
    "/projects/{slug}/export/summary",
    response=responses({200: ExportSummaryOut}, forbidden=True),
)
def export_corpus_summary(
    request: AuthenticatedHttpRequest, slug: Slug, query: Query[ExportQuery]
) -> dict[str, Any]:
    """What ``/export`` with the same parameters would hold, without the file: a dry run
    through the same writers, so the numbers are exactly the file's (CoNLL's overlapping
    spans dropped, spaCy's entities, brat's fragments…). It takes as long as the export and
    is not in the audit log. Managers and moderators only.
    """
    access, options = _export_request(request, slug, query)
    try:
        summary = export_summary(project=access.project, options=options, role=access.role)
    except ExportError as error:
        raise HttpError(400, str(error)) from None
    return summary.as_dict()
