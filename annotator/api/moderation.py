"""API: moderation items (list, read, resolve, undo) and the gold layer (read, add, change,
remove), with the rules and audit events of the curation page, which saves through these.

Moderators and managers curate; the gold layer is read by them at any time and by a
document's reviewers once it is reconciled and their own layer submitted. Reviewers are
named by their letter (A, B…) in items and provenance, never by user id.
"""

from __future__ import annotations

from typing import Any

from ninja import Query, Router, Status

from annotator.access import (
    AuthenticatedHttpRequest,
    DocumentAccess,
    NoAccess,
    document_access_by_id,
)
from annotator.alignment import Span
from annotator.api.schemas.base import Id, responses
from annotator.api.schemas.moderation import (
    GoldConflictOut,
    GoldDeleteQuery,
    GoldIn,
    GoldOut,
    GoldPatch,
    ItemConflictOut,
    ItemOut,
    ItemsQuery,
    ReopenedOut,
    ReopenIn,
    ResolvedOut,
    ResolveIn,
    SpanIn,
)
from annotator.models import ModerationItem, Resolution, Role
from annotator.selectors.gold import (
    gold_document_id,
    gold_list,
    gold_record,
    gold_span_of_document,
)
from annotator.selectors.moderation import (
    document_items,
    item_document_id,
    item_of_document,
    item_record,
)
from annotator.selectors.pseudonyms import ReviewerLabels, document_reviewer_labels
from annotator.services.gold import gold_create, gold_delete, gold_update
from annotator.services.moderation import ModerationError, item_proposals, item_reopen, item_resolve

router = Router(tags=["moderation"])


def curating(request: AuthenticatedHttpRequest, document_id: int) -> DocumentAccess:
    access = document_access_by_id(user=request.user, document_id=document_id)
    access.require(Role.MODERATOR, Role.MANAGER, to="curate the gold layer")
    return access


def reviewer_labels(access: DocumentAccess) -> ReviewerLabels:
    return document_reviewer_labels(access, document_id=access.document.pk)


def _item(request: AuthenticatedHttpRequest, item_id: int) -> tuple[DocumentAccess, ModerationItem]:
    document_id = item_document_id(item_id)
    if document_id is None:
        raise NoAccess("No such moderation item in your projects.")
    access = curating(request, document_id)
    item = item_of_document(document_id=document_id, item_id=item_id)
    if item is None:
        raise NoAccess("No such moderation item in your projects.")
    return access, item


def _span(span: SpanIn) -> Span:
    return Span(
        span.start, span.end, span.category, span.evidence_status, span.source_type, span.note
    )


@router.get(
    "/documents/{document_id}/items", response=responses({200: list[ItemOut]}, forbidden=True)
)
def list_items(
    request: AuthenticatedHttpRequest, document_id: Id, filters: Query[ItemsQuery]
) -> list[dict[str, Any]]:
    """The document's moderation items that stand (open and resolved), in document order."""
    access = curating(request, document_id)
    return document_items(access.document, labels=reviewer_labels(access), status=filters.status)


@router.get("/items/{item_id}", response=responses({200: ItemOut}, forbidden=True))
def get_item(request: AuthenticatedHttpRequest, item_id: Id) -> dict[str, Any]:
    access, item = _item(request, item_id)
    return item_record(item, labels=reviewer_labels(access))


@router.post(
    "/items/{item_id}/resolve",
    response=responses(
        {200: ResolvedOut}, forbidden=True, conflict=ItemConflictOut, too_large=True
    ),
)
def resolve_item(
    request: AuthenticatedHttpRequest, item_id: Id, payload: ResolveIn
) -> dict[str, Any]:
    """Settle an open item at the version you loaded: the spans kept become gold with their
    attributes and who proposed them. Rejecting all must be said (``reject``); accepting a
    reviewer who has no span here is refused. Another moderator's decision first: 409."""
    access, item = _item(request, item_id)
    labels = reviewer_labels(access)
    spans: list[Span] = [_span(span) for span in payload.spans]
    if payload.resolution == Resolution.ACCEPT_REVIEWER:
        reviewer = labels.reviewer_for(payload.reviewer)
        proposals = item_proposals(item)
        if reviewer is None or reviewer not in proposals:
            raise ModerationError(f"No reviewer {payload.reviewer!r} in this item.")
        spans = sorted(proposals[reviewer])
    resolved = item_resolve(
        item_id=item.pk,
        moderator=request.user,
        version=payload.version,
        resolution=payload.resolution,
        spans=spans,
        reason=payload.reason,
        rationale=payload.rationale,
    )
    gold = resolved.gold_spans.select_related("category", "decided_by").order_by("start", "end")
    return {
        "item": item_record(resolved, labels=labels),
        "gold": [gold_record(span, labels=labels) for span in gold],
    }


