"""What the exporters write: documents and their spans as plain data (no Django).

Selectors turn rows into these; every writer in ``annotator.formats`` reads them. Offsets
are half-open Unicode code points into ``text``, the document's canonical text, and each
span's ``quote`` is ``text[start:end]``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from annotator.text import SpanError, check_span_bounds, check_span_quote


# Plain slotted dataclasses rather than frozen ones: a million spans are made per export, and
# a frozen dataclass's constructor costs several times more. Writers only read them.
@dataclass(slots=True)
class ExportSpan:
    start: int
    end: int
    category: str
    quote: str
    layer: str
    """``gold``, ``reviewer`` or ``import: <file>``."""
    reviewer: str = ""
    """Who made it: a pseudonym such as "Reviewer 2" unless names were asked for; empty
    for gold spans and imported ones."""
    note: str = ""
    attributes: dict[str, Any] = field(default_factory=dict)
    """Evidence attributes (``evidence_status``, ``source_type``) and provenance (``origin``,
    ``proposed_by``, ``decided_by``, ``page``)."""
    created: str = ""
    modified: str = ""
    """ISO 8601 times in UTC."""


@dataclass(slots=True)
class ExportRelation:
    """A link between two spans of one reviewer's layer of a document: ``source`` and
    ``target`` are the positions of its ends in the document's ``spans``; a ``symmetric``
    relation has no direction (its ends come in the order they were stored)."""

    source: int
    target: int
    type: str
    reviewer: str = ""
    note: str = ""
    symmetric: bool = False


@dataclass(slots=True)
class ExportIncident:
    """One reviewer's incident record in a document: ``act`` is the position of its act
    span in the document's ``spans``; ``slots`` the spans filling its roles as (role code,
    position in ``spans``, involvement code or ""), in the roles' order. A slot whose span
    the export does not hold is not there; the incident is, while its act is."""

    act: int
    slots: tuple[tuple[str, int, str], ...] = ()
    reviewer: str = ""
    note: str = ""
    evidence_status: str = ""


@dataclass(slots=True)
class ExportDocument:
    id: int
    title: str
    text: str
    text_sha256: str
    source_sha256: str
    language: str = ""
    direction: str = "auto"
    metadata: dict[str, Any] = field(default_factory=dict)
    spans: tuple[ExportSpan, ...] = ()
    relations: tuple[ExportRelation, ...] = ()
    incidents: tuple[ExportIncident, ...] = ()


@dataclass(frozen=True)
class ExportCategory:
    code: str
    name: str
    definition: str = ""
    parent: str = ""
    group: str = "violation"


@dataclass(frozen=True)
class ExportRelationType:
    """A relation type of the taxonomy: the category codes allowed at each end (empty: any)."""

    code: str
    name: str
    symmetric: bool = False
    source_categories: tuple[str, ...] = ()
    target_categories: tuple[str, ...] = ()


@dataclass(frozen=True)
class ExportIncidentRole:
    """An incident role of the taxonomy: whether several spans may fill it, the
    involvements a slot may carry as (code, name) pairs, and the category codes a span
    filling it may have (empty: any)."""

    code: str
    name: str
    multiple: bool = False
    involvements: tuple[tuple[str, str], ...] = ()
    categories: tuple[str, ...] = ()


def span_id(position: int) -> int:
    """The id the JSONL and CSV exports give the span at ``position`` in its document's
    ``spans``: its number from 1, unique in the document (relations name their ends by it)."""
    return position + 1


def relation_id(position: int) -> int:
    """The id the JSONL and CSV exports give the relation at ``position`` in its
    document's ``relations``: its number from 1, unique in the document."""
    return position + 1


def incident_id(position: int) -> int:
    """The id the exports give the incident at ``position`` in its document's
    ``incidents``: its number from 1, unique in the document."""
    return position + 1


def check_span(document: ExportDocument, span: ExportSpan) -> None:
    """Refuse a span whose offsets or quote do not match its document's text.

    Every writer calls it: an export must never carry a span whose text is not the
    document's text at its offsets. The checks are ``annotator.text``'s, the ones a span
    passes when it is saved; the message names the document. Raises ``SpanError`` (a
    ``ValueError``), chained to the text-level reason.
    """
    text = document.text
    try:
        check_span_bounds(len(text), span.start, span.end)
    except SpanError as error:
        raise SpanError(
            f"Document {document.id}: span {span.start}-{span.end} is outside a text of "
            f"{len(text)} characters."
        ) from error
    actual = text[span.start : span.end]
    try:
        check_span_quote(actual, span.start, span.end, span.quote)
    except SpanError as error:
        raise SpanError(
            f"Document {document.id}: span {span.start}-{span.end} quotes {span.quote[:40]!r} "
            f"but the text there is {actual[:40]!r}."
        ) from error
