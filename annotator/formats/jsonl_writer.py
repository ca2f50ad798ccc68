"""Writing JSONL corpora: one document a line, doccano-compatible, read back by ``read_jsonl``.

Each line has the document (``id``, ``title``, ``text``, its hashes, ``language``,
``direction``, ``metadata``), then:

- ``spans``: every span with its quote, layer, reviewer, note and attributes, each with an
  ``id``: its number in the line, from 1, in the order of ``spans``. The ids are the line's
  own (a span of another line may have the same); they exist so that relations can name
  their ends, and are not kept when the file is imported;
- ``label``: doccano's ``[start, end, category]`` for one layer (or every span);
- ``relations``: as doccano writes them, ``{"id", "from_id", "to_id", "type"}``, where
  ``from_id`` and ``to_id`` are the ``id`` of the source and target span in ``spans`` and
  ``id`` numbers the line's relations from 1; a relation with a note also has ``note``
  (doccano's importer ignores keys it does not know). A symmetric relation's ends come in
  the order they were stored. doccano itself links relations to the ids of ``entities``,
  which these lines do not write: its own import would take the spans from ``label`` and
  leave the relations;
- ``incidents``: each reviewer's incident records, ``{"id", "act", "roles", "note",
  "evidence_status", "reviewer"}``, where ``act`` is the ``id`` of the act's span,
  ``roles`` maps each filled role's code to its spans in order, ``[{"span": id,
  "involvement": code or ""}]``, and ``id`` numbers the line's incidents from 1.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from annotator.formats.corpus import (
    ExportDocument,
    ExportIncident,
    ExportRelation,
    ExportSpan,
    incident_id,
    relation_id,
    span_id,
)


def jsonl_lines(documents: Iterable[ExportDocument], *, label_layer: str = "") -> Iterator[str]:
    """One JSON line a document, with every span, its relations, and doccano's ``label`` for
    one layer.

    ``label`` holds the spans of ``label_layer`` (all spans when it is empty) as
    ``[start, end, category]``, so the file imports straight into doccano; ``spans`` holds
    every span with its id, quote, layer, reviewer, note and attributes, which is what this
    product reads back (``read_jsonl``); ``relations`` link spans by those ids, and
    ``incidents`` name their act and the spans filling their roles by them.
    """
    for document in documents:
        record = {
            "id": document.id,
            "title": document.title,
            "text": document.text,
            "text_sha256": document.text_sha256,
            "source_sha256": document.source_sha256,
            "language": document.language,
            "direction": document.direction,
            "metadata": document.metadata,
            "spans": [
                _span_record(span, span_id(position))
                for position, span in enumerate(document.spans)
            ],
            "label": [
                [span.start, span.end, span.category]
                for span in document.spans
                if not label_layer or span.layer == label_layer
            ],
            "relations": [
                _relation_record(relation, relation_id(position))
                for position, relation in enumerate(document.relations)
            ],
            "incidents": [
                incident_record(incident, incident_id(position))
                for position, incident in enumerate(document.incidents)
            ],
        }
        yield json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"


def _span_record(span: ExportSpan, number: int) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": number,
        "start": span.start,
        "end": span.end,
        "category": span.category,
        "quote": span.quote,
        "layer": span.layer,
    }
    if span.reviewer:
        record["reviewer"] = span.reviewer
    if span.note:
        record["note"] = span.note
    record.update(span.attributes)
    record["id"] = number  # an imported span's attributes may have an "id" of their own
    if span.created:
        record["created"] = span.created
    if span.modified:
        record["modified"] = span.modified
    return record


def _relation_record(relation: ExportRelation, number: int) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": number,
        "from_id": span_id(relation.source),
        "to_id": span_id(relation.target),
        "type": relation.type,
    }
    if relation.note:
        record["note"] = relation.note
    return record


def incident_record(incident: ExportIncident, number: int) -> dict[str, Any]:
    """One incident as a JSONL line writes it: its act and role spans by span id."""
    roles: dict[str, list[dict[str, Any]]] = {}
    for role, position, involvement in incident.slots:
        roles.setdefault(role, []).append({"span": span_id(position), "involvement": involvement})
    return {
        "id": number,
        "act": span_id(incident.act),
        "roles": roles,
        "note": incident.note,
        "evidence_status": incident.evidence_status,
        "reviewer": incident.reviewer,
    }
