"""Reads about incident records: a project's incident roles, a reviewer's incidents of a
document (each with its slots), and one of their incidents."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from annotator.models import (
    Category,
    Document,
    GoldIncidentSlot,
    Incident,
    IncidentRole,
    IncidentSlot,
    Project,
)
from annotator.queries import first
from annotator.taxonomy_incidents import IncidentRoleSpec, Involvement


def incident_role_spec(role: IncidentRole) -> IncidentRoleSpec:
    """A stored role in a taxonomy file's terms (its categories by code); prefetch its
    categories (``incident_roles_with_categories``) when there are several."""
    categories = sorted(role.categories.all(), key=lambda c: (c.order, c.code))
    return IncidentRoleSpec(
        code=role.code,
        name=role.name,
        definition=role.definition,
        categories=tuple(category.code for category in categories),
        multiple=role.multiple,
        involvements=tuple(
            Involvement(code=str(item["code"]), name=str(item["name"]))
            for item in role.involvements or []
        ),
        order=role.order,
        retired=role.retired,
    )


def incident_roles_with_categories(*, project: Project | int) -> QuerySet[IncidentRole]:
    """The project's incident roles in their order, with their categories: two queries
    whatever their number."""
    categories = Category.objects.only("pk", "code", "order")
    return (
        IncidentRole.objects.filter(project=project)
        .order_by("order", "code")
        .prefetch_related(Prefetch("categories", queryset=categories))
    )


def incident_role_rows(*, project: Project) -> QuerySet[IncidentRole]:
    """The project's incident roles as the taxonomy page lists them: in their order, with
    their categories and ``in_use`` (a reviewer's or a gold incident fills it); three
    queries whatever their number."""
    categories = Category.objects.only("pk", "code", "name", "order")
    return (
        IncidentRole.objects.filter(project=project)
        .order_by("order", "code")
        .prefetch_related(Prefetch("categories", queryset=categories))
    ).annotate(
        in_use=Exists(IncidentSlot.objects.filter(role=OuterRef("pk")))
        | Exists(GoldIncidentSlot.objects.filter(role=OuterRef("pk")))
    )


def incident_role_get(*, project: Project, pk: int) -> IncidentRole | None:
    """One of the project's incident roles, with its categories and ``in_use``; else None."""
    return first(incident_role_rows(project=project).filter(pk=pk))


def incident_role_in_use(role: IncidentRole) -> bool:
    """Whether an incident, a reviewer's or the gold layer's, fills the role."""
    return (
        IncidentSlot.objects.filter(role=role).exists()
        or GoldIncidentSlot.objects.filter(role=role).exists()
    )


def incident_role_specs(*, project: Project) -> list[IncidentRoleSpec]:
    """The project's incident roles as the taxonomy file lists them (two queries)."""
    return [incident_role_spec(row) for row in incident_roles_with_categories(project=project)]


def incident_role_record(role: IncidentRole) -> dict[str, Any]:
    """One incident role as the API lists it (its categories prefetched)."""
    spec = incident_role_spec(role)
    return {
        "code": spec.code,
        "name": spec.name,
        "definition": spec.definition,
        "categories": list(spec.categories),
        "multiple": spec.multiple,
        "involvements": [{"code": i.code, "name": i.name} for i in spec.involvements],
        "retired": spec.retired,
    }


def incident_role_by_code(*, project_id: int, code: str) -> IncidentRole | None:
    """The project's incident role with ``code`` that new slots may take: None if there is
    none, or if it is retired."""
    return first(IncidentRole.objects.filter(project_id=project_id, code=code, retired=False))


# How an incident's slot is represented, everywhere: in the API's responses and in the
# audit log. Each name with the column it is read from.
SLOT_COLUMNS = {
    "id": "id",
    "incident": "incident_id",
    "role": "role__code",
    "annotation": "annotation_id",
    "involvement": "involvement",
}


def slot_record(slot: IncidentSlot) -> dict[str, Any]:
    """One slot in the shape of ``SLOT_COLUMNS`` (its role must be loaded)."""
    return {
        "id": slot.pk,
        "incident": slot.incident_id,
        "role": slot.role.code,
        "annotation": slot.annotation_id,
        "involvement": slot.involvement,
    }


def _slot_rows(slots: QuerySet[IncidentSlot]) -> list[dict[str, Any]]:
    names = tuple(SLOT_COLUMNS)
    rows = slots.order_by("role__order", "role__code", "pk").values_list(*SLOT_COLUMNS.values())
    return [dict(zip(names, row, strict=True)) for row in rows]


def incident_record(
    incident: Incident, *, times: bool = True, slots: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """One incident with its slots (one query for them unless given)."""
    record: dict[str, Any] = {
        "id": incident.pk,
        "document": incident.document_id,
        "act": incident.act_id,
        "note": incident.note,
        "evidence_status": incident.evidence_status,
        "version": incident.version,
        "slots": (
            slots
            if slots is not None
            else _slot_rows(IncidentSlot.objects.filter(incident_id=incident.pk))
        ),
    }
    if times:
        record["created_at"] = incident.created_at
        record["updated_at"] = incident.updated_at
    return record


def incident_list(*, document: Document, reviewer: User) -> list[dict[str, Any]]:
    """One reviewer's incidents of a document, in the order they were recorded, each with
    its slots (in the roles' order): two queries whatever their number."""
    incidents = list(Incident.objects.filter(document=document, reviewer=reviewer).order_by("pk"))
    slots: dict[int, list[dict[str, Any]]] = {incident.pk: [] for incident in incidents}
    for row in _slot_rows(IncidentSlot.objects.filter(incident__in=[i.pk for i in incidents])):
        slots[row["incident"]].append(row)
    return [incident_record(incident, slots=slots[incident.pk]) for incident in incidents]


def incident_of_owner(*, user: User, incident_id: int) -> Incident | None:
    """One of the user's own incidents, in a project they still belong to; else None.
    Blind like spans: another reviewer's incident does not exist for them."""
    return first(
        Incident.objects.select_related("document")
        .defer("document__text")
        .filter(pk=incident_id, reviewer=user, document__project__memberships__user=user)
    )


def incident_role_names(*, project: Project) -> dict[str, str]:
    """The project's incident roles' names by code (retired ones too: they stay on the
    incidents that have them); one query."""
    return dict(IncidentRole.objects.filter(project=project).values_list("code", "name"))
