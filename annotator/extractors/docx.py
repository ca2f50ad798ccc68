"""DOCX files (being written)."""

from __future__ import annotations

from annotator.extractors.base import Extraction, ExtractionError


def extract_docx(data: bytes) -> Extraction:
    raise ExtractionError("DOCX import is not available yet.")
