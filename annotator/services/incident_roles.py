"""A taxonomy file's incident roles, loaded with its categories (``taxonomy_load``).

Roles are matched by code, like categories and relation types, and never deleted: one a
file does not list is retired when asked (``retire_missing``), takes no new span, and stays
on the incidents that have it and in exports. A file that has no ``incident_roles`` at all
(``None`` here) leaves them as they are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from annotator.models import Category, IncidentRole, Project
from annotator.selectors.incidents import incident_role_spec
from annotator.taxonomy import TaxonomyError
from annotator.taxonomy_incidents import IncidentRoleSpec, Involvement

COMPARED_FIELDS = ("name", "definition", "categories", "multiple", "involvements", "retired")


@dataclass
class IncidentRoleReport:
    """What a file changes in the incident roles (as ``RelationTypeReport`` does for
    relation types)."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    changes: dict[str, dict[str, tuple[Any, Any]]] = field(default_factory=dict)
    reordered: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.retired or self.reordered)

    def summary(self) -> str:
        """For example "2 incident roles created, 1 updated"; empty when nothing changes."""
        if not self.changed:
            return ""
        parts = [f"{len(self.created)} incident roles created", f"{len(self.updated)} updated"]
        if self.retired:
            parts.append(f"{len(self.retired)} retired (not in the file)")
        text = ", ".join(parts)
        return text + ("; their order changes" if self.reordered else "")

    def as_audit(self) -> dict[str, Any]:
        """What the taxonomy's load event records of the incident roles."""
        return {
            "created": self.created,
            "updated": self.updated,
            **({"retired": self.retired} if self.retired else {}),
            **({"reordered": True} if self.reordered else {}),
        }


@dataclass
class IncidentRolePlan:
    report: IncidentRoleReport
    specs: list[IncidentRoleSpec]  # the ones to write
    retire: list[str]
    existing: dict[str, IncidentRole]


def _plain(value: Any) -> Any:
    """A value as the audit log and the preview show it (lists and mappings)."""
    if isinstance(value, tuple):
        return [asdict(item) if isinstance(item, Involvement) else item for item in value]
    return value


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
    rows = IncidentRole.objects.filter(project=project).prefetch_related("categories")
    if lock:
        rows = rows.select_for_update(of=("self",))
    existing = {row.code: row for row in rows}
    if specs is None:
        return IncidentRolePlan(IncidentRoleReport(), [], [], existing)
    problems = [
        f"incident role {spec.code!r}: categories names categories the project does not "
        f"have: {', '.join(repr(code) for code in missing)}."
        for spec in specs
        if (missing := [code for code in spec.categories if code not in category_codes])
    ]
    if problems:
        raise TaxonomyError(problems)
    listed = {spec.code for spec in specs}
    to_write = [spec for spec in specs if update_existing or spec.code not in existing]
    retire = sorted(
        code
        for code, row in existing.items()
        if retire_missing and code not in listed and not row.retired
    )
    report = IncidentRoleReport()
    for spec in to_write:
        stored = existing.get(spec.code)
        if stored is None:
            report.created.append(spec.code)
            continue
        before = incident_role_spec(stored)
        differences = {
            name: (_plain(getattr(before, name)), _plain(getattr(spec, name)))
            for name in COMPARED_FIELDS
            if getattr(before, name) != getattr(spec, name)
        }
        if differences:
            report.updated.append(spec.code)
            report.changes[spec.code] = differences
        else:
            report.unchanged.append(spec.code)
    report.unchanged.extend(sorted(listed - {spec.code for spec in to_write}))
    if update_existing:
        stored_order = [row.code for row in sorted(existing.values(), key=_position)]
        file_order = [spec.code for spec in sorted(to_write, key=lambda s: (s.order, s.code))]
        report.reordered = [c for c in stored_order if c in listed] != [
            c for c in file_order if c in existing
        ]
    for code in retire:
        report.retired.append(code)
        report.changes[code] = {"retired": (False, True)}
    return IncidentRolePlan(report, to_write, retire, existing)


def _position(row: IncidentRole) -> tuple[int, str]:
    return (row.order, row.code)


def incident_roles_write(
    *, project: Project, plan: IncidentRolePlan, categories: Mapping[str, Category]
) -> None:
    """Write the plan in the caller's transaction (``categories``: the project's by code,
    after the load wrote them)."""
    existing = plan.existing
    for spec in plan.specs:
        stored = existing.get(spec.code)
        if stored is not None and spec.code in plan.report.unchanged:
            if stored.order != spec.order:
                stored.order = spec.order
                stored.save(update_fields=["order"])
            continue
        row = stored or IncidentRole(project=project, code=spec.code)
        for name in ("name", "definition", "multiple", "order", "retired"):
            setattr(row, name, getattr(spec, name))
        row.involvements = [{"code": i.code, "name": i.name} for i in spec.involvements]
        row.full_clean(validate_constraints=False)
        row.save()
        row.categories.set([categories[code] for code in spec.categories])
    retiring = [existing[code] for code in plan.retire]
    for row in retiring:
        row.retired = True
    IncidentRole.objects.bulk_update(retiring, ["retired"])
    if plan.specs and plan.report.reordered:
        # The file says the order: the roles it does not list come after its own.
        listed = {spec.code for spec in plan.specs}
        rest = sorted((r for c, r in existing.items() if c not in listed), key=_position)
        for number, row in enumerate(rest):
            row.order = len(plan.specs) + number
        IncidentRole.objects.bulk_update(rest, ["order"])
