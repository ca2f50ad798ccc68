"""HTML files (being written)."""

from __future__ import annotations

from annotator.extractors.base import Extraction, ExtractionError


def extract_html(data: bytes) -> Extraction:
    raise ExtractionError("HTML import is not available yet.")
