"""A taxonomy file's incident roles, loaded with its categories (``taxonomy_load``).

Roles are matched by code, like categories and relation types, and never deleted: one a
file does not list is retired when asked (``retire_missing``), takes no new span, and stays
on the incidents that have it and in exports. A file that has no ``incident_roles`` at all
(``None`` here) leaves them as they are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import Any

from annotator.models import Category, IncidentRole, Project
from annotator.selectors.incidents import incident_role_spec
from annotator.services.taxonomy_items import (
    ItemKind,
    ItemsPlan,
    ItemsReport,
    items_plan,
    items_write,
)
from annotator.taxonomy_incidents import IncidentRoleSpec, Involvement

COMPARED_FIELDS = ("name", "definition", "categories", "multiple", "involvements", "retired")


class IncidentRoleReport(ItemsReport):
    """What a file changes in the incident roles (as ``RelationTypeReport`` does for
    relation types)."""

    NOUN = "incident roles"


IncidentRolePlan = ItemsPlan[IncidentRole]


def _plain(value: Any) -> Any:
    """A value as the audit log and the preview show it (lists and mappings)."""
    if isinstance(value, tuple):
        return [asdict(item) if isinstance(item, Involvement) else item for item in value]
    return value


def _involvements(row: IncidentRole, spec: IncidentRoleSpec) -> None:
    row.involvements = [{"code": i.code, "name": i.name} for i in spec.involvements]


INCIDENT_ROLES: ItemKind[IncidentRole] = ItemKind(
    model=IncidentRole,
    singular="incident role",
    report=IncidentRoleReport,
    spec_of=incident_role_spec,
    compared=COMPARED_FIELDS,
    category_fields=("categories",),
    plain_fields=("name", "definition", "multiple", "order", "retired"),
    plain=_plain,
    more=_involvements,
)


def incident_roles_plan(
    *,
    project: Project,
    specs: Sequence[IncidentRoleSpec] | None,
    category_codes: set[str],
    update_existing: bool,
    retire_missing: bool,
    lock: bool,
) -> IncidentRolePlan:
    """What loading ``specs`` changes; TaxonomyError when a role names a category the
    project will not have (``category_codes``: its categories after the load)."""
    return items_plan(
        INCIDENT_ROLES,
        project=project,
        specs=specs,
        category_codes=category_codes,
        update_existing=update_existing,
        retire_missing=retire_missing,
        lock=lock,
    )


def incident_roles_write(
    *, project: Project, plan: IncidentRolePlan, categories: Mapping[str, Category]
) -> None:
    """Write the plan in the caller's transaction (``categories``: the project's by code,
    after the load wrote them)."""
    items_write(INCIDENT_ROLES, project=project, plan=plan, categories=categories)
