"""Moderation: align the submitted layers into a queue, and resolve it into the gold layer.

The rules of alignment live in ``annotator.alignment``; this module stores their result.
Unanimous clusters go straight into the gold layer when the project auto-accepts them;
every other cluster becomes a queue item that a moderator resolves. Resolving writes gold
spans that record who proposed them and who decided. When a reopened layer is submitted
again the document is aligned anew: items whose cluster did not change keep their
resolution, the others are superseded and open again.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from annotator.agreement import unitizing_alpha
from annotator.alignment import Cluster, Span, align, as_span
from annotator.models import (
    Category,
    Document,
    DocumentStatus,
    GoldOrigin,
    GoldSpan,
    ItemStatus,
    ModerationItem,
    Resolution,
    ResolutionReason,
)
from annotator.selectors.moderation import submitted_spans
from annotator.services.audit import audit_record, audited
from annotator.services.gold import GoldError, check_gold_span, gold_snapshot, gold_span
from annotator.services.projects import layers_changed

MIN_LAYERS = 2


class ModerationError(ValueError):
    """The moderation step is not possible or not valid; the message says why."""


class ItemConflict(Exception):
    """The item was resolved, reopened or realigned by someone else since it was loaded."""

    def __init__(self, item: ModerationItem) -> None:
        self.item = item
        if item.status == ItemStatus.RESOLVED:
            who = item.resolved_by.get_username() if item.resolved_by else "someone else"
            what = Resolution(item.resolution).label.lower() if item.resolution else "decided"
            message = (
                f"This item was already resolved by {who}"
                + (f" at {item.resolved_at:%Y-%m-%d %H:%M} UTC" if item.resolved_at else "")
                + f" ({what}); nothing was changed."
            )
        elif item.status == ItemStatus.OPEN:
            message = "This item was reopened since you loaded it; nothing was changed."
        else:
            message = (
                "A reviewer's layer was submitted again and this item no longer stands; "
                "nothing was changed."
            )
        super().__init__(message)


@dataclass(frozen=True)
class AlignmentSummary:
    items_opened: int
    items_kept: int
    items_superseded: int
    unanimous_spans: int


def cluster_signature(versions: Mapping[int, Iterable[Span]]) -> str:
    """SHA-256 of a cluster's versions, independent of order."""
    canonical = json.dumps(
        {
            str(reviewer): sorted(list(span) for span in spans)
            for reviewer, spans in versions.items()
        },
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def layers_agreement(layers: Mapping[int, Iterable[Span]], text_length: int) -> float | None:
    """The unitizing alpha of one document's layers over all categories; None if undefined."""
    units = [
        (span.start, span.end, reviewer, span.category)
        for reviewer, spans in layers.items()
        for span in spans
    ]
    alpha = unitizing_alpha(units, 0, text_length, raters=list(layers))
    return None if math.isnan(alpha) else alpha


@audited
def moderation_start(*, document: Document, actor: User | None) -> AlignmentSummary:
    """Align the document's submitted layers into the queue (at least two are needed)."""
    # No key update: spans being saved by reviewers still open hold a key-share lock on
    # the document (their foreign key), which this must not wait for.
    document = (
        Document.objects.select_for_update(no_key=True)
        .select_related("project")
        .get(pk=document.pk)
    )
    layers = submitted_spans(document)
    if len(layers) < MIN_LAYERS:
        raise ModerationError(
            f"Moderation needs at least {MIN_LAYERS} submitted layers; "
            f"this document has {len(layers)}."
        )
    summary = _align_into_queue(document, layers)
    audit_record(
        actor=actor,
        action="moderation.align",
        object_type="document",
        object_id=document.pk,
        project=document.project,
        document=document,
        after={
            "reviewers": sorted(layers),
            "items_opened": summary.items_opened,
            "items_kept": summary.items_kept,
            "items_superseded": summary.items_superseded,
            "unanimous_spans": summary.unanimous_spans,
        },
    )
    return summary


def moderation_started(document: Document) -> bool:
    return (
        document.moderation_items.exists()
        or document.gold_spans.exists()
        or document.status in (DocumentStatus.IN_MODERATION, DocumentStatus.RECONCILED)
    )


def _align_into_queue(document: Document, layers: dict[int, list[Span]]) -> AlignmentSummary:
    clusters = align(layers)
    auto_accept = document.project.auto_accept_unanimous
    categories = {c.code: c for c in Category.objects.filter(project_id=document.project_id)}
    text = Document.objects.values_list("text", flat=True).get(pk=document.pk)

    live_items = {
        item.signature: item
        for item in document.moderation_items.exclude(status=ItemStatus.SUPERSEDED)
    }
    unanimous_signatures = set(
        document.gold_spans.filter(origin=GoldOrigin.UNANIMOUS).values_list(
            "cluster_signature", flat=True
        )
    )
    kept_items: set[str] = set()
    kept_unanimous: set[str] = set()
    new_items: list[ModerationItem] = []
    new_gold: list[GoldSpan] = []
    for cluster in clusters:
        signature = cluster_signature(cluster.versions)
        if cluster.unanimous and auto_accept:
            kept_unanimous.add(signature)
            if signature not in unanimous_signatures:
                new_gold.extend(_unanimous_gold(document, cluster, signature, categories, text))
        elif signature in live_items:
            kept_items.add(signature)
        else:
            new_items.append(_item(document, cluster, signature))

    stale = [item for signature, item in live_items.items() if signature not in kept_items]
    GoldSpan.objects.filter(item__in=stale).delete()
    ModerationItem.objects.filter(pk__in=[item.pk for item in stale]).update(
        status=ItemStatus.SUPERSEDED
    )
    GoldSpan.objects.filter(document=document, origin=GoldOrigin.UNANIMOUS).exclude(
        cluster_signature__in=kept_unanimous
    ).delete()
    ModerationItem.objects.bulk_create(new_items)
    GoldSpan.objects.bulk_create(new_gold)
    document.agreement = layers_agreement(layers, len(text))
    Document.objects.filter(pk=document.pk).update(agreement=document.agreement)
    layers_changed(project_id=document.project_id)
    _refresh_status(document)
    return AlignmentSummary(
        items_opened=len(new_items),
        items_kept=len(kept_items),
        items_superseded=len(stale),
        unanimous_spans=len(new_gold),
    )


def _unanimous_gold(
    document: Document,
    cluster: Cluster,
    signature: str,
    categories: Mapping[str, Category],
    text: str,
) -> list[GoldSpan]:
    reviewers = sorted(cluster.versions)
    spans = next(iter(cluster.versions.values()))
    return [
        gold_span(
            document,
            span,
            text[span.start : span.end],
            categories,
            origin=GoldOrigin.UNANIMOUS,
            proposed_by=reviewers,
            matched_by=reviewers,
            cluster_signature=signature,
        )
        for span in sorted(spans)
    ]


def _item(document: Document, cluster: Cluster, signature: str) -> ModerationItem:
    kinds = set(cluster.kinds)
    return ModerationItem(
        document=document,
        start=cluster.start,
        end=cluster.end,
        kinds=sorted(kinds),
        is_label="label" in kinds,
        is_boundary="boundary" in kinds,
        is_missing="missing" in kinds,
        is_attributes="attributes" in kinds,
        category_codes="," + ",".join(sorted({span.category for span in cluster.spans})) + ",",
        versions={
            str(reviewer): sorted(list(span) for span in spans)
            for reviewer, spans in sorted(cluster.versions.items())
        },
        contestedness=cluster.contestedness,
        signature=signature,
    )


def _refresh_status(document: Document) -> None:
    has_open = document.moderation_items.filter(status=ItemStatus.OPEN).exists()
    status = DocumentStatus.IN_MODERATION if has_open else DocumentStatus.RECONCILED
    if document.status != status:
        Document.objects.filter(pk=document.pk).update(status=status)
        document.status = status


def item_proposals(item: ModerationItem) -> dict[int, set[Span]]:
    """What each reviewer proposed in an item, as spans with their attributes."""
    return {
        int(reviewer): {as_span(span) for span in spans}
        for reviewer, spans in item.versions.items()
    }


def _locked_item(item_id: int) -> ModerationItem:
    # Who resolved it is read after the lock, never joined to it: on PostgreSQL a row locked
    # after a wait is read again, but the rows joined to it are not (the join would still
    # say nobody had resolved it).
    item = (
        ModerationItem.objects.select_for_update(of=("self",))
        .select_related("document__project")
        .defer("document__text")
        .filter(pk=item_id)
        .first()
    )
    if item is None:
        raise ModerationError("No such moderation item.")
    return item


@audited
def item_resolve(
    *,
    item_id: int,
    moderator: User,
    version: int,
    resolution: str,
    spans: Iterable[Span | Sequence[Any]],
    reason: str = "",
    rationale: str = "",
) -> ModerationItem:
    """Settle one queue item: the spans given (with their attributes) become gold; none
    means "reject all", which must be said (``Resolution.REJECT``), never a side effect.

    ``version`` is the item's version the moderator saw; if another moderator resolved it
    first, ItemConflict is raised (saying who, when and what) and nothing is written.
    """
    item = _locked_item(item_id)
    if item.status != ItemStatus.OPEN or item.version != version:
        raise ItemConflict(item)
    if resolution not in Resolution.values:
        raise ModerationError(f"Unknown resolution {resolution!r}.")
    if reason not in ResolutionReason.values:
        raise ModerationError(f"Unknown reason {reason!r}.")
    proposed = item_proposals(item)
    chosen = sorted({_completed(as_span(span), proposed) for span in spans})
    _check_resolution(resolution, chosen, proposed)

    document = item.document
    categories = {c.code: c for c in Category.objects.filter(project_id=document.project_id)}
    for span in chosen:
        try:
            check_gold_span(document, span, categories)
        except GoldError as error:
            raise ModerationError(str(error)) from error
        if span.end <= item.start or span.start >= item.end:
            raise ModerationError(
                f"The span {span.start}-{span.end} lies outside this item's passage "
                f"({item.start}-{item.end})."
            )
    text = Document.objects.values_list("text", flat=True).get(pk=document.pk)
    now = timezone.now()
    gold = [
        gold_span(
            document,
            span,
            text[span.start : span.end],
            categories,
            origin=GoldOrigin.MODERATED,
            proposed_by=sorted(r for r, versions in proposed.items() if span in versions),
            matched_by=sorted(
                r for r, versions in proposed.items() if any(v.key == span.key for v in versions)
            ),
            item=item,
            cluster_signature=item.signature,
            decided_by=moderator,
            decided_at=now,
            reason=reason,
            rationale=rationale.strip(),
        )
        for span in chosen
    ]
    GoldSpan.objects.bulk_create(gold)
    item.status = ItemStatus.RESOLVED
    item.resolution = resolution
    item.reason = reason
    item.rationale = rationale.strip()
    item.resolved_by = moderator
    item.resolved_at = now
    item.version += 1
    item.save()
    audit_record(
        actor=moderator,
        action="item.resolve",
        object_type="moderation_item",
        object_id=item.pk,
        project=document.project,
        document=document,
        before={"status": ItemStatus.OPEN, "versions": item.versions},
        after={
            "resolution": resolution,
            "reason": reason,
            "rationale": item.rationale,
            "gold": [gold_snapshot(span) for span in gold],
        },
    )
    layers_changed(project_id=document.project_id)
    _refresh_status(document)
    return item


@audited
def item_reopen(
    *, item_id: int, moderator: User, version: int, rationale: str = ""
) -> ModerationItem:
    """Undo an item's decision: its gold spans go, and the item is open again. The decision
    undone stays in the audit log (this event records it, with who reopened and why)."""
    item = _locked_item(item_id)
    if item.status != ItemStatus.RESOLVED or item.version != version:
        raise ItemConflict(item)
    document = item.document
    gold = list(item.gold_spans.select_related("category").order_by("start", "end", "pk"))
    before = {
        "status": item.status,
        "resolution": item.resolution,
        "reason": item.reason,
        "rationale": item.rationale,
        "resolved_by": item.resolved_by_id,
        "gold": [gold_snapshot(span) for span in gold],
    }
    GoldSpan.objects.filter(pk__in=[span.pk for span in gold]).delete()
    item.status = ItemStatus.OPEN
    item.resolution = ""
    item.reason = ""
    item.rationale = ""
    item.resolved_by = None
    item.resolved_at = None
    item.version += 1
    item.save()
    audit_record(
        actor=moderator,
        action="item.reopen",
        object_type="moderation_item",
        object_id=item.pk,
        project=document.project,
        document=document,
        before=before,
        after={"status": ItemStatus.OPEN, "rationale": rationale.strip()},
    )
    layers_changed(project_id=document.project_id)
    _refresh_status(document)
    return item


def _completed(span: Span, proposed: Mapping[int, set[Span]]) -> Span:
    """A span sent by its boundaries and category alone (no attribute, no note) is the
    proposal it matches when only one matches it; otherwise it is taken as sent."""
    if span.evidence_status or span.source_type or span.note:
        return span
    matching = {other for spans in proposed.values() for other in spans if other.key == span.key}
    return matching.pop() if len(matching) == 1 else span


def _check_resolution(
    resolution: str, chosen: list[Span], proposed: Mapping[int, set[Span]]
) -> None:
    every_proposal: set[Span] = set().union(*proposed.values())
    if resolution == Resolution.REJECT and chosen:
        raise ModerationError("Rejecting all keeps no span; send none.")
    if resolution == Resolution.ACCEPT_REVIEWER:
        if not chosen:
            raise ModerationError(
                "That reviewer has no span here, so accepting their version would drop the "
                "others' spans; to keep nothing, reject them (with a reason)."
            )
        if set(chosen) not in proposed.values():
            raise ModerationError("The spans sent are not exactly one reviewer's version.")
    if resolution == Resolution.ACCEPT_SPANS and not set(chosen) <= every_proposal:
        raise ModerationError("Some spans sent were not proposed by any reviewer.")
    if resolution in (Resolution.ACCEPT_SPANS, Resolution.CUSTOM) and not chosen:
        raise ModerationError("Choose at least one span, or reject all.")
