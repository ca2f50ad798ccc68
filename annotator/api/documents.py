"""API: documents: a project's list of them, one document's canonical text, hashes and
description, corrections of that description, and its original file."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import FileResponse
from ninja import Query, Router

from annotator.access import (
    AuthenticatedHttpRequest,
    DocumentAccess,
    document_access_by_id,
    project_access,
)
from annotator.api.importing import router as importing_router
from annotator.api.schemas.base import Id, Slug, responses
from annotator.api.schemas.documents import (
    DocumentOut,
    DocumentPageOut,
    DocumentPatch,
    DocumentsQuery,
)
from annotator.models import Document, Role
from annotator.responses import original_download
from annotator.selectors.documents import document_summaries
from annotator.services.document_metadata import document_metadata_edit, editable_metadata

router = Router(tags=["documents"])


def _document(access: DocumentAccess, document: Document) -> dict[str, Any]:
    return {
        "id": document.pk,
        "project": access.project.slug,
        "title": document.title,
        "text": document.text,
        "text_sha256": document.text_sha256,
        "text_length": document.text_length,
        "language": document.language,
        "direction": document.direction,
        "source_sha256": document.source_sha256,
        "status": document.status,
        "publisher": document.publisher,
        "source_url": document.source_url,
        "published_on": document.published_on,
        "source_filename": document.source_filename,
        "content_type": document.content_type,
        "imported_at": document.imported_at,
        "metadata": editable_metadata(document.metadata),
    }


# One path, two methods: GET lists a project's documents, POST (``api.importing``) imports
# them. django-ninja serves a path from one router only, so both are on the importer's.
@importing_router.get("/projects/{slug}/documents", response=responses({200: DocumentPageOut}))
def list_documents(
    request: AuthenticatedHttpRequest, slug: Slug, query: Query[DocumentsQuery]
) -> dict[str, Any]:
    """The documents you may see (a reviewer: those assigned to them), in import order,
    filtered by ``q`` (title or text) and ``status``, a page at a time."""
    access = project_access(user=request.user, slug=slug)
    rows = document_summaries(access=access, query=query.q, status=query.status)
    page = Paginator(rows, query.page_size).get_page(query.page)
    return {
        "count": page.paginator.count,
        "page": page.number,
        "pages": page.paginator.num_pages,
        "results": [
            {
                "id": row["id"],
                "title": row["title"],
                "status": row["status"],
                "language": row["language"],
                "direction": row["direction"],
                "text_length": row["text_length"],
                "imported_at": row["imported_at"],
                "assigned": row.get("assigned_count"),
                "submitted": row.get("submitted_count"),
            }
            for row in page.object_list
        ],
    }


@router.get("/documents/{document_id}", response=responses({200: DocumentOut}))
def get_document(request: AuthenticatedHttpRequest, document_id: Id) -> dict[str, Any]:
    """A document's canonical text, its hashes, its description and what offsets into it
    mean."""
    access = document_access_by_id(user=request.user, document_id=document_id, with_text=True)
    return _document(access, access.document)


@router.patch(
    "/documents/{document_id}",
    response=responses({200: DocumentOut}, forbidden=True, too_large=True),
)
def change_document(
    request: AuthenticatedHttpRequest, document_id: Id, payload: DocumentPatch
) -> dict[str, Any]:
    """Correct a document's title and description (managers): publisher, source URL,
    publication date, language, direction, and its free ``metadata`` fields (which the
    given ones replace). Each change is in the audit log with what it was; the text, the
    original file and their hashes never change."""
    access = document_access_by_id(user=request.user, document_id=document_id, with_text=True)
    access.require(Role.MANAGER, to="change a document's description")
    given = payload.dict(exclude_unset=True)
    title = given.pop("title", None)
    free = given.pop("metadata", None)
    changes = {name: value for name, value in given.items() if value is not None}
    document_metadata_edit(
        document=access.document, actor=request.user, title=title, changes=changes, free_fields=free
    )
    return _document(access, access.document)


@router.get("/documents/{document_id}/original", response=responses({200: None}))
def get_original(request: AuthenticatedHttpRequest, document_id: Id) -> FileResponse:
    """The original file, byte for byte, as imported (its SHA-256 in the header
    ``X-Content-SHA256`` and in the document's ``source_sha256``)."""
    access = document_access_by_id(user=request.user, document_id=document_id)
    return original_download(access.document)
