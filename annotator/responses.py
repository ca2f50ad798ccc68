"""HTTP responses the pages and the API share."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.http import FileResponse, Http404, StreamingHttpResponse

from annotator.models import Document

logger = logging.getLogger("annotator.views.documents")


def streamed_download(
    chunks: Iterable[bytes | str], *, content_type: str, filename: str
) -> StreamingHttpResponse:
    """A file made as it is sent, as an attachment the browser saves and never renders."""
    response = StreamingHttpResponse(chunks, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def original_download(document: Document) -> FileResponse:
    """A document's original file, byte for byte, always as an attachment (never rendered),
    with its SHA-256 in ``X-Content-SHA256``; Http404 when it was not kept or is missing
    from storage (logged: that should never happen)."""
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
        filename=document.source_filename or (document.source_file.name or "").rsplit("/", 1)[-1],
        content_type="application/octet-stream",
    )
    response["X-Content-SHA256"] = document.source_sha256
    response["X-Content-Type-Options"] = "nosniff"
    return response
