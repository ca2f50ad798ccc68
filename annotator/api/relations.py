"""API: a reviewer's own relations between their spans, and the project's relation types.

The same rules as spans (``api.annotations``): a reviewer draws, changes and deletes only
their own relations, on documents assigned to them, while their layer is open; relations
are blind like spans, so another reviewer's do not exist for them.
"""

from __future__ import annotations

from typing import Any

from ninja import Router, Status
from ninja.errors import HttpError

from annotator.access import (
    AuthenticatedHttpRequest,
    NoAccess,
    document_access_by_id,
    project_access,
)
from annotator.api.schemas.base import Id, Slug, Version, responses
from annotator.api.schemas.relations import (
    RelationConflictOut,
    RelationIn,
    RelationOut,
    RelationPatch,
    RelationTypeOut,
)
from annotator.models import Relation, RelationType, Role
from annotator.selectors.relations import (
    relation_list,
    relation_of_owner,
    relation_record,
    relation_type_by_code,
    relation_type_record,
    relation_types_with_ends,
)
from annotator.services.relations import relation_create, relation_delete, relation_update

router = Router(tags=["relations"])


def _own_relation(request: AuthenticatedHttpRequest, relation_id: int) -> Relation:
    relation = relation_of_owner(user=request.user, relation_id=relation_id)
    if relation is None:
        raise NoAccess("No such relation of yours.")
    return relation


def _relation_type(project_id: int, code: str) -> RelationType:
    relation_type = relation_type_by_code(project_id=project_id, code=code)
    if relation_type is None:
        raise HttpError(400, f"Relation type {code!r} is not in this document's project.")
    return relation_type


@router.get("/projects/{slug}/relation-types", response=responses({200: list[RelationTypeOut]}))
def list_relation_types(request: AuthenticatedHttpRequest, slug: Slug) -> list[dict[str, Any]]:
    """The project's relation types, in their order, with the categories each end allows;
    a retired one is offered for no new relation. Any member may read them."""
    access = project_access(user=request.user, slug=slug)
    return [relation_type_record(row) for row in relation_types_with_ends(project=access.project)]


@router.get("/documents/{document_id}/relations", response=responses({200: list[RelationOut]}))
def list_relations(request: AuthenticatedHttpRequest, document_id: Id) -> list[dict[str, Any]]:
    """Your own relations of a document, in the order you drew them."""
    access = document_access_by_id(user=request.user, document_id=document_id)
    return relation_list(document=access.document, reviewer=request.user)


@router.post(
    "/documents/{document_id}/relations",
    response=responses({201: RelationOut}, forbidden=True, too_large=True),
)
def create_relation(
    request: AuthenticatedHttpRequest, document_id: Id, payload: RelationIn
) -> Status:
    """Link one of your spans (``source``) to another (``target``) with a relation type of
    the project. A symmetric type's relation is stored once, its ends in one order."""
    access = document_access_by_id(user=request.user, document_id=document_id)
    access.require(Role.REVIEWER, to="link spans")
    relation = relation_create(
        document=access.document,
        reviewer=request.user,
        source_id=payload.source,
        target_id=payload.target,
        relation_type=_relation_type(access.project.pk, payload.type),
        note=payload.note,
    )
    return Status(201, relation_record(relation))


@router.get("/relations/{relation_id}", response=responses({200: RelationOut}))
def get_relation(request: AuthenticatedHttpRequest, relation_id: Id) -> dict[str, Any]:
    return relation_record(_own_relation(request, relation_id))


@router.patch(
    "/relations/{relation_id}",
    response=responses(
        {200: RelationOut}, forbidden=True, conflict=RelationConflictOut, too_large=True
    ),
)
def update_relation(
    request: AuthenticatedHttpRequest, relation_id: Id, payload: RelationPatch
) -> dict[str, Any]:
    """Change your relation's type or note. Send the version you loaded; a stale version
    gets 409."""
    relation = _own_relation(request, relation_id)
    changes: dict[str, Any] = {}
    if payload.type is not None:
        project_id = relation.relation_type.project_id
        changes["relation_type"] = (
            relation.relation_type
            if payload.type == relation.relation_type.code
            else _relation_type(project_id, payload.type)
        )
    if payload.note is not None:
        changes["note"] = payload.note
    relation = relation_update(
        relation_id=relation.pk, actor=request.user, version=payload.version, changes=changes
    )
    return relation_record(relation)


@router.delete(
    "/relations/{relation_id}",
    response=responses({204: None}, forbidden=True, conflict=RelationConflictOut),
)
def delete_relation(request: AuthenticatedHttpRequest, relation_id: Id, version: Version) -> Status:
    """Delete your relation at the version you loaded; a stale version gets 409."""
    relation = _own_relation(request, relation_id)
    relation_delete(relation_id=relation.pk, actor=request.user, version=version)
    return Status(204, None)
