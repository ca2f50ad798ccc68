"""Reads of the gold layer: its spans with their evidence and provenance, as each viewer may
see them.

Provenance names reviewers by what the viewer may see (``ReviewerLabels``): their letters,
and their user names only where names are visible. Who decided is a moderator's user name
for moderators and managers; a reviewer reading the gold layer sees "a moderator".
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from annotator.models import Document, GoldSpan
from annotator.selectors.pseudonyms import ReviewerLabels

# The columns a gold span is read from, by the name it has in a record.
GOLD_COLUMNS = {
    "id": "id",
    "document": "document_id",
    "start": "start",
    "end": "end",
    "quote": "quote",
    "category": "category__code",
    "evidence_status": "evidence_status",
    "source_type": "source_type",
    "note": "note",
    "origin": "origin",
    "proposed_by": "proposed_by",
    "matched_by": "matched_by",
    "item": "item_id",
    "decided_by": "decided_by__username",
    "decided_at": "decided_at",
    "reason": "reason",
    "rationale": "rationale",
    "version": "version",
}


def _shown(row: dict[str, Any], labels: ReviewerLabels, *, moderator_names: bool) -> dict[str, Any]:
    """A row of ``GOLD_COLUMNS`` with its reviewers as letters (and names where visible)."""
    for name in ("proposed_by", "matched_by"):
        reviewers = labels.ordered(row[name] or [])
        row[name] = [labels.letter(reviewer) for reviewer in reviewers]
        row[f"{name}_shown"] = [labels.shown(reviewer) for reviewer in reviewers]
    if not moderator_names:
        row["decided_by"] = "a moderator" if row["decided_by"] else None
    return row


def gold_spans(document: Document) -> QuerySet[GoldSpan]:
    return GoldSpan.objects.filter(document=document).order_by("start", "end", "pk")


def gold_list(
    document: Document, *, labels: ReviewerLabels, moderator_names: bool
) -> list[dict[str, Any]]:
    """The document's gold layer in document order, one plain record per span (a long
    report has thousands: no model instance is built), in one query."""
    names = tuple(GOLD_COLUMNS)
    rows = gold_spans(document).values_list(*GOLD_COLUMNS.values())
    return [
        _shown(dict(zip(names, row, strict=True)), labels, moderator_names=moderator_names)
        for row in rows
    ]


def gold_record(
    span: GoldSpan, *, labels: ReviewerLabels, moderator_names: bool = True
) -> dict[str, Any]:
    """One gold span (its category and decider loaded) in the shape of ``gold_list``."""
    row = {
        "id": span.pk,
        "document": span.document_id,
        "start": span.start,
        "end": span.end,
        "quote": span.quote,
        "category": span.category.code,
        "evidence_status": span.evidence_status,
        "source_type": span.source_type,
        "note": span.note,
        "origin": span.origin,
        "proposed_by": list(span.proposed_by),
        "matched_by": list(span.matched_by),
        "item": span.item_id,
        "decided_by": span.decided_by.get_username() if span.decided_by else None,
        "decided_at": span.decided_at,
        "reason": span.reason,
        "rationale": span.rationale,
        "version": span.version,
    }
    return _shown(row, labels, moderator_names=moderator_names)


def gold_span_of_document(*, document_id: int, gold_id: int) -> GoldSpan | None:
    return (
        GoldSpan.objects.select_related("category", "decided_by")
        .filter(document_id=document_id, pk=gold_id)
        .first()
    )


def gold_document_id(gold_id: int) -> int | None:
    """The document a gold span belongs to (to resolve the caller's access), or None."""
    return GoldSpan.objects.filter(pk=gold_id).values_list("document_id", flat=True).first()
