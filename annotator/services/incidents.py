"""Writes on incident records: each checks its spans and roles, and is audited.

An incident groups spans of one reviewer's layer of a document: its act (a span of a
violation category) and the spans filling its roles. Its writes take the same first lock
as span and relation writes, the reviewer's layer (``layer_lock``), so an incident and the
spans it is made of change one after the other, never interleaved, and never once the
layer is submitted. Blind like spans: only the reviewer's own spans may be used.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from annotator.models import (
    Annotation,
    Document,
    EvidenceStatus,
    Incident,
    IncidentRole,
    IncidentSlot,
)
from annotator.selectors.incidents import slot_record
from annotator.selectors.projects import current_taxonomy_version_id
from annotator.services.annotations import NOTE_MAX_LENGTH, layer_lock
from annotator.services.audit import audit_record, audited
from annotator.services.incident_rules import (
    IncidentError,
    act_check,
    incident_snapshot,
    role_allows,
    slots_remove,
)

EDITABLE_FIELDS = ("act_id", "note", "evidence_status")


class IncidentGone(Exception):
    """The incident (or its slot) does not exist (any more)."""

    def __init__(self, incident_id: int, what: str = "Incident") -> None:
        self.incident_id = incident_id
        super().__init__(f"{what} {incident_id} does not exist (any more).")


class IncidentConflict(Exception):
    """The change was based on an older version; ``current`` is what the server holds now."""

    def __init__(self, current: Incident) -> None:
        self.current = current
        super().__init__(
            f"Incident {current.pk} has changed since you loaded it (now version "
            f"{current.version}); reload it and make your change again."
        )


def _own_span(incident: Incident, annotation_id: int) -> Annotation:
    """One of the incident's reviewer's spans of its document, with its category."""
    span = (
        Annotation.objects.select_related("category")
        .filter(pk=annotation_id, reviewer_id=incident.reviewer_id)
        .first()
    )
    if span is None:
        raise IncidentError(f"Span {annotation_id} is not one of your spans (any more).")
    if span.document_id != incident.document_id:
        raise IncidentError(f"Span {annotation_id} is in another document.")
    return span


def _check(incident: Incident) -> None:
    """Check the incident's act, note and status. Run with the layer locked."""
    if len(incident.note) > NOTE_MAX_LENGTH:
        raise IncidentError(f"A note may have at most {NOTE_MAX_LENGTH} characters.")
    if incident.evidence_status not in EvidenceStatus.values:
        raise IncidentError(f"Unknown evidence status {incident.evidence_status!r}.")
    act_check(_own_span(incident, incident.act_id).category)
    if incident.pk is not None and incident.slots.filter(annotation_id=incident.act_id).exists():
        raise IncidentError("The act's span fills a role of the incident: remove it there first.")


def _event(incident: Incident, *, actor: User, action: str, **states: Any) -> None:
    audit_record(
        actor=actor,
        action=action,
        object_type="incident",
        object_id=incident.pk,
        project=incident.document.project,
        document=incident.document,
        **states,
    )


@audited
def incident_create(
    *,
    document: Document,
    reviewer: User,
    act_id: int,
    note: str = "",
    evidence_status: str = EvidenceStatus.UNKNOWN,
) -> Incident:
    """Record an incident whose act is the reviewer's span ``act_id`` (a violation)."""
    layer_lock(document.pk, reviewer.pk)
    incident = Incident(
        document=document,
        reviewer=reviewer,
        act_id=act_id,
        note=note,
        evidence_status=evidence_status,
    )
    _check(incident)
    incident.taxonomy_version_id = current_taxonomy_version_id(project_id=document.project_id)
    incident.save()
    _event(incident, actor=reviewer, action="incident.create", after=incident_snapshot(incident))
    return incident


