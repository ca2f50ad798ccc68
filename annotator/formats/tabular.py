"""CSV that opens safely in a spreadsheet.

A cell that begins with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return, which some
spreadsheets strip before looking) is read by Excel, LibreOffice and Google Sheets as a
formula: a document title or a quote from an untrusted source could then run one. Such a cell
is prefixed with an apostrophe, as OWASP's "CSV Injection" guidance recommends; numbers stay
numbers.

The apostrophe changes the text, so a CSV that must give back its exact text names, in a last
column (``ESCAPED_COLUMN``), the columns of each row whose cell got one, separated by
spaces and empty for most rows. A reader removes one leading apostrophe from exactly those
cells and leaves every other cell alone, including cells that begin with an apostrophe of
their own.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from annotator.formats.corpus import ExportDocument

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
ESCAPED_COLUMN = "formula_escaped"


def looks_like_formula(value: Any) -> bool:
    """Whether a spreadsheet would read ``value`` as a formula (numbers never are)."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def spreadsheet_safe(value: Any) -> Any:
    """The value, with a leading apostrophe if a spreadsheet would read it as a formula."""
    return "'" + value if looks_like_formula(value) else value


def csv_lines(
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    bom: bool = False,
    escaped_column: str = "",
) -> Iterator[str]:
    """The CSV text of ``header`` and ``rows``, one line at a time (for streaming).

    ``None`` becomes an empty cell; text cells are made spreadsheet-safe. With
    ``escaped_column``, a last column of that name lists, separated by spaces, the names of
    the columns whose cell in that row was given an apostrophe.
    """
    if escaped_column and escaped_column in header:
        raise ValueError(f"The CSV already has a column named {escaped_column!r}.")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def line(cells: Sequence[Any]) -> str:
        writer.writerow(cells)
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    def safe(row: Sequence[Any]) -> list[Any]:
        cells, escaped = [], []
        for index, cell in enumerate(row):
            if cell is None:
                cell = ""
            elif looks_like_formula(cell):
                cell = "'" + cell
                escaped.append(index)
            cells.append(cell)
        if escaped_column:
            cells.append(" ".join(header[index] for index in escaped))
        return cells

    names = [spreadsheet_safe(name) for name in header]
    yield (BOM if bom else "") + line([*names, escaped_column] if escaped_column else names)
    for row in rows:
        yield line(safe(row))


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
    "matched_by",
    "decided_by",
    "reason",
    "rationale",
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
                "; ".join(attributes.get("matched_by", [])),
                attributes.get("decided_by", ""),
                attributes.get("reason", ""),
                attributes.get("rationale", ""),
                span.created,
                span.modified,
            )
