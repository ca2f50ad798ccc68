"""API: relation and incident items (list, resolve, undo) and the gold layer's relations
and incidents (read), with the rules and audit events of the curation page, which saves
through these.

Moderators and managers curate; gold relations and incidents are read, like gold spans, by
them at any time and by a document's reviewers once it is reconciled and their own layer
submitted. Reviewers are named by their letter (A, B…), never by user id.
"""

from __future__ import annotations

from typing import Any

from ninja import Router

from annotator.access import (
    AuthenticatedHttpRequest,
    DocumentAccess,
    NoAccess,
    document_access_by_id,
)
from annotator.api.moderation import curating, reviewer_labels
from annotator.api.schemas.base import Id, responses
from annotator.api.schemas.moderation import (
    GoldIncidentOut,
    GoldRelationOut,
    IncidentItemConflictOut,
    IncidentItemOut,
    IncidentResolvedOut,
    IncidentResolveIn,
    RelationItemConflictOut,
    RelationItemOut,
    RelationResolvedOut,
    RelationResolveIn,
    ReopenIn,
)
from annotator.models import IncidentItem, RelationItem
from annotator.selectors.relation_moderation import (
    document_incident_items,
    document_relation_items,
    gold_incident_list,
    gold_relation_list,
    incident_item_document_id,
    incident_item_of_document,
    incident_item_record,
    relation_item_document_id,
    relation_item_of_document,
    relation_item_record,
)
from annotator.services.incident_moderation import incident_item_reopen, incident_item_resolve
from annotator.services.moderation import ModerationError
from annotator.services.relation_moderation import relation_item_reopen, relation_item_resolve

router = Router(tags=["moderation"])


def _item(request: AuthenticatedHttpRequest, item_id: int) -> tuple[DocumentAccess, RelationItem]:
    document_id = relation_item_document_id(item_id)
    if document_id is None:
        raise NoAccess("No such relation item in your projects.")
    access = curating(request, document_id)
    item = relation_item_of_document(document_id=document_id, item_id=item_id)
    if item is None:
        raise NoAccess("No such relation item in your projects.")
    return access, item


@router.get(
    "/documents/{document_id}/relation-items",
    response=responses({200: list[RelationItemOut]}, forbidden=True),
)
def list_relation_items(request: AuthenticatedHttpRequest, document_id: Id) -> list[dict[str, Any]]:
    """The document's relation items that stand (open and resolved), in document order."""
    access = curating(request, document_id)
    return document_relation_items(access.document, labels=reviewer_labels(access))


@router.post(
    "/relation-items/{item_id}/resolve",
    response=responses(
        {200: RelationResolvedOut},
        forbidden=True,
        conflict=RelationItemConflictOut,
        too_large=True,
    ),
)
def resolve_relation_item(
    request: AuthenticatedHttpRequest, item_id: Id, payload: RelationResolveIn
) -> dict[str, Any]:
    """Settle an open relation item at the version you loaded: the relations kept (each as
    a reviewer drew it) become gold between the gold spans at their passages; none kept
    rejects them all. A passage without a gold span yet: 400. Another moderator first: 409."""
    access, item = _item(request, item_id)
    resolved = relation_item_resolve(
        item_id=item.pk,
        moderator=request.user,
        version=payload.version,
        keep=payload.keep,
        reason=payload.reason,
        rationale=payload.rationale,
    )
    labels = reviewer_labels(access)
    gold = [
        relation
        for relation in gold_relation_list(access.document, labels=labels, moderator_names=True)
        if relation["item"] == resolved.pk
    ]
    return {"item": relation_item_record(resolved, labels=labels), "gold": gold}


@router.post(
    "/relation-items/{item_id}/reopen",
    response=responses(
        {200: RelationItemOut}, forbidden=True, conflict=RelationItemConflictOut, too_large=True
    ),
)
def reopen_relation_item(
    request: AuthenticatedHttpRequest, item_id: Id, payload: ReopenIn
) -> dict[str, Any]:
    """Undo a resolved relation item's decision at the version you loaded: its gold
    relations go and it is open again; the audit log keeps the decision undone."""
    access, item = _item(request, item_id)
    reopened = relation_item_reopen(
        item_id=item.pk,
        moderator=request.user,
        version=payload.version,
        rationale=payload.rationale,
    )
    return relation_item_record(reopened, labels=reviewer_labels(access))


