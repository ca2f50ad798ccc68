"""Writes on the gold layer itself: a moderator adds, changes and removes gold spans.

Gold spans are made by alignment (unanimous clusters) and by resolving moderation items
(``services.moderation``); on the curation page a moderator also draws new ones, changes
one's category, boundaries, evidence status, source type or note, or removes one. Each
change is checked against the text, based on the version the moderator saw (a stale one is
refused with who changed it and when), and audited with what it was and became.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Q
from django.utils import timezone

from annotator.alignment import Span
from annotator.models import (
    Category,
    Document,
    DocumentStatus,
    EvidenceStatus,
    GoldIncident,
    GoldIncidentSlot,
    GoldOrigin,
    GoldRelation,
    GoldSpan,
    ResolutionReason,
    SourceType,
)
from annotator.services.audit import audit_record, audited
from annotator.services.projects import layers_changed
from annotator.text import SpanError, check_span_bounds, check_span_quote

NOTE_MAX_LENGTH = 10_000
GOLD_EDITABLE = (
    "start",
    "end",
    "quote",
    "category",
    "evidence_status",
    "source_type",
    "note",
    "reason",
    "rationale",
)
# Where a moderator curates: once the submitted layers are aligned.
CURATED = (DocumentStatus.IN_MODERATION, DocumentStatus.RECONCILED)


class GoldError(ValueError):
    """The gold change is not valid; the message says why."""


class GoldConflict(Exception):
    """The gold span changed since it was loaded; ``current`` is what it is now (or None
    if it was removed)."""

    def __init__(self, current: GoldSpan | None) -> None:
        self.current = current
        if current is None:
            message = "This gold span was removed since you loaded it; nothing was changed."
        else:
            who = current.decided_by.get_username() if current.decided_by else "the alignment"
            message = (
                f"This gold span was changed by {who} at {current.decided_at:%Y-%m-%d %H:%M} UTC "
                f"(now version {current.version}); nothing was changed."
            )
        super().__init__(message)


def gold_snapshot(span: GoldSpan) -> dict[str, Any]:
    """What the audit log records of a gold span."""
    return {
        "id": span.pk,
        "start": span.start,
        "end": span.end,
        "category": span.category.code,
        "quote": span.quote,
        "evidence_status": span.evidence_status,
        "source_type": span.source_type,
        "note": span.note,
        "origin": span.origin,
        "proposed_by": list(span.proposed_by),
        "matched_by": list(span.matched_by),
        "item": span.item_id,
        "reason": span.reason,
        "rationale": span.rationale,
        "version": span.version,
    }


def gold_relation_snapshot(relation: GoldRelation) -> dict[str, Any]:
    """What the audit log records of a gold relation."""
    return {
        "id": relation.pk,
        "type": relation.relation_type.code,
        "source": relation.source_id,
        "target": relation.target_id,
        "origin": relation.origin,
        "proposed_by": list(relation.proposed_by),
        "item": relation.item_id,
        "reason": relation.reason,
        "rationale": relation.rationale,
    }


def gold_incident_snapshot(incident: GoldIncident, slots: list[GoldIncidentSlot]) -> dict[str, Any]:
    """What the audit log records of a gold incident, with its slots."""
    return {
        "id": incident.pk,
        "act": incident.act_id,
        "evidence_status": incident.evidence_status,
        "note": incident.note,
        "origin": incident.origin,
        "proposed_by": list(incident.proposed_by),
        "item": incident.item_id,
        "slots": [[slot.role.code, slot.span_id, slot.involvement] for slot in slots],
        "reason": incident.reason,
        "rationale": incident.rationale,
    }


def gold_links_of_spans_audit(span_ids: list[int], *, actor: User | None, reason: str) -> None:
    """Record, before gold spans are removed, what goes with them: each gold relation at
    either end, each gold incident whose act they are, each slot they fill."""
    relations = GoldRelation.objects.filter(Q(source_id__in=span_ids) | Q(target_id__in=span_ids))
    for relation in relations.select_related("relation_type", "document__project").defer(
        "document__text"
    ):
        audit_record(
            actor=actor,
            action="gold_relation.delete",
            object_type="gold_relation",
            object_id=relation.pk,
            project=relation.document.project,
            document=relation.document,
            before=gold_relation_snapshot(relation),
            after={"reason": reason},
        )
    incidents = (
        GoldIncident.objects.filter(Q(act_id__in=span_ids) | Q(slots__span_id__in=span_ids))
        .distinct()
        .select_related("document__project")
        .defer("document__text")
        .prefetch_related("slots__role")
    )
    for incident in incidents:
        slots = list(incident.slots.all())
        removed = incident.act_id in span_ids
        audit_record(
            actor=actor,
            action="gold_incident.delete" if removed else "gold_incident.slot_remove",
            object_type="gold_incident",
            object_id=incident.pk,
            project=incident.document.project,
            document=incident.document,
            before=gold_incident_snapshot(incident, slots),
            after={
                "reason": reason,
                "slots_removed": [slot.pk for slot in slots if slot.span_id in span_ids],
            },
        )


def gold_span(
    document: Document,
    span: Span,
    quote: str,
    categories: Mapping[str, Category],
    **provenance: Any,
) -> GoldSpan:
    """A gold span with everything ``span`` carries; ``quote`` is the text at its offsets."""
    return GoldSpan(
        document=document,
        category=categories[span.category],
        start=span.start,
        end=span.end,
        quote=quote,
        evidence_status=span.evidence_status or EvidenceStatus.UNKNOWN,
        source_type=span.source_type or SourceType.OTHER,
        note=span.note,
        **provenance,
    )


def check_gold_span(document: Document, span: Span, categories: Mapping[str, Category]) -> None:
    """Refuse a span that cannot be gold in this document: unknown category or attribute,
    offsets outside the text, an over-long note."""
    if span.category not in categories:
        raise GoldError(f"Category {span.category!r} is not in this project.")
    if span.evidence_status and span.evidence_status not in EvidenceStatus.values:
        raise GoldError(f"Unknown evidence status {span.evidence_status!r}.")
    if span.source_type and span.source_type not in SourceType.values:
        raise GoldError(f"Unknown source type {span.source_type!r}.")
    if len(span.note) > NOTE_MAX_LENGTH:
        raise GoldError(f"A note may have at most {NOTE_MAX_LENGTH} characters.")
    try:
        check_span_bounds(document.text_length, span.start, span.end)
    except SpanError as error:
        raise GoldError(str(error)) from error


def _curated(document_id: int) -> Document:
    """The document, locked (without its text) for a gold change; refused before alignment."""
    document = (
        Document.objects.select_for_update(no_key=True, of=("self",))
        .select_related("project")
        .defer("text")
        .get(pk=document_id)
    )
    if document.status not in CURATED:
        raise GoldError("The gold layer is made once the submitted layers are aligned.")
    return document


def _text(document: Document, start: int, end: int, quote: str | None = None) -> str:
    """The text at [start, end); refused when ``quote`` is given and is not exactly it."""
    text = Document.objects.filter(pk=document.pk).values_list("text", flat=True).get()
    actual = text[start:end]
    if quote is not None:
        try:
            check_span_quote(actual, start, end, quote)
        except SpanError as error:
            raise GoldError(str(error)) from error
    return actual


def _categories(document: Document) -> dict[str, Category]:
    return {c.code: c for c in Category.objects.filter(project_id=document.project_id)}


def _check_reason(reason: str) -> None:
    if reason not in ResolutionReason.values:
        raise GoldError(f"Unknown reason {reason!r}.")


@audited
def gold_create(
    *,
    document: Document,
    moderator: User,
    span: Span,
    quote: str | None = None,
    reason: str = "",
    rationale: str = "",
) -> GoldSpan:
    """A moderator adds a span of their own to the gold layer (drawn on the curation page).
    ``quote``, when given, must be exactly the text at the span's offsets."""
    document = _curated(document.pk)
    categories = _categories(document)
    check_gold_span(document, span, categories)
    _check_reason(reason)
    gold = gold_span(
        document,
        span,
        _text(document, span.start, span.end, quote),
        categories,
        origin=GoldOrigin.ADDED,
        cluster_signature="",
        decided_by=moderator,
        decided_at=timezone.now(),
        reason=reason,
        rationale=rationale.strip(),
    )
    gold.save()
    audit_record(
        actor=moderator,
        action="gold.create",
        object_type="gold_span",
        object_id=gold.pk,
        project=document.project,
        document=document,
        after=gold_snapshot(gold),
    )
    layers_changed(project_id=document.project_id)
    return gold


