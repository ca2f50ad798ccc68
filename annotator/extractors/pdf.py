"""PDF files (being written)."""

from __future__ import annotations

from annotator.extractors.base import Extraction, ExtractionError


def extract_pdf(data: bytes) -> Extraction:
    raise ExtractionError("PDF import is not available yet.")
