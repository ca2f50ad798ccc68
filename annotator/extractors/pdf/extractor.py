"""``extract_pdf``: the stages in order, from the file's bytes to an ``Extraction``."""

from __future__ import annotations

import pypdfium2

from annotator import __version__
from annotator.extractors.base import Extraction, ExtractionError
from annotator.extractors.pdf.assembly import assemble
from annotator.extractors.pdf.contents import collapse_contents
from annotator.extractors.pdf.figures import drop_figure_text
from annotator.extractors.pdf.furniture import drop_running_heads
from annotator.extractors.pdf.metadata import document_metadata, title_from_largest_text
from annotator.extractors.pdf.model import (
    STEP_DEHYPHENATE,
    STEP_DROP_CONTROL_CHARACTERS,
    STEP_DROP_FIGURE_TEXT,
    STEP_DROP_PAGE_NUMBERS,
    STEP_DROP_RUNNING_HEADERS,
    STEP_FOOTNOTES_TO_END,
    STEP_HYPHEN_MARKERS,
    STEP_LIGATURES,
    STEP_NOTE_REFERENCES,
    STEP_TABLE_OF_CONTENTS,
    Steps,
)
from annotator.extractors.pdf.notes import body_height, split_notes
from annotator.extractors.pdf.reading import (
    NO_TEXT,
    check_container,
    check_text_layer,
    read_document,
)

EXTRACTOR = "pdf (pypdfium2)"

_LIGATURES = str.maketrans(
    {
        "\ufb00": "ff",
        "\ufb01": "fi",
        "\ufb02": "fl",
        "\ufb03": "ffi",
        "\ufb04": "ffl",
        "\ufb05": "st",
        "\ufb06": "st",
    }
)
_STEP_ORDER = (
    STEP_DROP_CONTROL_CHARACTERS,
    STEP_LIGATURES,
    STEP_DROP_RUNNING_HEADERS,
    STEP_DROP_PAGE_NUMBERS,
    STEP_TABLE_OF_CONTENTS,
    STEP_DROP_FIGURE_TEXT,
    STEP_FOOTNOTES_TO_END,
    STEP_NOTE_REFERENCES,
    STEP_DEHYPHENATE,
    STEP_HYPHEN_MARKERS,
)


def extract_pdf(data: bytes) -> Extraction:
    """The text of a PDF's text layer, in reading order, with a page map and metadata.

    Raises ``ExtractionError`` for a file that is not a readable PDF, is password-protected,
    or has no text layer worth the name (a scan).
    """
    check_container(data)
    pages, info = read_document(data)
    steps = Steps()
    for page in pages:
        steps.add(STEP_DROP_CONTROL_CHARACTERS, page.control_characters)
        for segment in page.segments:
            expanded = segment.text.translate(_LIGATURES)
            steps.add(STEP_LIGATURES, expanded != segment.text)
            segment.text = expanded
    check_text_layer(pages)
    drop_running_heads(pages, steps)
    # Before the text is assembled, which merges the pieces of a line into one segment.
    heading = title_from_largest_text(pages[0])
    collapse_contents(pages, steps)
    figures = drop_figure_text(pages, steps, body_height(pages))
    notes = split_notes(pages, steps)
    assembled = assemble(pages, steps, notes)
    if not assembled.text.strip():
        raise ExtractionError(NO_TEXT)
    metadata = document_metadata(info, pages, heading)
    if assembled.notes:
        metadata["notes"] = assembled.notes
    if figures:
        metadata["figures"] = figures
    return Extraction(
        text=assembled.text,
        extractor=EXTRACTOR,
        extractor_version=_extractor_version(),
        content_type="application/pdf",
        steps=tuple(step for step in _STEP_ORDER if steps.counts[step]),
        metadata=metadata,
        page_starts=tuple(assembled.page_starts),
    )


def _extractor_version() -> str:
    pdfium_build = getattr(pypdfium2.PDFIUM_INFO, "build", pypdfium2.PDFIUM_INFO)
    return f"annotator {__version__}; pypdfium2 {pypdfium2.PYPDFIUM_INFO}; pdfium {pdfium_build}"


def expand_ligatures(text: str) -> str:
    """Spell out the Latin typographic ligatures U+FB00 to U+FB06 ("ﬁ" becomes "fi")."""
    return text.translate(_LIGATURES)
