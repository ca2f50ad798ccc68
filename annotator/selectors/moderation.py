"""Reads about moderation: the queue of open items, their passages and counts, one item."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Count, F, Q, QuerySet
from django.db.models.expressions import OrderBy
from django.db.models.functions import Substr

from annotator.access import moderated_projects
from annotator.alignment import Span, as_span
from annotator.incident_alignment import Record
from annotator.models import (
    Annotation,
    Assignment,
    Category,
    Document,
    Incident,
    IncidentSlot,
    ItemStatus,
    ModerationItem,
    Relation,
)
from annotator.relation_alignment import Link
from annotator.selectors.pseudonyms import ReviewerLabels

# What a contested cluster can differ in; an item has one or more of these (a set).
ITEM_KINDS = ("label", "boundary", "missing", "attributes")


def moderation_queue(
    *,
    user: User,
    project_slug: str = "",
    document_id: int | None = None,
    category: str = "",
    kind: str = "",
    order: str = "position",
) -> QuerySet[ModerationItem]:
    """Open items of the user's moderated projects, filtered, with their passage's text.

    ``order`` is ``position`` (document, then place in it), ``contested`` (most contested
    first) or ``agreement`` (documents whose reviewers agreed least first; documents whose
    agreement is undefined last). Give the page shown to ``with_passages`` for the text of
    each passage: reading it here would make the count read every item's document text.
    """
    items = ModerationItem.objects.filter(
        status=ItemStatus.OPEN,
        document__project__in=moderated_projects(user=user),
    )
    if project_slug:
        items = items.filter(document__project__slug=project_slug)
    if document_id:
        items = items.filter(document_id=document_id)
    if category:
        items = items.filter(category_codes__contains=f",{category},")
    if kind in ITEM_KINDS:
        items = items.filter(**{f"is_{kind}": True})
    orderings: dict[str, tuple[str | OrderBy, ...]] = {
        "contested": ("-contestedness", "document_id", "start", "pk"),
        "agreement": (
            F("document__agreement").asc(nulls_last=True),
            "document_id",
            "start",
            "pk",
        ),
    }
    ordering = orderings.get(order, ("document_id", "start", "end", "pk"))
    return items.select_related("document__project").defer("document__text").order_by(*ordering)


def with_passages(items: list[ModerationItem]) -> list[ModerationItem]:
    """Attach ``passage`` (the item's text, read by the database) to a page of items."""
    passages = dict(
        ModerationItem.objects.filter(pk__in=[item.pk for item in items])
        .annotate(text_part=Substr("document__text", F("start") + 1, F("end") - F("start")))
        .values_list("pk", "text_part")
    )
    for item in items:
        item.passage = passages.get(item.pk, "")
    return items


def moderation_counts(items: QuerySet[ModerationItem]) -> dict[str, int]:
    """How many items there are in all and of each kind, in one query."""
    return items.order_by().aggregate(
        total=Count("pk"),
        label=Count("pk", filter=Q(is_label=True)),
        boundary=Count("pk", filter=Q(is_boundary=True)),
        missing=Count("pk", filter=Q(is_missing=True)),
        attributes=Count("pk", filter=Q(is_attributes=True)),
    )


def item_for_moderator(*, user: User, item_id: int) -> ModerationItem | None:
    """An item of a project the user moderates; None otherwise."""
    return (
        ModerationItem.objects.select_related("document__project", "resolved_by")
        .defer("document__text")
        .filter(document__project__in=moderated_projects(user=user), pk=item_id)
        .first()
    )


def next_open_item(*, user: User, after: ModerationItem) -> ModerationItem | None:
    """The next open item in queue order after ``after`` (its document first)."""
    items = moderation_queue(user=user)
    later = items.filter(
        Q(document_id=after.document_id, start__gt=after.start)
        | Q(document_id=after.document_id, start=after.start, pk__gt=after.pk)
        | Q(document_id__gt=after.document_id)
    )
    return later.first() or items.exclude(pk=after.pk).first()


@dataclass(frozen=True)
class QueueFilterOptions:
    """What the queue's filters offer: ``documents`` as ``(id, title, project name)`` and
    ``categories`` as ``(code, name, project name)``; either is None when there are more
    than the limit (that filter is then a box for an id or a code)."""

    documents: list[tuple[int, str, str]] | None
    categories: list[tuple[str, str, str]] | None


def queue_filter_options(*, project_ids: Sequence[int], limit: int) -> QueueFilterOptions:
    """The documents of these projects that have open items, and the projects' categories,
    in two queries whatever the number of items, each list None beyond ``limit`` rows."""
    open_items = ModerationItem.objects.filter(
        status=ItemStatus.OPEN, document__project_id__in=project_ids
    )
    documents = list(
        Document.objects.filter(pk__in=open_items.values("document_id"))
        .order_by("project__name", "title", "pk")
        .values_list("pk", "title", "project__name")[: limit + 1]
    )
    categories = list(
        Category.objects.filter(project_id__in=project_ids)
        .order_by("project__name", "order", "code")
        .values_list("code", "name", "project__name")[: limit + 1]
    )
    return QueueFilterOptions(
        documents=documents if len(documents) <= limit else None,
        categories=categories if len(categories) <= limit else None,
    )


def item_record(item: ModerationItem, *, labels: ReviewerLabels) -> dict[str, Any]:
    """One item as the curation page and the API show it: each reviewer's version keyed by
    their letter, never by user id, with every span's attributes (items aligned before
    attributes were compared have them empty)."""
    versions = {
        labels.letter(reviewer): [list(as_span(span)) for span in item.versions[str(reviewer)]]
        for reviewer in labels.ordered(item.versions)
    }
    return {
        "id": item.pk,
        "document": item.document_id,
        "start": item.start,
        "end": item.end,
        "kinds": list(item.kinds),
        "status": item.status,
        "version": item.version,
        "resolution": item.resolution,
        "reason": item.reason,
        "rationale": item.rationale,
        "resolved_by": item.resolved_by.get_username() if item.resolved_by else None,
        "resolved_at": item.resolved_at,
        "contestedness": item.contestedness,
        "versions": versions,
    }


def document_items(
    document: Document, *, labels: ReviewerLabels, status: str = ""
) -> list[dict[str, Any]]:
    """The document's items that stand (open and resolved; superseded ones are history),
    in document order, as ``item_record``; one query whatever their number."""
    items = (
        ModerationItem.objects.filter(document=document)
        .exclude(status=ItemStatus.SUPERSEDED)
        .select_related("resolved_by")
        .order_by("start", "end", "pk")
    )
    if status:
        items = items.filter(status=status)
    return [item_record(item, labels=labels) for item in items]


def item_of_document(*, document_id: int, item_id: int) -> ModerationItem | None:
    return (
        ModerationItem.objects.select_related("resolved_by")
        .filter(document_id=document_id, pk=item_id)
        .first()
    )


def item_document_id(item_id: int) -> int | None:
    """The document an item belongs to (to resolve the caller's access), or None."""
    return ModerationItem.objects.filter(pk=item_id).values_list("document_id", flat=True).first()


# A span as alignment compares it (``alignment.Span``), by the columns it is read from.
SPAN_COLUMNS = ("start", "end", "category__code", "evidence_status", "source_type", "note")


def submitted_spans(document: Document) -> dict[int, list[Span]]:
    """Every submitted reviewer's spans of the document (a reviewer with none included),
    with what each says of the evidence: status, source type and note; two queries."""
    reviewers = _submitted_reviewers(document)
    layers: dict[int, list[Span]] = {reviewer: [] for reviewer in reviewers}
    rows = (
        Annotation.objects.filter(document=document, reviewer_id__in=reviewers)
        .order_by("start", "end", "pk")
        .values_list(
            "reviewer_id",
            "start",
            "end",
            "category__code",
            "evidence_status",
            "source_type",
            "note",
        )
    )
    for reviewer, start, end, category, status, source, note in rows:
        layers[reviewer].append(Span(start, end, category, status, source, note))
    return layers


def submitted_links(document: Document) -> dict[int, list[Link]]:
    """Every submitted reviewer's relations of the document (a reviewer with none
    included), each by its type and its ends' offsets; two queries."""
    reviewers = _submitted_reviewers(document)
    layers: dict[int, list[Link]] = {reviewer: [] for reviewer in reviewers}
    rows = Relation.objects.filter(document=document, reviewer_id__in=reviewers).values_list(
        "reviewer_id",
        "relation_type__code",
        "relation_type__symmetric",
        "source__start",
        "source__end",
        "target__start",
        "target__end",
    )
    for reviewer, code, symmetric, s_start, s_end, t_start, t_end in rows:
        layers[reviewer].append(Link.of(code, (s_start, s_end), (t_start, t_end), symmetric))
    return layers


def _submitted_reviewers(document: Document) -> list[int]:
    return list(
        Assignment.objects.filter(document=document, submitted_at__isnull=False)
        .order_by("reviewer_id")
        .values_list("reviewer_id", flat=True)
    )


def submitted_records(document: Document) -> dict[int, list[Record]]:
    """Every submitted reviewer's incident records of the document (a reviewer with none
    included), each by its act's offsets and category and its slots' offsets; two queries."""
    reviewers = _submitted_reviewers(document)
    incidents = Incident.objects.filter(document=document, reviewer_id__in=reviewers)
    slots: dict[int, set[tuple[str, tuple[int, int], str]]] = {}
    for incident, role, start, end, involvement in IncidentSlot.objects.filter(
        incident__in=incidents
    ).values_list(
        "incident_id", "role__code", "annotation__start", "annotation__end", "involvement"
    ):
        slots.setdefault(incident, set()).add((role, (start, end), involvement))
    layers: dict[int, list[Record]] = {reviewer: [] for reviewer in reviewers}
    for pk, reviewer, start, end, category, status, note in incidents.values_list(
        "pk",
        "reviewer_id",
        "act__start",
        "act__end",
        "act__category__code",
        "evidence_status",
        "note",
    ):
        layers[reviewer].append(
            Record((start, end), category, status, frozenset(slots.get(pk, ())), note)
        )
    return layers
