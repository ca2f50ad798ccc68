"""API: documents, their canonical text and hashes."""

from __future__ import annotations

from typing import Any

from ninja import Router

from annotator.access import AuthenticatedHttpRequest, document_access_by_id
from annotator.api.schemas import DocumentOut, Id, responses

router = Router(tags=["documents"])


@router.get("/documents/{document_id}", response=responses({200: DocumentOut}))
def get_document(request: AuthenticatedHttpRequest, document_id: Id) -> dict[str, Any]:
    """A document's canonical text, its hashes and what offsets into it mean."""
    access = document_access_by_id(user=request.user, document_id=document_id, with_text=True)
    document = access.document
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
    }
