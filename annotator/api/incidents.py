"""API: a reviewer's own incident records (an act span and the spans filling its roles),
and the project's incident roles.

The same rules as spans and relations (``api.relations``): a reviewer records, changes and
deletes only their own incidents, on documents assigned to them, while their layer is
open; incidents are blind like spans, so another reviewer's do not exist for them.
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
from annotator.api.schemas.incidents import (
    IncidentConflictOut,
    IncidentIn,
    IncidentOut,
    IncidentPatch,
    IncidentRoleOut,
    SlotIn,
    SlotOut,
)
from annotator.models import Incident, Role
from annotator.selectors.incidents import (
    incident_list,
    incident_of_owner,
    incident_record,
    incident_role_by_code,
    incident_role_record,
    incident_roles_with_categories,
    slot_record,
)
from annotator.services.incidents import (
    incident_create,
    incident_delete,
    incident_slot_add,
    incident_slot_remove,
    incident_update,
)

router = Router(tags=["incidents"])


def _own_incident(request: AuthenticatedHttpRequest, incident_id: int) -> Incident:
    incident = incident_of_owner(user=request.user, incident_id=incident_id)
    if incident is None:
        raise NoAccess("No such incident of yours.")
    return incident


@router.get("/projects/{slug}/incident-roles", response=responses({200: list[IncidentRoleOut]}))
def list_incident_roles(request: AuthenticatedHttpRequest, slug: Slug) -> list[dict[str, Any]]:
    """The project's incident roles, in their order, with the categories each allows and
    its involvements; a retired one takes no new span. Any member may read them."""
    access = project_access(user=request.user, slug=slug)
    return [
        incident_role_record(row) for row in incident_roles_with_categories(project=access.project)
    ]


@router.get("/documents/{document_id}/incidents", response=responses({200: list[IncidentOut]}))
def list_incidents(request: AuthenticatedHttpRequest, document_id: Id) -> list[dict[str, Any]]:
    """Your own incidents of a document, in the order you recorded them, with their slots."""
    access = document_access_by_id(user=request.user, document_id=document_id)
    return incident_list(document=access.document, reviewer=request.user)


@router.post(
    "/documents/{document_id}/incidents",
    response=responses({201: IncidentOut}, forbidden=True, too_large=True),
)
def create_incident(
    request: AuthenticatedHttpRequest, document_id: Id, payload: IncidentIn
) -> Status:
    """Record an incident whose act is one of your spans of a violation category; fill its
    roles with ``POST /incidents/{id}/slots``."""
    access = document_access_by_id(user=request.user, document_id=document_id)
    access.require(Role.REVIEWER, to="record incidents")
    incident = incident_create(
        document=access.document,
        reviewer=request.user,
        act_id=payload.act,
        note=payload.note,
        evidence_status=payload.evidence_status,
    )
    return Status(201, incident_record(incident))


@router.get("/incidents/{incident_id}", response=responses({200: IncidentOut}))
def get_incident(request: AuthenticatedHttpRequest, incident_id: Id) -> dict[str, Any]:
    return incident_record(_own_incident(request, incident_id))


@router.patch(
    "/incidents/{incident_id}",
    response=responses(
        {200: IncidentOut}, forbidden=True, conflict=IncidentConflictOut, too_large=True
    ),
)
def update_incident(
    request: AuthenticatedHttpRequest, incident_id: Id, payload: IncidentPatch
) -> dict[str, Any]:
    """Change your incident's act, note or evidence status. Send the version you loaded; a
    stale version gets 409."""
    incident = _own_incident(request, incident_id)
    changes: dict[str, Any] = {}
    if payload.act is not None:
        changes["act_id"] = payload.act
    if payload.note is not None:
        changes["note"] = payload.note
    if payload.evidence_status is not None:
        changes["evidence_status"] = payload.evidence_status
    incident = incident_update(
        incident_id=incident.pk, actor=request.user, version=payload.version, changes=changes
    )
    return incident_record(incident)


@router.delete(
    "/incidents/{incident_id}",
    response=responses({204: None}, forbidden=True, conflict=IncidentConflictOut),
)
def delete_incident(request: AuthenticatedHttpRequest, incident_id: Id, version: Version) -> Status:
    """Delete your incident, and its slots, at the version you loaded; a stale version gets
    409. Its spans stay."""
    incident = _own_incident(request, incident_id)
    incident_delete(incident_id=incident.pk, actor=request.user, version=version)
    return Status(204, None)


@router.post(
    "/incidents/{incident_id}/slots",
    response=responses({201: SlotOut}, forbidden=True, too_large=True),
)
def add_slot(request: AuthenticatedHttpRequest, incident_id: Id, payload: SlotIn) -> Status:
    """Fill one of the incident's roles with one of your spans, with an involvement among
    the role's (or none)."""
    incident = _own_incident(request, incident_id)
    role = incident_role_by_code(project_id=incident.document.project_id, code=payload.role)
    if role is None:
        raise HttpError(400, f"Incident role {payload.role!r} is not in this document's project.")
    slot = incident_slot_add(
        incident_id=incident.pk,
        actor=request.user,
        role=role,
        annotation_id=payload.annotation,
        involvement=payload.involvement,
    )
    return Status(201, slot_record(slot))


@router.delete(
    "/incidents/{incident_id}/slots/{slot_id}",
    response=responses({204: None}, forbidden=True),
)
def remove_slot(request: AuthenticatedHttpRequest, incident_id: Id, slot_id: Id) -> Status:
    """Take a span out of one of the incident's roles. The span stays."""
    incident = _own_incident(request, incident_id)
    incident_slot_remove(incident_id=incident.pk, slot_id=slot_id, actor=request.user)
    return Status(204, None)
