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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.utils import timezone

from annotator.agreement import unitizing_alpha
from annotator.alignment import Cluster, Span, align
from annotator.models import (
    Annotation,
    Assignment,
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
from annotator.services.audit import audit_record, audited
from annotator.services.projects import layers_changed
from annotator.text import SpanError, check_span_bounds

MIN_LAYERS = 2


class ModerationError(ValueError):
    """The moderation step is not possible or not valid; the message says why."""


class ItemConflict(Exception):
    """The item was resolved (or changed) by someone else first."""

    def __init__(self, item: ModerationItem) -> None:
        self.item = item
        who = item.resolved_by.get_username() if item.resolved_by else "someone else"
        super().__init__(
            f"This item was already {item.get_status_display().lower()} by {who}"
            + (f" at {item.resolved_at:%Y-%m-%d %H:%M} UTC" if item.resolved_at else "")
            + "; nothing was changed."
        )


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


def submitted_layers(document: Document) -> dict[int, list[Span]]:
    """Every submitted reviewer's spans of the document (a reviewer with none included)."""
    reviewers = list(
        Assignment.objects.filter(document=document, submitted_at__isnull=False)
        .order_by("reviewer_id")
        .values_list("reviewer_id", flat=True)
    )
    layers: dict[int, list[Span]] = {reviewer: [] for reviewer in reviewers}
    rows = Annotation.objects.filter(document=document, reviewer_id__in=reviewers).values_list(
        "reviewer_id", "start", "end", "category__code"
    )
    for reviewer, start, end, code in rows:
        layers[reviewer].append(Span(start, end, code))
    return layers


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
    layers = submitted_layers(document)
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
        _gold_span(
            document,
            span,
            text,
            categories,
            origin=GoldOrigin.UNANIMOUS,
            proposed_by=reviewers,
            cluster_signature=signature,
        )
        for span in sorted(spans)
    ]


def _gold_span(
    document: Document,
    span: Span,
    text: str,
    categories: Mapping[str, Category],
    **provenance: object,
) -> GoldSpan:
    """A gold span with its quote taken from the canonical text, and its provenance."""
    return GoldSpan(
        document=document,
        category=categories[span.category],
        start=span.start,
        end=span.end,
        quote=text[span.start : span.end],
        **provenance,
    )


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


@audited
def item_resolve(
    *,
    item_id: int,
    moderator: User,
    version: int,
    resolution: str,
    spans: Iterable[tuple[int, int, str]],
    reason: str = "",
    rationale: str = "",
) -> ModerationItem:
    """Settle one queue item: the spans given become gold; none means "reject all".

    ``version`` is the item's version the moderator saw; if another moderator resolved it
    first, ItemConflict is raised and nothing is written.
    """
    item = (
        ModerationItem.objects.select_for_update(of=("self",))
        .select_related("document__project", "resolved_by")
        .defer("document__text")
        .get(pk=item_id)
    )
    if item.status != ItemStatus.OPEN or item.version != version:
        raise ItemConflict(item)
    if resolution not in Resolution.values:
        raise ModerationError(f"Unknown resolution {resolution!r}.")
    if reason not in ResolutionReason.values:
        raise ModerationError(f"Unknown reason {reason!r}.")
    chosen = sorted({Span(int(s), int(e), str(c)) for s, e, c in spans})
    proposed = {
        reviewer: {Span(*span) for span in versions} for reviewer, versions in item.versions.items()
    }
    every_proposal = set().union(*proposed.values())
    _check_resolution(resolution, chosen, proposed, every_proposal)

    document = item.document
    categories = {c.code: c for c in Category.objects.filter(project_id=document.project_id)}
    gold = []
    for span in chosen:
        if span.category not in categories:
            raise ModerationError(f"Category {span.category!r} is not in this project.")
        try:
            check_span_bounds(document.text_length, span.start, span.end)
        except SpanError as error:
            raise ModerationError(str(error)) from error
        if span.end <= item.start or span.start >= item.end:
            raise ModerationError(
                f"The span {span.start}-{span.end} lies outside this item's passage "
                f"({item.start}-{item.end})."
            )
        gold.append((span, sorted(int(r) for r, versions in proposed.items() if span in versions)))
    text = Document.objects.values_list("text", flat=True).get(pk=document.pk)
    now = timezone.now()
    GoldSpan.objects.bulk_create(
        _gold_span(
            document,
            span,
            text,
            categories,
            origin=GoldOrigin.MODERATED,
            proposed_by=proposers,
            item=item,
            cluster_signature=item.signature,
            decided_by=moderator,
            decided_at=now,
        )
        for span, proposers in gold
    )
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
            "gold": [[s.start, s.end, s.category, who] for s, who in gold],
        },
    )
    layers_changed(project_id=document.project_id)
    _refresh_status(document)
    return item


def _check_resolution(
    resolution: str,
    chosen: list[Span],
    proposed: Mapping[str, set[Span]],
    every_proposal: set[Span],
) -> None:
    if resolution == Resolution.REJECT and chosen:
        raise ModerationError("Rejecting all keeps no span; send none.")
    if resolution == Resolution.ACCEPT_REVIEWER and set(chosen) not in proposed.values():
        raise ModerationError("The spans sent are not exactly one reviewer's version.")
    if resolution == Resolution.ACCEPT_SPANS and not set(chosen) <= every_proposal:
        raise ModerationError("Some spans sent were not proposed by any reviewer.")
    if resolution in (Resolution.ACCEPT_SPANS, Resolution.CUSTOM) and not chosen:
        raise ModerationError("Choose at least one span, or reject all.")
