"""Reads about moderation: the queue of open items, their passages and counts, one item."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db.models import Count, F, Q, QuerySet
from django.db.models.expressions import OrderBy
from django.db.models.functions import Substr

from annotator.access import moderated_projects
from annotator.models import ItemStatus, ModerationItem


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
    if kind in ("label", "boundary", "missing"):
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