def _locked_gold(gold_id: int, version: int) -> tuple[Document, GoldSpan]:
    """The gold span's document, then the span, locked in the order every curation write
    takes (the document first), the span still at ``version``; GoldConflict otherwise."""
    document_id = GoldSpan.objects.filter(pk=gold_id).values_list("document_id", flat=True)
    if not document_id:
        raise GoldConflict(None)
    document = _curated(document_id[0])
    # Locked alone, its category and decider read after: on PostgreSQL a row locked after a
    # wait is read again, the rows joined to it are not (they could say who decided before).
    gold = GoldSpan.objects.select_for_update().filter(pk=gold_id).first()
    if gold is None:
        raise GoldConflict(None)
    if gold.version != version:
        raise GoldConflict(gold)
    return document, gold


@audited
def gold_update(
    *, gold_id: int, moderator: User, version: int, changes: dict[str, Any]
) -> GoldSpan:
    """Change a gold span's category, boundaries, attributes or why, at ``version``.
    Moving a boundary needs the new ``quote`` too, to check the offsets."""
    unknown = set(changes) - set(GOLD_EDITABLE)
    if unknown:
        raise GoldError(f"These cannot be changed: {', '.join(sorted(unknown))}.")
    document, gold = _locked_gold(gold_id, version)
    before = gold_snapshot(gold)
    categories = _categories(document)
    code = changes.get("category", gold.category.code)
    span = Span(
        int(changes.get("start", gold.start)),
        int(changes.get("end", gold.end)),
        str(code),
        str(changes.get("evidence_status", gold.evidence_status)),
        str(changes.get("source_type", gold.source_type)),
        str(changes.get("note", gold.note)),
    )
    check_gold_span(document, span, categories)
    _check_reason(str(changes.get("reason", gold.reason)))
    if (span.start, span.end) != (gold.start, gold.end):
        if "quote" not in changes:
            raise GoldError("Moving a boundary needs the new quote too, to check the offsets.")
        gold.quote = _text(document, span.start, span.end, str(changes["quote"]))
    gold.start, gold.end, gold.category = span.start, span.end, categories[span.category]
    gold.evidence_status, gold.source_type, gold.note = span[3:]
    gold.reason = str(changes.get("reason", gold.reason))
    gold.rationale = str(changes.get("rationale", gold.rationale)).strip()
    after = gold_snapshot(gold)
    if {**after, "version": 0} == {**before, "version": 0}:
        return gold  # nothing changed: no new version, no event
    gold.version += 1
    gold.decided_by = moderator
    gold.decided_at = timezone.now()
    gold.save()
    audit_record(
        actor=moderator,
        action="gold.update",
        object_type="gold_span",
        object_id=gold.pk,
        project=document.project,
        document=document,
        before=before,
        after=gold_snapshot(gold),
    )
    layers_changed(project_id=document.project_id)
    return gold


@audited
def gold_delete(*, gold_id: int, moderator: User, version: int, rationale: str = "") -> None:
    """Remove a gold span at ``version``; the audit log keeps it."""
    document, gold = _locked_gold(gold_id, version)
    before = gold_snapshot(gold)
    gold_links_of_spans_audit([gold.pk], actor=moderator, reason=f"gold span {gold.pk} was removed")
    gold.delete()
    audit_record(
        actor=moderator,
        action="gold.delete",
        object_type="gold_span",
        object_id=before["id"],
        project=document.project,
        document=document,
        before=before,
        after={"rationale": rationale.strip()},
    )
    layers_changed(project_id=document.project_id)