@router.get(
    "/documents/{document_id}/gold-relations",
    response=responses({200: list[GoldRelationOut]}, forbidden=True),
)
def list_gold_relations(request: AuthenticatedHttpRequest, document_id: Id) -> list[dict[str, Any]]:
    """The document's gold relations, each between two gold spans, with its provenance."""
    access = document_access_by_id(user=request.user, document_id=document_id)
    access.require_gold()
    return gold_relation_list(
        access.document, labels=reviewer_labels(access), moderator_names=access.moderates
    )


def _incident_item(
    request: AuthenticatedHttpRequest, item_id: int
) -> tuple[DocumentAccess, IncidentItem]:
    document_id = incident_item_document_id(item_id)
    if document_id is None:
        raise NoAccess("No such incident item in your projects.")
    access = curating(request, document_id)
    item = incident_item_of_document(document_id=document_id, item_id=item_id)
    if item is None:
        raise NoAccess("No such incident item in your projects.")
    return access, item


@router.get(
    "/documents/{document_id}/incident-items",
    response=responses({200: list[IncidentItemOut]}, forbidden=True),
)
def list_incident_items(request: AuthenticatedHttpRequest, document_id: Id) -> list[dict[str, Any]]:
    """The document's incident items that stand (open and resolved), in document order."""
    access = curating(request, document_id)
    return document_incident_items(access.document, labels=reviewer_labels(access))


@router.post(
    "/incident-items/{item_id}/resolve",
    response=responses(
        {200: IncidentResolvedOut},
        forbidden=True,
        conflict=IncidentItemConflictOut,
        too_large=True,
    ),
)
def resolve_incident_item(
    request: AuthenticatedHttpRequest, item_id: Id, payload: IncidentResolveIn
) -> dict[str, Any]:
    """Settle an open incident item at the version you loaded: the record of the reviewer
    named by letter becomes a gold incident over the gold spans at its passages; no
    reviewer rejects them all. A passage without a fitting gold span yet: 400."""
    access, item = _incident_item(request, item_id)
    labels = reviewer_labels(access)
    reviewer = None
    if payload.reviewer:
        reviewer = labels.reviewer_for(payload.reviewer)
        if reviewer is None or str(reviewer) not in item.versions:
            raise ModerationError(f"No reviewer {payload.reviewer!r} in this item.")
    resolved = incident_item_resolve(
        item_id=item.pk,
        moderator=request.user,
        version=payload.version,
        reviewer=reviewer,
        reason=payload.reason,
        rationale=payload.rationale,
    )
    gold = [
        incident
        for incident in gold_incident_list(access.document, labels=labels, moderator_names=True)
        if incident["item"] == resolved.pk
    ]
    return {"item": incident_item_record(resolved, labels=labels), "gold": gold}


@router.post(
    "/incident-items/{item_id}/reopen",
    response=responses(
        {200: IncidentItemOut}, forbidden=True, conflict=IncidentItemConflictOut, too_large=True
    ),
)
def reopen_incident_item(
    request: AuthenticatedHttpRequest, item_id: Id, payload: ReopenIn
) -> dict[str, Any]:
    """Undo a resolved incident item's decision at the version you loaded: its gold
    incidents go and it is open again; the audit log keeps the decision undone."""
    access, item = _incident_item(request, item_id)
    reopened = incident_item_reopen(
        item_id=item.pk,
        moderator=request.user,
        version=payload.version,
        rationale=payload.rationale,
    )
    return incident_item_record(reopened, labels=reviewer_labels(access))


@router.get(
    "/documents/{document_id}/gold-incidents",
    response=responses({200: list[GoldIncidentOut]}, forbidden=True),
)
def list_gold_incidents(request: AuthenticatedHttpRequest, document_id: Id) -> list[dict[str, Any]]:
    """The document's gold incidents, their act and slots gold spans, with provenance."""
    access = document_access_by_id(user=request.user, document_id=document_id)
    access.require_gold()
    return gold_incident_list(
        access.document, labels=reviewer_labels(access), moderator_names=access.moderates
    )