def _locked(incident_id: int) -> Incident:
    """The incident, locked, after its layer: the lock order of every incident write."""
    layer = (
        Incident.objects.filter(pk=incident_id).values_list("document_id", "reviewer_id").first()
    )
    if layer is None:
        raise IncidentGone(incident_id)
    layer_lock(*layer)
    incident = (
        Incident.objects.select_for_update(of=("self",))
        .select_related("document__project")
        .defer("document__text")
        .filter(pk=incident_id)
        .first()
    )
    if incident is None:  # deleted while this change waited for the layer
        raise IncidentGone(incident_id)
    return incident


@audited
def incident_update(
    *, incident_id: int, actor: User, version: int, changes: dict[str, Any]
) -> Incident:
    """Change an incident's act, note or evidence status if it is still at ``version``;
    otherwise raise IncidentConflict."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise IncidentError(f"These fields cannot be changed: {', '.join(sorted(unknown))}.")
    incident = _locked(incident_id)
    if incident.version != version:
        raise IncidentConflict(incident)
    before = incident_snapshot(incident)
    for name, value in changes.items():
        setattr(incident, name, value)
    _check(incident)
    if incident_snapshot(incident) == before:
        return incident  # nothing changed: no new version, no event
    incident.version += 1
    incident.updated_at = timezone.now()
    incident.save()
    after = incident_snapshot(incident)
    _event(incident, actor=actor, action="incident.update", before=before, after=after)
    return incident


@audited
def incident_delete(*, incident_id: int, actor: User, version: int) -> None:
    """Delete an incident, its slots with it, if it is still at ``version``; otherwise
    raise IncidentConflict. One event, whose snapshot holds the slots."""
    incident = _locked(incident_id)
    if incident.version != version:
        raise IncidentConflict(incident)
    before = incident_snapshot(incident)
    incident.slots.all().delete()
    incident.delete()
    incident.pk = before["id"]
    _event(incident, actor=actor, action="incident.delete", before=before)


@audited
def incident_slot_add(
    *, incident_id: int, actor: User, role: IncidentRole, annotation_id: int, involvement: str = ""
) -> IncidentSlot:
    """Fill ``role`` of the incident with the reviewer's span ``annotation_id``, with an
    involvement among the role's (or none)."""
    incident = _locked(incident_id)
    if role.project_id != incident.document.project_id:
        raise IncidentError(f"Role {role.code!r} is not in this project.")
    if role.retired:
        raise IncidentError(f"The role {role.code!r} is retired: no span fills it anew.")
    span = _own_span(incident, annotation_id)
    if span.pk == incident.act_id:
        raise IncidentError("The incident's act cannot also fill one of its roles.")
    if not role_allows(role, span.category):
        raise IncidentError(
            f"The role {role.name!r} cannot be filled by a span of {span.category.code!r}."
        )
    codes = [str(item.get("code")) for item in role.involvements or []]
    if involvement and involvement not in codes:
        allowed = ", ".join(repr(code) for code in codes) if codes else "none"
        raise IncidentError(
            f"The role {role.name!r} has no involvement {involvement!r} (it has {allowed})."
        )
    filled = IncidentSlot.objects.filter(incident=incident, role=role)
    if filled.filter(annotation_id=span.pk).exists():
        raise IncidentError(f"This span already fills the role {role.name!r}.")
    if not role.multiple and filled.exists():
        raise IncidentError(
            f"The role {role.name!r} takes one span: remove the one that fills it first."
        )
    slot = IncidentSlot(incident=incident, role=role, annotation=span, involvement=involvement)
    slot.save()
    _event(incident, actor=actor, action="incident.slot_add", after=slot_record(slot))
    return slot


@audited
def incident_slot_remove(*, incident_id: int, slot_id: int, actor: User) -> None:
    """Remove one of the incident's slots."""
    incident = _locked(incident_id)
    slot = (
        IncidentSlot.objects.select_related("role")
        .filter(pk=slot_id, incident_id=incident.pk)
        .first()
    )
    if slot is None:
        raise IncidentGone(slot_id, what="Slot")
    slot.incident = incident
    slots_remove([slot], actor=actor, reason="")
