"""API: importing documents into a project."""

from __future__ import annotations

from typing import Any, Literal

from django.urls import reverse
from ninja import File, Form, Router, UploadedFile
from ninja.errors import HttpError

from annotator.access import AuthenticatedHttpRequest, Forbidden, project_access
from annotator.api.schemas.base import Slug, responses
from annotator.api.schemas.importing import ImportReportOut
from annotator.models import ImportVia
from annotator.services.importing import documents_import, uploaded_sources

router = Router(tags=["documents"])


@router.post(
    "/projects/{slug}/documents",
    response=responses({200: ImportReportOut}, forbidden=True, too_large=True),
)
def import_documents(
    request: AuthenticatedHttpRequest,
    slug: Slug,
    # Optional as django-ninja reads it: its File marker must stay the outermost type.
    files: File[list[UploadedFile]] = None,  # type: ignore[assignment]
    load_taxonomy: Form[bool] = False,
    offsets: Form[Literal["", "code-points", "utf-16"]] = "",
) -> dict[str, Any]:
    """Import files (multipart field ``files``, one or many) into a project; managers only.

    Text, Markdown, HTML, PDF, DOCX, and corpora with their spans (each file's in imported
    layers of their own): JSONL (doccano's or this product's spans), Label Studio JSON and
    JSON-MIN, W3C Web Annotation (onto documents already in the project when the file does
    not hold their text), brat (``.txt`` with its ``.ann``, sent together), CoNLL / IOB,
    WebAnno TSV 3 and UIMA XMI (with its ``TypeSystem.xml``); ZIP archives of these, and this
    product's JSONL export bundles (verified against their manifest; a bundle that does not
    verify is refused). ``offsets`` says what the offsets of spans without a quote count
    (doccano's): ``utf-16`` (its editor's, the default for doccano) or ``code-points``; a
    span with a quote is placed by it. A text already in the project is not imported again,
    but the spans that came with it are added to that document. Each file
    is imported on its own: the report says for every file (archive member, corpus line)
    whether it was imported, was a duplicate of a text already in the project, or failed,
    and why; a bundle's manifest and taxonomy are notes. With the multipart field
    ``load_taxonomy`` true, the categories of a bundle's taxonomy that the project lacks are
    created first (existing ones are never changed). The status is 200 even when some files
    failed; 400 only when no file was sent. The report is kept as an import run (``run``):
    ``report_url`` is its page, which also shows what an import cut short had committed.
    """
    access = project_access(user=request.user, slug=slug)
    if not access.is_manager:
        raise Forbidden("Only the project's managers import documents.")
    if not files:
        raise HttpError(400, 'Send the files to import as the multipart field "files".')
    report = documents_import(
        project=access.project,
        sources=uploaded_sources(files, offset_unit=offsets),
        imported_by=request.user,
        load_taxonomy=load_taxonomy,
        via=ImportVia.API,
    )
    report_path = reverse(
        "document_import_report",
        kwargs={"project_slug": access.project.slug, "token": report.run_id},
    )
    return {
        "run": report.run_id,
        "report_url": request.build_absolute_uri(report_path),
        "imported": report.imported,
        "duplicates": report.duplicates,
        "failed": report.failed,
        "notes": report.notes,
        "results": [
            {
                "name": result.name,
                "outcome": str(result.outcome),
                "reason": result.reason,
                "document": result.document_id,
                "spans": result.spans,
            }
            for result in report.results
        ],
    }
