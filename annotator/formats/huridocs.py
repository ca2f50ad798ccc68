"""Incidents as events, after the HURIDOCS Events Standard Formats: one JSON document.

HURIDOCS (https://huridocs.org) describes a human-rights event by its acts (each of a type
of violation), its victims and perpetrators (a perpetrator with their degree of
involvement), where and when it happened, and the sources that tell of it. Each reviewer's
incident record becomes one such event, and every item of it points to the passages that
are its evidence, so that a reader can check each claim against the text::

    {"format": "huridocs-events", ..., "offsets": "...",
     "events": [{"id": "document-12/incident-1", "document": 12, "title": "Detention: …",
                 "recorded_by": "Reviewer 1",
                 "acts": [{"id": ".../act", "type": "detention", "type_name": "Detention",
                           "evidence_status": "likely", "evidence": [<ref>]}],
                 "victims": [{"id": ".../victims/1", "role": "victims", "involvement": "",
                              "evidence": [<ref>]}],
                 "perpetrators": [... "involvement": "direct" ...],
                 "places": [...], "dates": [...], "sources": [...],
                 "other_roles": [{"role": "witnesses", "role_name": "Witnesses", ...}],
                 "notes": ["..."]}],
     "documents": [{"id": 12, "title": ..., "language": ..., "direction": ...,
                    "text_sha256": ..., "source_sha256": ..., "events": 1}]}

A ``<ref>`` is ``{"document", "start", "end", "quote", "span", "category"}``: the
document's id, half-open offsets in Unicode code points into its canonical text (whose
SHA-256 the ``documents`` list gives), the text there, the span's id (its number in the
document, as the JSONL and CSV exports number it) and its category code.

Roles go to blocks by their code: ``victim(s)`` → ``victims``, ``perpetrator(s)`` →
``perpetrators``, ``place(s)``/``location(s)`` → ``places``, ``date(s)`` → ``dates``,
``source(s)`` → ``sources``; any other role is kept under ``other_roles`` with its code. The
standard's dates and places are structured (a calendar date, a geographic term); here they
are the passages that name them, which is what a reviewer marked, for an analyst to
normalise. Written in pieces, one document's events at a time (``huridocs_chunks``); the
short ``documents`` list, which follows the events, is kept until the end.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from annotator.formats.corpus import ExportDocument, ExportSpan, check_span, span_id

FORMAT = "huridocs-events"
BLOCKS = ("victims", "perpetrators", "places", "dates", "sources")
ROLE_BLOCKS: Mapping[str, str] = {
    "victim": "victims",
    "victims": "victims",
    "perpetrator": "perpetrators",
    "perpetrators": "perpetrators",
    "place": "places",
    "places": "places",
    "location": "places",
    "locations": "places",
    "date": "dates",
    "dates": "dates",
    "source": "sources",
    "sources": "sources",
}
OTHER_ROLES = "other_roles"
TITLE_QUOTE = 80


@dataclass
class HuridocsReport:
    """What the file holds: documents, events, and the spans it cites as evidence (each
    once however often it is cited), in all and per category."""

    documents: int = 0
    incidents: int = 0
    spans: int = 0
    categories: dict[str, dict[str, int]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data."""
        return asdict(self)


def role_block(code: str) -> str:
    """The HURIDOCS block a role goes to by its code, or ``other_roles``."""
    return ROLE_BLOCKS.get(code.lower(), OTHER_ROLES)


def span_reference(document: ExportDocument, position: int) -> dict[str, Any]:
    """The evidence reference of the span at ``position`` in the document's spans.

    Raises ``SpanError`` (a ``ValueError``) when the span's offsets or quote do not match
    the document's text."""
    span: ExportSpan = document.spans[position]
    check_span(document, span)
    return {
        "document": document.id,
        "start": span.start,
        "end": span.end,
        "quote": span.quote,
        "span": span_id(position),
        "category": span.category,
    }


def huridocs_events(
    document: ExportDocument,
    *,
    category_names: Mapping[str, str] | None = None,
    role_names: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    """The events of one document: one per incident, in the document's order."""
    category_names = category_names or {}
    role_names = role_names or {}
    events = []
    for number, incident in enumerate(document.incidents, start=1):
        event_id = f"document-{document.id}/incident-{number}"
        act = document.spans[incident.act]
        kind = category_names.get(act.category, "") or act.category
        quote = " ".join(act.quote.split())
        if len(quote) > TITLE_QUOTE:
            quote = quote[: TITLE_QUOTE - 1] + "…"
        event: dict[str, Any] = {
            "id": event_id,
            "document": document.id,
            "title": f"{kind}: {quote}",
            "recorded_by": incident.reviewer,
            "acts": [
                {
                    "id": f"{event_id}/act",
                    "type": act.category,
                    "type_name": category_names.get(act.category, ""),
                    "evidence_status": incident.evidence_status,
                    "evidence": [span_reference(document, incident.act)],
                }
            ],
            **{block: [] for block in BLOCKS},
            OTHER_ROLES: [],
        }
        for role, position, involvement in incident.slots:
            block = role_block(role)
            item: dict[str, Any] = {
                "id": f"{event_id}/{block}/{len(event[block]) + 1}",
                "role": role,
            }
            if block == OTHER_ROLES:
                item["role_name"] = role_names.get(role, "")
            item["involvement"] = involvement
            item["evidence"] = [span_reference(document, position)]
            event[block].append(item)
        event["notes"] = [incident.note] if incident.note else []
        events.append(event)
    return events


def huridocs_chunks(
    documents: Iterable[ExportDocument],
    *,
    generated: str,
    project: str = "",
    category_names: Mapping[str, str] | None = None,
    role_names: Mapping[str, str] | None = None,
    report: HuridocsReport | None = None,
) -> Iterator[str]:
    """The text of the JSON document of every incident of ``documents``, in pieces: the
    head, then each document's events, then the list of documents. Joined, the pieces are
    one JSON object; ``report``, when given, is filled in as they are made."""
    report = report if report is not None else HuridocsReport()
    head = {
        "format": FORMAT,
        "description": "Incident records as events, after the HURIDOCS Events Standard "
        "Formats: acts, victims, perpetrators (with their involvement), places, dates and "
        "sources, each with the passages that are its evidence.",
        "project": project,
        "generated": generated,
        "offsets": "Unicode code points into each document's canonical text, half-open",
    }
    yield _dumps(head)[:-1] + ', "events": ['
    listed: list[str] = []
    written = 0
    for document in documents:
        report.documents += 1
        events = huridocs_events(document, category_names=category_names, role_names=role_names)
        cited: set[int] = set()
        for incident in document.incidents:
            cited.update((incident.act, *(slot[1] for slot in incident.slots)))
        for position in sorted(cited):
            _count(report, document.spans[position].category)
        report.incidents += len(events)
        listed.append(
            _dumps(
                {
                    "id": document.id,
                    "title": document.title,
                    "language": document.language,
                    "direction": document.direction,
                    "text_sha256": document.text_sha256,
                    "source_sha256": document.source_sha256,
                    "events": len(events),
                }
            )
        )
        if events:
            yield ("\n" if not written else ",\n") + _dumps(events)[1:-1]
            written += len(events)
    yield '\n], "documents": [\n' + ",\n".join(listed) + "\n]}\n"


def _count(report: HuridocsReport, category: str) -> None:
    report.spans += 1
    counts = report.categories.setdefault(category, {"spans": 0})
    counts["spans"] += 1


def _dumps(value: Any) -> str:
    # Texts stay readable (Uyghur, emoji) rather than \u-escaped; the file is UTF-8.
    return json.dumps(value, ensure_ascii=False)
