"""Moderation starts: the submitted layers aligned into clusters, unanimous spans into the
gold layer, every other cluster a moderation item."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.contrib.auth.models import User

from annotator.agreement import unitizing_alpha
from annotator.alignment import Cluster, Span, align
from annotator.models import (
    Category,
    Document,
    DocumentStatus,
    GoldOrigin,
    GoldSpan,
    ItemStatus,
    ModerationItem,
)
from annotator.selectors.moderation import submitted_spans
from annotator.services.audit import audit_record, audited
from annotator.services.gold import gold_span
from annotator.services.incident_moderation import incidents_align
from annotator.services.moderation import MIN_LAYERS, ModerationError, moderation_status_refresh
from annotator.services.projects import layers_changed
from annotator.services.relation_moderation import relations_align


@dataclass(frozen=True)
class AlignmentSummary:
    items_opened: int
    items_kept: int
    items_superseded: int
    unanimous_spans: int
    relation_items_opened: int = 0
    unanimous_relations: int = 0
    incident_items_opened: int = 0
    unanimous_incidents: int = 0


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
        Document.objects.select_for_update(no_key=True, of=("self",))
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
    relation_items, unanimous_relations = relations_align(document)
    incident_items, unanimous_incidents = incidents_align(document)
    document.agreement = layers_agreement(layers, len(text))
    Document.objects.filter(pk=document.pk).update(agreement=document.agreement)
    layers_changed(project_id=document.project_id)
    moderation_status_refresh(document)
    return AlignmentSummary(
        items_opened=len(new_items),
        items_kept=len(kept_items),
        items_superseded=len(stale),
        unanimous_spans=len(new_gold),
        relation_items_opened=relation_items,
        unanimous_relations=unanimous_relations,
        incident_items_opened=incident_items,
        unanimous_incidents=unanimous_incidents,
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