@router.post(
    "/items/{item_id}/reopen",
    response=responses(
        {200: ReopenedOut}, forbidden=True, conflict=ItemConflictOut, too_large=True
    ),
)
def reopen_item(
    request: AuthenticatedHttpRequest, item_id: Id, payload: ReopenIn
) -> dict[str, Any]:
    """Undo a resolved item's decision at the version you loaded: its gold spans go and it
    is open again; the audit log keeps the decision undone."""
    access, item = _item(request, item_id)
    removed = list(item.gold_spans.values_list("pk", flat=True))
    reopened = item_reopen(
        item_id=item.pk,
        moderator=request.user,
        version=payload.version,
        rationale=payload.rationale,
    )
    return {"item": item_record(reopened, labels=reviewer_labels(access)), "removed_gold": removed}


@router.get(
    "/documents/{document_id}/gold", response=responses({200: list[GoldOut]}, forbidden=True)
)
def list_gold(request: AuthenticatedHttpRequest, document_id: Id) -> list[dict[str, Any]]:
    """The document's gold layer, in document order."""
    access = document_access_by_id(user=request.user, document_id=document_id)
    access.require_gold()
    return gold_list(
        access.document, labels=reviewer_labels(access), moderator_names=access.moderates
    )


@router.post(
    "/documents/{document_id}/gold",
    response=responses({201: GoldOut}, forbidden=True, too_large=True),
)
def create_gold(request: AuthenticatedHttpRequest, document_id: Id, payload: GoldIn) -> Status:
    """Add a span of your own to the gold layer; the quote must be exactly the text there."""
    access = curating(request, document_id)
    gold = gold_create(
        document=access.document,
        moderator=request.user,
        span=_span(payload),
        quote=payload.quote,
        reason=payload.reason,
        rationale=payload.rationale,
    )
    return Status(201, gold_record(gold, labels=reviewer_labels(access)))


def _gold(request: AuthenticatedHttpRequest, gold_id: int) -> tuple[DocumentAccess, int]:
    document_id = gold_document_id(gold_id)
    if document_id is None:
        raise NoAccess("No such gold span in your projects (it may have been removed).")
    return document_access_by_id(user=request.user, document_id=document_id), document_id


@router.get("/gold/{gold_id}", response=responses({200: GoldOut}, forbidden=True))
def get_gold(request: AuthenticatedHttpRequest, gold_id: Id) -> dict[str, Any]:
    access, document_id = _gold(request, gold_id)
    access.require_gold()
    span = gold_span_of_document(document_id=document_id, gold_id=gold_id)
    if span is None:
        raise NoAccess("No such gold span in your projects (it may have been removed).")
    return gold_record(span, labels=reviewer_labels(access), moderator_names=access.moderates)


@router.patch(
    "/gold/{gold_id}",
    response=responses({200: GoldOut}, forbidden=True, conflict=GoldConflictOut, too_large=True),
)
def update_gold(
    request: AuthenticatedHttpRequest, gold_id: Id, payload: GoldPatch
) -> dict[str, Any]:
    """Change a gold span at the version you loaded; a stale version gets 409 with the span
    as it is now. Moving a boundary needs the new quote."""
    access, _ = _gold(request, gold_id)
    access.require(Role.MODERATOR, Role.MANAGER, to="curate the gold layer")
    changes = payload.dict(exclude_unset=True, exclude={"version"})
    changes = {name: value for name, value in changes.items() if value is not None}
    gold = gold_update(
        gold_id=gold_id, moderator=request.user, version=payload.version, changes=changes
    )
    return gold_record(gold, labels=reviewer_labels(access))


@router.delete(
    "/gold/{gold_id}",
    response=responses({204: None}, forbidden=True, conflict=GoldConflictOut),
)
def delete_gold(
    request: AuthenticatedHttpRequest, gold_id: Id, query: Query[GoldDeleteQuery]
) -> Status:
    """Remove a gold span at the version you loaded; the audit log keeps it."""
    access, _ = _gold(request, gold_id)
    access.require(Role.MODERATOR, Role.MANAGER, to="curate the gold layer")
    gold_delete(
        gold_id=gold_id,
        moderator=request.user,
        version=query.version,
        rationale=query.rationale,
    )
    return Status(204, None)
