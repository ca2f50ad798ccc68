"""API: importing documents into a project."""

from __future__ import annotations

from typing import Any

from ninja import File, Form, Router, UploadedFile
from ninja.errors import HttpError

from annotator.access import AuthenticatedHttpRequest, Forbidden, project_access
from annotator.api.schemas import ErrorOut, ImportReportOut
from annotator.services.importing import documents_import, uploaded_sources

router = Router(tags=["documents"])


@router.post(
    "/projects/{slug}/documents",
    response={200: ImportReportOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
)
def import_documents(
    request: AuthenticatedHttpRequest,
    slug: str,
    # Optional as django-ninja reads it: its File marker must stay the outermost type.
    files: File[list[UploadedFile]] = None,  # type: ignore[assignment]
    load_taxonomy: Form[bool] = False,
) -> dict[str, Any]:
    """Import files (multipart field ``files``, one or many) into a project; managers only.

    Text, Markdown, HTML, PDF, DOCX, JSONL corpora (one document a line, with doccano's or
    this product's spans), ZIP archives of these, and this product's JSONL export bundles
    (verified against their manifest; a bundle that does not verify is refused). Each file
    is imported on its own: the report says for every file (archive member, corpus line)
    whether it was imported, was a duplicate of a text already in the project, or failed,
    and why; a bundle's manifest and taxonomy are notes. With the multipart field
    ``load_taxonomy`` true, the categories of a bundle's taxonomy that the project lacks are
    created first (existing ones are never changed). The status is 200 even when some files
    failed; 400 only when no file was sent.
    """
    access = project_access(user=request.user, slug=slug)
    if not access.is_manager:
        raise Forbidden("Only the project's managers import documents.")
    if not files:
        raise HttpError(400, 'Send the files to import as the multipart field "files".')
    report = documents_import(
        project=access.project,
        sources=uploaded_sources(files),
        imported_by=request.user,
        load_taxonomy=load_taxonomy,
    )
    return {
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
