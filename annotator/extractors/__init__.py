"""Extractors: the original bytes of a source file in, its raw text and metadata out.

Pure functions, no Django. An extractor does not normalise: ``annotator.text.canonicalize``
does that for every format alike. Each extraction names its extractor and version, and the
steps it took, so that a document's provenance says exactly how its text was derived.

One module per family of formats (``text``, ``html``, ``pdf``, ``docx``); each registers its
file-name suffixes in ``EXTRACTORS``. An extractor raises ``ExtractionError`` with a message
for the person importing (never a traceback) when a file cannot become text.

Corpora and archives are no single document, so the importer opens them itself; their
suffixes are registered here beside the extractors' (``CORPUS_SUFFIXES``,
``ARCHIVE_SUFFIXES``) so that ``importable_suffixes`` names everything an import takes,
and a format added anywhere shows in every message and form that lists them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePath

from annotator.extractors.base import Extraction, ExtractionError
from annotator.extractors.docx import extract_docx
from annotator.extractors.html import extract_html
from annotator.extractors.pdf import extract_pdf
from annotator.extractors.text import decode_text, extract_plain_text

__all__ = [
    "ARCHIVE_SUFFIXES",
    "CORPUS_SUFFIXES",
    "EXTRACTORS",
    "Extraction",
    "ExtractionError",
    "decode_text",
    "extract",
    "importable_suffixes",
    "supported_suffixes",
    "title_from_text",
]


def _markdown(data: bytes) -> Extraction:
    return extract_plain_text(data, markdown=True)


EXTRACTORS: dict[str, Callable[[bytes], Extraction]] = {
    ".txt": extract_plain_text,
    ".text": extract_plain_text,
    ".md": _markdown,
    ".markdown": _markdown,
    ".html": extract_html,
    ".htm": extract_html,
    ".xhtml": extract_html,
    ".pdf": extract_pdf,
    ".docx": extract_docx,
}


# One document a line (JSON Lines), and ZIP archives of any importable file.
CORPUS_SUFFIXES = (".jsonl", ".ndjson")
ARCHIVE_SUFFIXES = (".zip",)


def supported_suffixes() -> list[str]:
    """The suffixes an extractor turns into one document's text."""
    return sorted(EXTRACTORS)


def importable_suffixes() -> list[str]:
    """Every suffix an import takes: the extractors', the corpora's and the archives'."""
    return sorted({*EXTRACTORS, *CORPUS_SUFFIXES, *ARCHIVE_SUFFIXES})


def extract(filename: str, data: bytes) -> Extraction:
    """Choose the extractor by the file name's suffix and run it."""
    suffix = PurePath(filename).suffix.lower()
    extractor = EXTRACTORS.get(suffix)
    if extractor is None:
        raise ExtractionError(
            f"Files of type {suffix or '(no suffix)'!r} cannot be imported; "
            f"supported: {', '.join(importable_suffixes())}."
        )
    if not data:
        raise ExtractionError("The file is empty.")
    return extractor(data)


def title_from_text(text: str, *, fallback: str, max_length: int = 200) -> str:
    """A title for a text that carries none: its first non-blank line if short, else fallback."""
    for line in text.split("\n"):
        stripped = " ".join(line.split())
        if stripped:
            return stripped if len(stripped) <= max_length else fallback
    return fallback
