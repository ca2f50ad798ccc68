"""Moderation of relations: the submitted layers' relations aligned into relation items
(``annotator.relation_alignment``), unanimous ones into the gold layer, and a moderator's
decision on each item.

A gold relation links two gold spans, so it is made where both its passages have a gold
span whose category its type allows: a unanimous relation whose passages are still
contested waits in an item (kind ``span``) until the spans are settled. Every decision is
based on the item's version, checked under the document's lock, and audited with what each
reviewer drew and what was kept.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.contrib.auth.models import User
from django.db.models import Count, F
from django.utils import timezone

from annotator.models import (
    Document,
    GoldIncident,
    GoldOrigin,
    GoldRelation,
    GoldSpan,
    IncidentItem,
    ItemStatus,
    RelationItem,
    RelationType,
    ResolutionReason,
)
from annotator.relation_alignment import Link, LinkCluster, align_links
from annotator.selectors.moderation import submitted_links
from annotator.services.audit import audit_record, audited
from annotator.services.gold import gold_relation_snapshot
from annotator.services.moderation import ModerationError, moderation_status_refresh
from annotator.services.projects import layers_changed
from annotator.services.relation_rules import RelationError, ends_check

RATIONALE_MAX_LENGTH = 10_000

M = TypeVar("M", RelationItem, IncidentItem)
G = TypeVar("G")


class RelationModerationError(ModerationError):
    """The decision on a relation item cannot be made as asked; the message says why."""


class RelationItemConflict(Exception):
    """The item was decided, reopened or realigned since the moderator loaded it."""

    def __init__(self, item: RelationItem) -> None:
        self.item = item
        if item.status == ItemStatus.RESOLVED:
            who = item.resolved_by.get_username() if item.resolved_by else "someone else"
            message = f"This relation item was already resolved by {who}; nothing was changed."
        elif item.status == ItemStatus.OPEN:
            message = "This relation item was reopened since you loaded it; nothing was changed."
        else:
            message = (
                "A reviewer's layer was submitted again and this relation item no longer "
                "stands; nothing was changed."
            )
        super().__init__(message)


@dataclass
class Realigned(Generic[G]):
    """What aligning a document's relations or incidents again changed: the items opened
    (saved), the items kept (to check), and the unanimous gold records to save."""

    opened: int
    kept: list[Any]
    gold: list[G]


def realign_items(
    document: Document,
    clusters: Iterable[Any],
    *,
    item_model: type[M],
    gold_model: type[GoldRelation] | type[GoldIncident],
    unanimous: Callable[[Any], list[G] | None],
    item: Callable[[Any], M],
) -> Realigned[G]:
    """The step relations and incidents share when layers are aligned again: a cluster
    everyone agrees on whose gold ``unanimous`` can make is gold (made once: its
    signature is kept), one whose signature an item already has keeps that item (and its
    decision), any other opens an item; the items and unanimous gold records whose
    cluster is gone are superseded and removed. The new items are saved; the new gold
    records are returned to save (an incident has slots to save with it)."""
    live = {
        row.signature: row
        for row in item_model.objects.filter(document=document).exclude(
            status=ItemStatus.SUPERSEDED
        )
    }
    unanimous_gold = gold_model.objects.filter(document=document, origin=GoldOrigin.UNANIMOUS)
    unanimous_before = set(unanimous_gold.values_list("cluster_signature", flat=True))
    kept_items: set[str] = set()
    kept_unanimous: set[str] = set()
    new_items: list[M] = []
    new_gold: list[G] = []
    for cluster in clusters:
        signature = cluster.signature
        made = unanimous(cluster) if cluster.unanimous else None
        if made is not None:
            kept_unanimous.add(signature)
            if signature not in unanimous_before:
                new_gold.extend(made)
        elif signature in live:
            kept_items.add(signature)
        else:
            new_items.append(item(cluster))
    stale = [row.pk for signature, row in live.items() if signature not in kept_items]
    gold_model.objects.filter(item_id__in=stale).delete()
    item_model.objects.filter(pk__in=stale).update(status=ItemStatus.SUPERSEDED)
    unanimous_gold.exclude(cluster_signature__in=kept_unanimous).delete()
    item_model.objects.bulk_create(new_items)
    return Realigned(len(new_items), [live[signature] for signature in kept_items], new_gold)


def relations_align(document: Document) -> tuple[int, int]:
    """Align the submitted layers' relations of a document being aligned (its lock held,
    its gold spans already made): unanimous relations whose spans are gold become gold,
    every other pair an item; items and unanimous relations whose pair changed are
    superseded. How many items were opened and unanimous relations made."""
    types = {t.code: t for t in RelationType.objects.filter(project_id=document.project_id)}
    golds = gold_spans_by_ends(document)
    done = realign_items(
        document,
        align_links(submitted_links(document)),
        item_model=RelationItem,
        gold_model=GoldRelation,
        unanimous=lambda cluster: _unanimous_gold(document, cluster, types, golds),
        item=lambda cluster: _item(document, cluster, pending=cluster.unanimous),
    )
    _reopen_unmoored(done.kept)
    GoldRelation.objects.bulk_create(done.gold)
    return done.opened, len(done.gold)


def _reopen_unmoored(items: list[RelationItem]) -> None:
    """Open again the resolved items whose kept relations lost a gold span (its passage
    was realigned): the decision is theirs to make again."""
    resolved = [item for item in items if item.status == ItemStatus.RESOLVED and item.kept]
    counts = dict(
        GoldRelation.objects.filter(item__in=resolved)
        .values("item_id")
        .annotate(n=Count("pk"))
        .values_list("item_id", "n")
    )
    unmoored = [item.pk for item in resolved if counts.get(item.pk, 0) < len(item.kept)]
    GoldRelation.objects.filter(item_id__in=unmoored).delete()
    RelationItem.objects.filter(pk__in=unmoored).update(
        status=ItemStatus.OPEN,
        kept=[],
        resolved_by=None,
        resolved_at=None,
        version=F("version") + 1,
    )


def gold_spans_by_ends(document: Document) -> dict[tuple[int, int], list[GoldSpan]]:
    found: dict[tuple[int, int], list[GoldSpan]] = {}
    for span in GoldSpan.objects.filter(document=document).select_related("category"):
        found.setdefault((span.start, span.end), []).append(span)
    return found


def _ends(
    link: Link, relation_type: RelationType, golds: Mapping[tuple[int, int], list[GoldSpan]]
) -> tuple[GoldSpan, GoldSpan] | str:
    """The gold spans a link joins (the first whose categories its type allows), or why
    there are none."""
    for source in golds.get(link.source, []):
        for target in golds.get(link.target, []):
            if source.pk == target.pk:
                continue
            try:
                ends_check(relation_type, source, target)  # type: ignore[arg-type]
            except RelationError:
                continue
            return source, target
    for end in (link.source, link.target):
        if end not in golds:
            return (
                f"The gold layer has no span at {end[0]}-{end[1]} yet: settle that passage's "
                "span item first."
            )
    return (
        f"The gold spans at {link.source[0]}-{link.source[1]} and "
        f"{link.target[0]}-{link.target[1]} have categories a {relation_type.name!r} "
        "relation does not allow."
    )


def _unanimous_gold(
    document: Document,
    cluster: LinkCluster,
    types: Mapping[str, RelationType],
    golds: Mapping[tuple[int, int], list[GoldSpan]],
) -> list[GoldRelation] | None:
    reviewers = sorted(cluster.versions)
    made = []
    for link in sorted(cluster.links):
        relation_type = types.get(link.type)
        ends = _ends(link, relation_type, golds) if relation_type else "unknown type"
        if isinstance(ends, str):
            return None
        made.append(
            GoldRelation(
                document=document,
                source=ends[0],
                target=ends[1],
                relation_type=relation_type,
                origin=GoldOrigin.UNANIMOUS,
                proposed_by=reviewers,
                cluster_signature=cluster.signature,
            )
        )
    return made


def _item(document: Document, cluster: LinkCluster, *, pending: bool) -> RelationItem:
    (first, second) = cluster.pair
    return RelationItem(
        document=document,
        first_start=first[0],
        first_end=first[1],
        second_start=second[0],
        second_end=second[1],
        kinds=["span"] if pending else sorted(cluster.kinds),
        versions={
            str(reviewer): sorted(link.as_list() for link in links)
            for reviewer, links in sorted(cluster.versions.items())
        },
        signature=cluster.signature,
    )


def check_why(reason: str, rationale: str) -> None:
    """Refuse an unknown reason or an over-long rationale."""
    if reason not in ResolutionReason.values:
        raise RelationModerationError(f"Unknown reason {reason!r}.")
    if len(rationale) > RATIONALE_MAX_LENGTH:
        raise RelationModerationError(
            f"A rationale may have at most {RATIONALE_MAX_LENGTH} characters."
        )


def locked_item(model: type[M], item_id: int) -> tuple[Document, M]:
    """A relation or incident item's document locked first (the order every curation
    write takes), then the item."""
    what = model._meta.verbose_name
    document_id = model.objects.filter(pk=item_id).values_list("document_id", flat=True).first()
    if document_id is None:
        raise RelationModerationError(f"No such {what}.")
    document = (
        Document.objects.select_for_update(no_key=True, of=("self",))
        .select_related("project")
        .defer("text")
        .get(pk=document_id)
    )
    item = model.objects.select_for_update().filter(pk=item_id).first()
    if item is None:
        raise RelationModerationError(f"No such {what}.")
    return document, item


def _proposed(item: RelationItem) -> dict[Link, list[int]]:
    """Every relation drawn in the item, with the reviewers who drew it."""
    found: dict[Link, list[int]] = {}
    for reviewer, links in item.versions.items():
        for raw in links:
            found.setdefault(Link.from_list(raw), []).append(int(reviewer))
    return found


@audited
def relation_item_resolve(
    *,
    item_id: int,
    moderator: User,
    version: int,
    keep: Iterable[Sequence[Any]],
    reason: str = "",
    rationale: str = "",
) -> RelationItem:
    """Settle a relation item: the relations in ``keep`` (each one a reviewer drew there,
    as ``[type, [start, end], [start, end], symmetric]``) become gold between the gold
    spans at their passages; an empty ``keep`` rejects them all."""
    document, item = locked_item(RelationItem, item_id)
    if item.status != ItemStatus.OPEN or item.version != version:
        raise RelationItemConflict(item)
    check_why(reason, rationale)
    proposed = _proposed(item)
    try:
        chosen = sorted({Link.from_list(list(raw)) for raw in keep})
    except (TypeError, ValueError) as error:
        raise RelationModerationError(
            "Each relation kept is [type, [start, end], [start, end], symmetric]."
        ) from error
    for link in chosen:
        if link not in proposed:
            raise RelationModerationError(
                f"No reviewer drew a {link.type!r} relation from {link.source[0]}-"
                f"{link.source[1]} to {link.target[0]}-{link.target[1]} here."
            )
    types = {t.code: t for t in RelationType.objects.filter(project_id=document.project_id)}
    golds = gold_spans_by_ends(document)
    now = timezone.now()
    made = []
    for link in chosen:
        relation_type = types.get(link.type)
        if relation_type is None:
            raise RelationModerationError(f"The project has no relation type {link.type!r}.")
        ends = _ends(link, relation_type, golds)
        if isinstance(ends, str):
            raise RelationModerationError(ends)
        made.append(
            GoldRelation(
                document=document,
                source=ends[0],
                target=ends[1],
                relation_type=relation_type,
                origin=GoldOrigin.MODERATED,
                proposed_by=sorted(proposed[link]),
                item=item,
                cluster_signature=item.signature,
                decided_by=moderator,
                decided_at=now,
                reason=reason,
                rationale=rationale.strip(),
            )
        )
    GoldRelation.objects.bulk_create(made)
    item.status = ItemStatus.RESOLVED
    item.kept = [link.as_list() for link in chosen]
    item.reason = reason
    item.rationale = rationale.strip()
    item.resolved_by = moderator
    item.resolved_at = now
    decision_record(
        document,
        item,
        moderator=moderator,
        action="relation_item.resolve",
        before={"status": ItemStatus.OPEN, "versions": item.versions},
        after={
            "kept": item.kept,
            "reason": reason,
            "rationale": item.rationale,
            "gold": [gold_relation_snapshot(relation) for relation in made],
        },
    )
    return item


@audited
def relation_item_reopen(
    *, item_id: int, moderator: User, version: int, rationale: str = ""
) -> RelationItem:
    """Undo a relation item's decision: its gold relations are removed, it is open again."""
    document, item = locked_item(RelationItem, item_id)
    if item.status != ItemStatus.RESOLVED or item.version != version:
        raise RelationItemConflict(item)
    removed = list(item.gold_relations.select_related("relation_type"))
    before = {
        "kept": item.kept,
        "gold": [gold_relation_snapshot(relation) for relation in removed],
    }
    GoldRelation.objects.filter(pk__in=[relation.pk for relation in removed]).delete()
    item.status = ItemStatus.OPEN
    item.kept = []
    item.resolved_by = None
    item.resolved_at = None
    decision_record(
        document,
        item,
        moderator=moderator,
        action="relation_item.reopen",
        before=before,
        after={"status": ItemStatus.OPEN, "rationale": rationale.strip()},
    )
    return item


def decision_record(
    document: Document,
    item: RelationItem | IncidentItem,
    *,
    moderator: User,
    action: str,
    before: dict[str, Any],
    after: dict[str, Any],
) -> None:
    """What every decision on a relation or incident item ends with: the item saved at
    its next version, the audit event (``action`` names the item's type first), and the
    document's layers and status brought up to date."""
    item.version += 1
    item.save()
    audit_record(
        actor=moderator,
        action=action,
        object_type=action.split(".", 1)[0],
        object_id=item.pk,
        project=document.project,
        document=document,
        before=before,
        after=after,
    )
    layers_changed(project_id=document.project_id)
    moderation_status_refresh(document)
