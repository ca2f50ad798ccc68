"""Reads about the moderation of relations: a document's relation items and its gold
relations, each as one plain record, reviewers named by their letter (never a user id)."""

from __future__ import annotations

from typing import Any

from annotator.models import Document, GoldRelation, ItemStatus, RelationItem
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
