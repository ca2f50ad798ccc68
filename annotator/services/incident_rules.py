"""The rules incident records keep with the spans they are made of, shared by the writes
on incidents and on spans.

An incident's act is a span of a violation category; each slot's span has a category its
role allows (a category allows its subcategories). Deleting a span that fills slots
removes those slots first, each with its own event, in the span's transaction; deleting a
span that is an incident's act is refused (the incident would lose what it records: the
reviewer deletes the incident, or gives it another act, first); changing a span's
category is refused while its incidents would no longer allow it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import User

from annotator.models import (
    Annotation,
    Category,
    CategoryGroup,
    Incident,
    IncidentRole,
    IncidentSlot,
)
from annotator.selectors.incidents import incident_record, slot_record
from annotator.services.audit import audit_record
from annotator.services.relation_rules import category_lineage


class IncidentError(ValueError):
    """The incident or slot is not valid; the message says why, for the person recording
    it."""


def incident_snapshot(incident: Incident) -> dict[str, Any]:
    """What the audit log records of an incident: its one shape (``incident_record``, its
    slots too) without its times, and its reviewer."""
    return {**incident_record(incident, times=False), "reviewer": incident.reviewer_id}


def act_check(category: Category) -> None:
    """Refuse an act whose category is not a violation (an entity: victim, place…)."""
    if category.group != CategoryGroup.VIOLATION:
        raise IncidentError(
            f"An incident's act is a span of a violation category; {category.code!r} is "
            "an entity category."
        )


def role_allows(role: IncidentRole, category: Category) -> bool:
    """Whether a span of ``category`` may fill ``role`` (none listed: any)."""
    allowed = set(role.categories.values_list("pk", flat=True))
    return not allowed or bool(allowed & category_lineage(category))


def slots_remove(slots: Iterable[IncidentSlot], *, actor: User, reason: str) -> None:
    """Remove the slots (their incident, role and its document loaded), each with its
    ``incident.slot_remove`` event."""
    for slot in slots:
        before = slot_record(slot)
        document = slot.incident.document
        slot.delete()
        audit_record(
            actor=actor,
            action="incident.slot_remove",
            object_type="incident",
            object_id=before["incident"],
            project=document.project,
            document=document,
            before=before,
            after={"reason": reason} if reason else None,
        )


def incidents_of_span_delete(*, annotation: Annotation, actor: User) -> int:
    """What deleting a span does to incidents, first, in its transaction (its layer
    locked): refused if it is an incident's act; otherwise its slots are removed, each
    with its event. How many slots."""
    acts = list(Incident.objects.filter(act=annotation).order_by("pk").values_list("pk", flat=True))
    if acts:
        raise IncidentError(
            f"This span is the act of incident {', '.join(str(pk) for pk in acts)}: delete "
            "the incident, or give it another act, first."
        )
    slots = list(
        IncidentSlot.objects.filter(annotation=annotation)
        .select_related("role", "incident__document__project")
        .defer("incident__document__text")
        .order_by("pk")
    )
    slots_remove(slots, actor=actor, reason=f"span {annotation.pk} was deleted")
    return len(slots)


def incidents_of_span_check(*, annotation: Annotation, category: Category) -> None:
    """Refuse giving a span a category its incidents do not allow: an act must stay a
    violation, a slot's span keep a category its role allows. The reviewer changes the
    incident first; nothing is lost quietly."""
    if Incident.objects.filter(act=annotation).exists():
        act_check(category)
    slots = IncidentSlot.objects.filter(annotation=annotation).select_related("role")
    for slot in slots:
        if not role_allows(slot.role, category):
            raise IncidentError(
                f"This span fills the role {slot.role.name!r} of incident "
                f"{slot.incident_id}, which does not allow {category.code!r}: remove it "
                "from the incident first."
            )
