"""Moderation: align the submitted layers into a queue, and resolve it into the gold layer.

The rules of alignment live in ``annotator.alignment``; this module stores their result.
Unanimous clusters go straight into the gold layer when the project auto-accepts them;
every other cluster becomes a queue item that a moderator resolves. Resolving writes gold
spans that record who proposed them and who decided. When a reopened layer is submitted
again the document is aligned anew: items whose cluster did not change keep their
resolution, the others are superseded and open again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from annotator.alignment import Span, as_span
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
from annotator.services.audit import audit_record, audited
from annotator.services.gold import (
    GoldError,
    check_gold_span,
    gold_links_of_spans_audit,
    gold_snapshot,
    gold_span,
)
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


def moderation_status_refresh(document: Document) -> None:
    has_open = (
        document.moderation_items.filter(status=ItemStatus.OPEN).exists()
        or document.relation_items.filter(status=ItemStatus.OPEN).exists()
        or document.incident_items.filter(status=ItemStatus.OPEN).exists()
    )
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
    # One lock order for every write on a document's curation: the document, then its item,
    # then the item's gold spans (the gold layer's services lock the document, then the
    # span). A decision ends by refreshing the document's status, so taking the document
    # last would deadlock against a gold edit holding it while it waits for a gold span.
    document_id = (
        ModerationItem.objects.filter(pk=item_id).values_list("document_id", flat=True).first()
    )
    if document_id is None:
        raise ModerationError("No such moderation item.")
    Document.objects.select_for_update(no_key=True, of=("self",)).only("pk").get(pk=document_id)
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
    moderation_status_refresh(document)
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
    gold_links_of_spans_audit(
        [span.pk for span in gold], actor=moderator, reason=f"item {item.pk} was reopened"
    )
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
    moderation_status_refresh(document)
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
