"""HTTP responses the pages and the API share."""

from __future__ import annotations

from collections.abc import Iterable

from django.http import StreamingHttpResponse


def streamed_download(
    chunks: Iterable[bytes | str], *, content_type: str, filename: str
) -> StreamingHttpResponse:
    """A file made as it is sent, as an attachment the browser saves and never renders."""
    response = StreamingHttpResponse(chunks, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
