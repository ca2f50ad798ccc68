"""``extract_html``: the stages in order, from the file's bytes to an ``Extraction``."""

from __future__ import annotations

import lxml
import trafilatura

from annotator.extractors.base import Extraction, ExtractionError
from annotator.extractors.html.blocks import (
    TABLE_CELL_SEPARATOR,
    block_paragraphs,
    page_blocks,
)
from annotator.extractors.html.decoding import decode_html, looks_binary, parse
from annotator.extractors.html.main_content import (
    restore_headings,
    run_trafilatura,
    select_covered,
)
from annotator.extractors.html.metadata import page_metadata, page_title

CONTENT_TYPE = "text/html"


def extract_html(data: bytes) -> Extraction:
    """The main content of an HTML page: headings and paragraphs separated by blank lines.

    Metadata, where the page declares it: ``title``, ``author``, ``description``,
    ``published_on`` (ISO date), ``source_url`` (the canonical http(s) URL), ``publisher``,
    ``language`` (the ``lang`` attribute) and ``direction`` (``dir="rtl"`` or ``"ltr"``).
    """
    html, encoding, how = decode_html(data)
    if looks_binary(html):
        raise ExtractionError("The file looks binary, not like an HTML page.")
    if not html.strip():
        raise ExtractionError("The page contains no text.")
    steps = [f"decode:{encoding}" + (f" ({how})" if how else "")]
    if "\x00" in html:
        # The parser would show each as U+FFFD; it is never text (see annotator.text).
        html = html.replace("\x00", "")
        steps.append("remove-nul")
    root = parse(html)
    steps.append("html-parse:lxml")
    body = root.find("body")
    blocks = page_blocks(body if body is not None else root)
    if not any(block.key for block in blocks):
        raise ExtractionError("The page contains no text.")

    document = run_trafilatura(root)
    covered = select_covered(blocks, document.body if document is not None else None)
    if covered:
        steps.append("main-content:trafilatura")
        restored = restore_headings(blocks, page_title(root, document))
        if restored:
            steps.append(f"headings-restored:{restored}")
    else:
        for block in blocks:
            block.selected = not block.in_frame
        steps.append("main-content:whole-page (trafilatura found none)")
    paragraphs = [
        paragraph for block in blocks if block.selected for paragraph in block_paragraphs(block)
    ]
    if not paragraphs:
        raise ExtractionError("The page contains no text.")
    steps.append("paragraphs:blank-line")
    if any(block.selected and block.table_row for block in blocks):
        steps.append(f"table-cells:{TABLE_CELL_SEPARATOR!r}")

    metadata = page_metadata(root, document)
    metadata["encoding"] = encoding
    return Extraction(
        text="\n\n".join(paragraphs),
        extractor="html (trafilatura)",
        extractor_version=f"trafilatura {trafilatura.__version__}; lxml {lxml.__version__}",
        content_type=CONTENT_TYPE,
        steps=tuple(steps),
        metadata=metadata,
    )
