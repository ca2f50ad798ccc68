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

Two tables. ``span_rows`` gives one row per span (``SPAN_COLUMNS``), each with a
``span_id``: its number in its document, from 1, the id the JSONL export gives it too.
``relation_rows`` gives one row per relation between two spans (``RELATION_COLUMNS``): its
document, its ``relation_id`` (its number in the document, from 1), its type's code, each
end's ``span_id``, offsets and quote, its note and its reviewer, named as the span rows name
reviewers. A row of spans and a row of relations join on (``document_id``, ``span_id``).
How the two tables travel is the export's business: a CSV file holds one table, so the
relations table is a second file, ``relations.csv``, beside the spans' in a bundle.

A third table, of incidents (``incident_columns``): one row per incident with its document,
its ``incident_id`` (its number in the document, from 1), its act's ``span_id``, offsets,
quote and category, then three columns per role, in the taxonomy's order, ``<role>_span_ids``,
``<role>_quotes`` and ``<role>_involvements``, each listing the role's spans in the same
order separated by ``" | "`` (an involvement is empty for a slot without one, and the
column empty when no slot of the role has one), then its note,
evidence status and reviewer. The span ids join the spans' table, which has the exact quotes;
the quotes here are for reading. In a bundle it is ``incidents.csv``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from annotator.formats.corpus import ExportDocument, incident_id, relation_id, span_id

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
    "span_id",
)


def span_rows(documents: Iterable[ExportDocument]) -> Iterator[tuple]:
    """One row per span, in ``SPAN_COLUMNS`` order; lists of names joined with "; "."""
    for document in documents:
        for position, span in enumerate(document.spans):
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
                span_id(position),
            )


RELATION_COLUMNS = (
    "document_id",
    "relation_id",
    "type",
    "source_span_id",
    "source_start",
    "source_end",
    "source_quote",
    "target_span_id",
    "target_start",
    "target_end",
    "target_quote",
    "note",
    "reviewer",
)


def relation_rows(document: ExportDocument) -> Iterator[tuple]:
    """One row per relation of ``document``, in ``RELATION_COLUMNS`` order."""
    for position, relation in enumerate(document.relations):
        source, target = document.spans[relation.source], document.spans[relation.target]
        yield (
            document.id,
            relation_id(position),
            relation.type,
            span_id(relation.source),
            source.start,
            source.end,
            source.quote,
            span_id(relation.target),
            target.start,
            target.end,
            target.quote,
            relation.note,
            relation.reviewer,
        )


INCIDENT_HEAD = (
    "document_id",
    "incident_id",
    "act_span_id",
    "act_start",
    "act_end",
    "act_quote",
    "category",
)
INCIDENT_TAIL = ("note", "evidence_status", "reviewer")
LIST_SEPARATOR = " | "


def incident_columns(roles: Sequence[str]) -> tuple[str, ...]:
    """The incidents table's header for these role codes, in their order."""
    per_role = tuple(
        f"{role}_{part}" for role in roles for part in ("span_ids", "quotes", "involvements")
    )
    return (*INCIDENT_HEAD, *per_role, *INCIDENT_TAIL)


def incident_records(document: ExportDocument) -> Iterator[dict[str, Any]]:
    """One record per incident of ``document``: the head and tail columns, and ``roles``,
    each role's slots as [span_id, quote, involvement] lists (JSON-ready, so that records
    can wait on disk until every role is known)."""
    for position, incident in enumerate(document.incidents):
        act = document.spans[incident.act]
        roles: dict[str, list[list[Any]]] = {}
        for role, slot, involvement in incident.slots:
            span = document.spans[slot]
            roles.setdefault(role, []).append([span_id(slot), span.quote, involvement])
        yield {
            "head": [
                document.id,
                incident_id(position),
                span_id(incident.act),
                act.start,
                act.end,
                act.quote,
                act.category,
            ],
            "roles": roles,
            "tail": [incident.note, incident.evidence_status, incident.reviewer],
        }


def incident_row(record: dict[str, Any], roles: Sequence[str]) -> tuple:
    """An ``incident_records`` record as a row of ``incident_columns(roles)``."""
    cells: list[Any] = list(record["head"])
    for role in roles:
        slots = record["roles"].get(role, [])
        cells.append(LIST_SEPARATOR.join(str(slot[0]) for slot in slots))
        cells.append(LIST_SEPARATOR.join(slot[1] for slot in slots))
        involvements = [slot[2] for slot in slots]
        cells.append(LIST_SEPARATOR.join(involvements) if any(involvements) else "")
    return (*cells, *record["tail"])
