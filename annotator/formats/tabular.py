"""CSV that opens safely in a spreadsheet.

A cell that begins with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return, which some
spreadsheets strip before looking) is read by Excel, LibreOffice and Google Sheets as a
formula: a document title or a quote from an untrusted source could then run one. Such a cell
is prefixed with an apostrophe, as OWASP's "CSV Injection" guidance recommends; numbers stay
numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from annotator.formats.corpus import ExportDocument

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def spreadsheet_safe(value: Any) -> Any:
    """The value, with a leading apostrophe if a spreadsheet would read it as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_lines(
    header: Sequence[str], rows: Iterable[Sequence[Any]], *, bom: bool = False
) -> Iterator[str]:
    """The CSV text of ``header`` and ``rows``, one line at a time (for streaming).

    ``None`` becomes an empty cell; text cells are made spreadsheet-safe.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def line(cells: Sequence[Any]) -> str:
        writer.writerow(["" if cell is None else spreadsheet_safe(cell) for cell in cells])
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    yield (BOM if bom else "") + line(header)
    for row in rows:
        yield line(row)


SPAN_COLUMNS = (
    "document_id",
    "document_title",
    "start",
    "end",
    "quote",
    "category",
    "layer",
    "reviewer",
    "note",
    "evidence_status",
    "source_type",
    "origin",
    "proposed_by",
    "decided_by",
    "created",
    "modified",
)


def span_rows(documents: Iterable[ExportDocument]) -> Iterator[tuple]:
    """One row per span, in ``SPAN_COLUMNS`` order; lists of names joined with "; "."""
    for document in documents:
        for span in document.spans:
            attributes = span.attributes
            yield (
                document.id,
                document.title,
                span.start,
                span.end,
                span.quote,
                span.category,
                span.layer,
                span.reviewer,
                span.note,
                attributes.get("evidence_status", ""),
                attributes.get("source_type", ""),
                attributes.get("origin", ""),
                "; ".join(attributes.get("proposed_by", [])),
                attributes.get("decided_by", ""),
                span.created,
                span.modified,
            )
