"""What every extractor returns, and the error it raises."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class ExtractionError(ValueError):
    """The file cannot be turned into text; the message says why, for the person importing."""


@dataclass(frozen=True)
class Extraction:
    """The raw text of a file and how it was obtained.

    ``page_starts`` (paged formats such as PDF) holds, for each page in order, the offset in
    ``text`` (code points) where that page's text begins; each must be 0 or follow a ``"\n"``,
    so that canonicalisation maps it exactly. Empty for formats without pages.

    ``metadata`` may hold, besides a document's fields (``title``, ``language`` …):
    ``notes``, a PDF's footnotes linked to their references, each ``{"number", "page",
    "reference": [start, end] | None, "note": [start, end] | None}`` with offsets into
    ``text`` like ``page_starts`` (the importer maps both to the canonical text);
    ``language_detected`` (``{"code", "confidence"}``) when the language was detected rather
    than declared; a PDF's ``pdf_created`` and ``pdf_modified`` (the file's own dates) and
    ``figures`` (the chart labels left out of the text).
    """

    text: str
    extractor: str
    extractor_version: str
    content_type: str
    steps: tuple[str, ...] = ()
    metadata: dict[str, Any] = field(default_factory=dict)
    page_starts: tuple[int, ...] = ()
