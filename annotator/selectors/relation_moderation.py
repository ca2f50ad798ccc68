"""Reads about the moderation of relations and incidents: a document's relation and
incident items and its gold relations and incidents, each as one plain record, reviewers
named by their letter (never a user id)."""

from __future__ import annotations

from typing import Any

from annotator.models import (
    Document,
    GoldIncident,
    GoldIncidentSlot,
    GoldRelation,
    IncidentItem,
    ItemStatus,
    RelationItem,
)
from annotator.selectors.pseudonyms import ReviewerLabels


def relation_item_record(item: RelationItem, *, labels: ReviewerLabels) -> dict[str, Any]:
    """One relation item: the two passages, and each reviewer's relations between them
    (``[type, [start, end], [start, end], symmetric]``) keyed by their letter."""
    return {
        "id": item.pk,
        "document": item.document_id,
        "first": [item.first_start, item.first_end],
        "second": [item.second_start, item.second_end],
        "kinds": list(item.kinds),
        "status": item.status,
        "version": item.version,
        "kept": list(item.kept),
        "reason": item.reason,
        "rationale": item.rationale,
        "resolved_by": item.resolved_by.get_username() if item.resolved_by else None,
        "resolved_at": item.resolved_at,
        "versions": {
            labels.letter(reviewer): item.versions[str(reviewer)]
            for reviewer in labels.ordered(int(key) for key in item.versions)
        },
    }


def document_relation_items(document: Document, *, labels: ReviewerLabels) -> list[dict[str, Any]]:
    """The document's relation items that stand (open and resolved), in document order;
    one query whatever their number."""
    items = (
        RelationItem.objects.filter(document=document)
        .exclude(status=ItemStatus.SUPERSEDED)
        .select_related("resolved_by")
        .order_by("first_start", "first_end", "second_start", "second_end", "pk")
    )
    return [relation_item_record(item, labels=labels) for item in items]


def relation_item_of_document(*, document_id: int, item_id: int) -> RelationItem | None:
    return (
        RelationItem.objects.select_related("resolved_by")
        .filter(document_id=document_id, pk=item_id)
        .first()
    )


def relation_item_document_id(item_id: int) -> int | None:
    """The document a relation item belongs to (to resolve the caller's access), or None."""
    return RelationItem.objects.filter(pk=item_id).values_list("document_id", flat=True).first()


def gold_relation_list(
    document: Document, *, labels: ReviewerLabels, moderator_names: bool
) -> list[dict[str, Any]]:
    """The document's gold relations in the order they were made, with their ends' gold
    span ids and passages; one query."""
    rows = (
        GoldRelation.objects.filter(document=document)
        .order_by("pk")
        .values_list(
            "pk",
            "relation_type__code",
            "relation_type__symmetric",
            "source_id",
            "source__start",
            "source__end",
            "target_id",
            "target__start",
            "target__end",
            "origin",
            "proposed_by",
            "item_id",
            "decided_by__username",
            "decided_at",
            "reason",
            "rationale",
        )
    )
    records = []
    for row in rows:
        (pk, code, symmetric, source, s_start, s_end, target, t_start, t_end) = row[:9]
        origin, proposed, item, decider, decided_at, reason, rationale = row[9:]
        reviewers = labels.ordered(proposed or [])
        records.append(
            {
                "id": pk,
                "document": document.pk,
                "type": code,
                "symmetric": symmetric,
                "source": source,
                "source_span": [s_start, s_end],
                "target": target,
                "target_span": [t_start, t_end],
                "origin": origin,
                "proposed_by": [labels.letter(reviewer) for reviewer in reviewers],
                "item": item,
                "decided_by": decider if moderator_names else ("a moderator" if decider else None),
                "decided_at": decided_at,
                "reason": reason,
                "rationale": rationale,
            }
        )
    return records


def incident_item_record(item: IncidentItem, *, labels: ReviewerLabels) -> dict[str, Any]:
    """One incident item: the act's passage, and each reviewer's records there (act
    category, evidence status, slots by role with their passages, note) by letter."""
    return {
        "id": item.pk,
        "document": item.document_id,
        "act": [item.act_start, item.act_end],
        "kinds": list(item.kinds),
        "status": item.status,
        "version": item.version,
        "kept_from": labels.letter(item.kept_from) if item.kept_from is not None else None,
        "reason": item.reason,
        "rationale": item.rationale,
        "resolved_by": item.resolved_by.get_username() if item.resolved_by else None,
        "resolved_at": item.resolved_at,
        "versions": {
            labels.letter(reviewer): item.versions[str(reviewer)]
            for reviewer in labels.ordered(int(key) for key in item.versions)
        },
    }


def document_incident_items(document: Document, *, labels: ReviewerLabels) -> list[dict[str, Any]]:
    """The document's incident items that stand, in document order; one query."""
    items = (
        IncidentItem.objects.filter(document=document)
        .exclude(status=ItemStatus.SUPERSEDED)
        .select_related("resolved_by")
        .order_by("act_start", "act_end", "pk")
    )
    return [incident_item_record(item, labels=labels) for item in items]


def incident_item_of_document(*, document_id: int, item_id: int) -> IncidentItem | None:
    return (
        IncidentItem.objects.select_related("resolved_by")
        .filter(document_id=document_id, pk=item_id)
        .first()
    )


def incident_item_document_id(item_id: int) -> int | None:
    """The document an incident item belongs to (to resolve the caller's access), or None."""
    return IncidentItem.objects.filter(pk=item_id).values_list("document_id", flat=True).first()


def gold_incident_list(
    document: Document, *, labels: ReviewerLabels, moderator_names: bool
) -> list[dict[str, Any]]:
    """The document's gold incidents with their act and slots (gold span ids, passages
    and quotes, roles and involvements) and provenance; two queries."""
    slots: dict[int, list[dict[str, Any]]] = {}
    slot_rows = (
        GoldIncidentSlot.objects.filter(incident__document=document)
        .order_by("role__order", "role__code", "span__start", "pk")
        .values_list(
            "incident_id",
            "role__code",
            "span_id",
            "span__start",
            "span__end",
            "span__quote",
            "involvement",
        )
    )
    for incident, role, span, start, end, quote, involvement in slot_rows:
        slots.setdefault(incident, []).append(
            {
                "role": role,
                "span": span,
                "passage": [start, end],
                "quote": quote,
                "involvement": involvement,
            }
        )
    rows = (
        GoldIncident.objects.filter(document=document)
        .order_by("act__start", "pk")
        .values_list(
            "pk",
            "act_id",
            "act__start",
            "act__end",
            "act__quote",
            "act__category__code",
            "evidence_status",
            "note",
            "origin",
            "proposed_by",
            "item_id",
            "decided_by__username",
            "decided_at",
            "reason",
            "rationale",
        )
    )
    records = []
    for row in rows:
        pk, act, start, end, quote, category, status, note, origin, proposed = row[:10]
        item, decider, decided_at, reason, rationale = row[10:]
        records.append(
            {
                "id": pk,
                "document": document.pk,
                "act": act,
                "act_passage": [start, end],
                "act_quote": quote,
                "category": category,
                "evidence_status": status,
                "note": note,
                "slots": slots.get(pk, []),
                "origin": origin,
                "proposed_by": [labels.letter(r) for r in labels.ordered(proposed or [])],
                "item": item,
                "decided_by": decider if moderator_names else ("a moderator" if decider else None),
                "decided_at": decided_at,
                "reason": reason,
                "rationale": rationale,
            }
        )
    return records
