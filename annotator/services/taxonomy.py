"""Writes on a project's taxonomy, each in one transaction and in the audit log.

A category's code is what exports, moderation items and imported layers name it by: once
anything uses it, it never changes and the category is never deleted, only *retired*
(offered for no new span, still shown on the spans that have it and in exports).

Every change of the taxonomy (or of the project's guidelines, ``services.projects``) makes
the project's next numbered ``TaxonomyVersion``, in the same transaction: 1 when the
project is made, then 2, 3… with no gaps. Spans record the version they were made under.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.contrib.auth.models import User

from annotator.models import Category, Project
from annotator.services.audit import audit_record, audited
from annotator.services.incident_roles import (
    IncidentRolePlan,
    IncidentRoleReport,
    incident_roles_plan,
    incident_roles_write,
)
from annotator.services.relation_types import (
    RelationTypePlan,
    RelationTypeReport,
    relation_types_plan,
    relation_types_write,
)
from annotator.services.taxonomy_items import ItemsReport
from annotator.services.taxonomy_versions import taxonomy_version_create
from annotator.taxonomy import CategorySpec, TaxonomyError, in_file_order
from annotator.taxonomy_incidents import IncidentRoleSpec
from annotator.taxonomy_relations import RelationTypeSpec

# What a file says about a category, besides its code. Each is compared field by field,
# except the order, which is compared for the whole file (``TaxonomyReport.reordered``): one
# category added in the middle moves every later one, and is no change of theirs.
SPEC_FIELDS = ("name", "definition", "colour", "shortcut", "order", "group")
COMPARED_FIELDS = ("name", "definition", "colour", "shortcut", "parent", "group", "retired")


@dataclass
class TaxonomyReport:
    """What a taxonomy file changes (or, as a preview, would change).

    ``changes`` has, for each category updated or retired, each field that changes with its
    value before and after. ``retired`` are the categories the file does not list that are
    retired (only when asked, ``retire_missing``). ``relation_types`` and ``incident_roles``
    say the same of the relation types and the incident roles. ``version`` is the taxonomy
    version the load made (None for a preview, or when nothing changed).
    """

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    changes: dict[str, dict[str, tuple[Any, Any]]] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    reordered: bool = False
    version: int | None = None
    relation_types: ItemsReport = field(default_factory=RelationTypeReport)
    incident_roles: ItemsReport = field(default_factory=IncidentRoleReport)

    @property
    def changed(self) -> bool:
        return bool(
            self.created
            or self.updated
            or self.retired
            or self.reordered
            or any(part.changed for _, part in self.parts())
        )

    def summary(self) -> str:
        text = (
            f"{len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged"
        )
        if self.retired:
            text += f", {len(self.retired)} retired (not in the file)"
        if self.reordered:
            text += "; the order changes"
        return "; ".join([text, *(part.summary() for _, part in self.parts() if part.changed)])

    def parts(self) -> list[tuple[str, ItemsReport]]:
        """The reports of the relation types and incident roles, by the file's keys."""
        return [("relation_types", self.relation_types), ("incident_roles", self.incident_roles)]


def _spec(category: Category, codes: dict[int, str]) -> CategorySpec:
    """A stored category in a file's terms (its parent by code)."""
    return CategorySpec(
        code=category.code,
        name=category.name,
        definition=category.definition,
        colour=category.colour,
        shortcut=category.shortcut,
        parent=codes.get(category.parent_id) if category.parent_id else None,
        order=category.order,
        retired=category.retired,
        group=category.group,
    )


def _sequence(specs: list[CategorySpec], codes: set[str]) -> list[str]:
    """These codes in the order a nested file lists them."""
    ordered = sorted(in_file_order(specs), key=lambda spec: spec.order)
    return [spec.code for spec in ordered if spec.code in codes]


def _effective(spec: CategorySpec) -> CategorySpec:
    """A retired category keeps no shortcut: its key goes back to the editor's pool."""
    return replace(spec, shortcut="") if spec.retired else spec


@dataclass
class _Plan:
    report: TaxonomyReport
    specs: list[CategorySpec]  # the ones to write, in parents-first order
    retire: list[str]
    relation_types: RelationTypePlan | None = None
    incident_roles: IncidentRolePlan | None = None


def _plan(
    existing: dict[str, Category],
    specs: Sequence[CategorySpec],
    *,
    update_existing: bool,
    retire_missing: bool,
) -> _Plan:
    """What loading ``specs`` over ``existing`` does; TaxonomyError if it cannot be done."""
    codes = {category.pk: code for code, category in existing.items()}
    specs = [_effective(spec) for spec in in_file_order(list(specs))]
    spec_codes = {spec.code for spec in specs}
    to_write = [spec for spec in specs if update_existing or spec.code not in existing]
    written = {spec.code for spec in to_write}
    retire = (
        sorted(
            code
            for code, category in existing.items()
            if code not in spec_codes and not category.retired
        )
        if retire_missing
        else []
    )
    # A shortcut may move from one category to another within the file; a category the
    # file does not rewrite keeps its shortcut (unless it is retired), and the file may
    # not take it.
    kept_shortcuts = {
        category.shortcut: code
        for code, category in existing.items()
        if category.shortcut and code not in written and code not in retire
    }
    clashes = [
        f"category {spec.code!r}: shortcut {spec.shortcut!r} is already used by "
        f"{kept_shortcuts[spec.shortcut]!r}."
        for spec in to_write
        if spec.shortcut in kept_shortcuts
    ]
    if clashes:
        raise TaxonomyError(clashes)

    report = TaxonomyReport()
    for spec in to_write:
        report.names[spec.code] = spec.name
        stored = existing.get(spec.code)
        if stored is None:
            report.created.append(spec.code)
            continue
        before = _spec(stored, codes)
        differences = {
            name: (getattr(before, name), getattr(spec, name))
            for name in COMPARED_FIELDS
            if getattr(before, name) != getattr(spec, name)
        }
        if differences:
            report.updated.append(spec.code)
            report.changes[spec.code] = differences
        else:
            report.unchanged.append(spec.code)
    report.unchanged.extend(sorted(spec_codes - written))
    both = written & set(existing)
    stored_specs = [_spec(category, codes) for category in existing.values()]
    report.reordered = _sequence(stored_specs, both) != _sequence(to_write, both)
    for code in retire:
        stored = existing[code]
        report.names[code] = stored.name
        report.retired.append(code)
        report.changes[code] = {"retired": (False, True)}
        if stored.shortcut:
            report.changes[code]["shortcut"] = (stored.shortcut, "")
    return _Plan(report=report, specs=to_write, retire=retire)


def _existing(project: Project, *, lock: bool) -> dict[str, Category]:
    categories = project.categories.all()
    if lock:
        categories = categories.select_for_update()
    return {category.code: category for category in categories}


def _full_plan(
    project: Project,
    existing: dict[str, Category],
    specs: Sequence[CategorySpec],
    relation_types: Sequence[RelationTypeSpec] | None,
    incident_roles: Sequence[IncidentRoleSpec] | None = None,
    *,
    update_existing: bool,
    retire_missing: bool,
    lock: bool,
) -> _Plan:
    """The plan of the categories, then of the relation types and incident roles (which
    may name the categories the file creates)."""
    plan = _plan(existing, specs, update_existing=update_existing, retire_missing=retire_missing)
    codes = set(existing) | {spec.code for spec in specs}
    plan.relation_types = relation_types_plan(
        project=project,
        specs=relation_types,
        category_codes=codes,
        update_existing=update_existing,
        retire_missing=retire_missing,
        lock=lock,
    )
    plan.report.relation_types = plan.relation_types.report
    plan.incident_roles = incident_roles_plan(
        project=project,
        specs=incident_roles,
        category_codes=codes,
        update_existing=update_existing,
        retire_missing=retire_missing,
        lock=lock,
    )
    plan.report.incident_roles = plan.incident_roles.report
    return plan


def taxonomy_preview(
    *,
    project: Project,
    specs: Sequence[CategorySpec],
    relation_types: Sequence[RelationTypeSpec] | None = None,
    incident_roles: Sequence[IncidentRoleSpec] | None = None,
    update_existing: bool = True,
    retire_missing: bool = False,
) -> TaxonomyReport:
    """What ``taxonomy_load`` with the same arguments would change, changing nothing: a
    dry run (TaxonomyError if the load would be refused)."""
    return _full_plan(
        project,
        _existing(project, lock=False),
        specs,
        relation_types,
        incident_roles,
        update_existing=update_existing,
        retire_missing=retire_missing,
        lock=False,
    ).report


@audited
def taxonomy_load(
    *,
    project: Project,
    specs: Sequence[CategorySpec],
    relation_types: Sequence[RelationTypeSpec] | None = None,
    incident_roles: Sequence[IncidentRoleSpec] | None = None,
    update_existing: bool = True,
    retire_missing: bool = False,
    actor: User | None = None,
    source: str = "",
) -> TaxonomyReport:
    """Create the project's categories from checked specs, matching existing ones by code.

    With ``update_existing`` off, categories that already exist are left as they are (so a
    taxonomy edited on its page survives re-seeding). Categories absent from the file are
    never deleted (annotations may point at them); with ``retire_missing`` they are
    retired. ``relation_types`` and ``incident_roles`` are loaded the same way
    (``services.relation_types``, ``services.incident_roles``); None, for a file without
    them, leaves them alone. A load that changes anything is one
    ``taxonomy.load`` event naming ``source`` (the file) and what was created, updated and
    retired, and makes a new taxonomy version.
    """
    existing = _existing(project, lock=True)
    plan = _full_plan(
        project,
        existing,
        specs,
        relation_types,
        incident_roles,
        update_existing=update_existing,
        retire_missing=retire_missing,
        lock=True,
    )
    report = plan.report
    if not report.changed:
        return report

    # Clear the shortcuts being rewritten or freed first, so that swapping two never
    # collides.
    rewritten = {spec.code for spec in plan.specs} | set(plan.retire)
    moving = [
        category for code, category in existing.items() if code in rewritten and category.shortcut
    ]
    for category in moving:
        category.shortcut = ""
    Category.objects.bulk_update(moving, ["shortcut"])

    by_code = dict(existing)
    for spec in plan.specs:
        stored = existing.get(spec.code)
        if stored is not None and spec.code in report.unchanged:
            if stored.order != spec.order:
                stored.order = spec.order
                stored.save(update_fields=["order"])
            continue
        category = stored or Category(project=project, code=spec.code)
        for name in (*SPEC_FIELDS, "retired"):
            setattr(category, name, getattr(spec, name))
        category.full_clean(exclude=["parent"], validate_constraints=False)
        category.save()
        by_code[spec.code] = category
    for spec in plan.specs:
        category = by_code[spec.code]
        parent = by_code[spec.parent] if spec.parent else None
        if category.parent_id != (parent.pk if parent else None):
            category.parent = parent
            category.save(update_fields=["parent"])
    # Those unchanged but whose shortcut was cleared above (a swap) get it back.
    restored = [
        by_code[spec.code]
        for spec in plan.specs
        if spec.code in report.unchanged and by_code[spec.code].shortcut != spec.shortcut
    ]
    for category in restored:
        category.shortcut = next(s.shortcut for s in plan.specs if s.code == category.code)
    Category.objects.bulk_update(restored, ["shortcut"])
    retiring = [existing[code] for code in plan.retire]
    for category in retiring:
        category.retired, category.shortcut = True, ""
    Category.objects.bulk_update(retiring, ["retired", "shortcut"])
    if update_existing:
        # The file says the order: the categories it does not list come after its own.
        listed = {spec.code for spec in plan.specs}
        after = len(plan.specs)
        rest = sorted(
            (c for code, c in existing.items() if code not in listed),
            key=lambda category: (category.order, category.code),
        )
        for number, category in enumerate(rest):
            category.order = after + number
        Category.objects.bulk_update(rest, ["order"])
    renumber(project)
    if plan.relation_types is not None and report.relation_types.changed:
        relation_types_write(project=project, plan=plan.relation_types, categories=by_code)
    if plan.incident_roles is not None and report.incident_roles.changed:
        incident_roles_write(project=project, plan=plan.incident_roles, categories=by_code)
    audit_record(
        actor=actor,
        action="taxonomy.load",
        object_type="project",
        object_id=project.pk,
        project=project,
        after={
            "source": source,
            "created": report.created,
            "updated": report.updated,
            **({"retired": report.retired} if report.retired else {}),
            **({"reordered": True} if report.reordered else {}),
            **{name: part.as_audit() for name, part in report.parts() if part.changed},
        },
    )
    report.version = taxonomy_version_create(project=project, actor=actor).number
    return report


def renumber(project: Project) -> None:
    """Number the project's categories 0, 1, 2… as the taxonomy file lists them (each
    parent before its children, siblings in their order), writing only those that move."""
    categories = list(project.categories.all())
    codes = {category.pk: category.code for category in categories}
    specs = in_file_order(
        [
            CategorySpec(
                code=category.code,
                name=category.name,
                definition="",
                colour=category.colour,
                shortcut="",
                parent=codes.get(category.parent_id) if category.parent_id else None,
                order=category.order,
            )
            for category in categories
        ]
    )
    order = {spec.code: spec.order for spec in specs}
    moved = [category for category in categories if category.order != order[category.code]]
    for category in moved:
        category.order = order[category.code]
    Category.objects.bulk_update(moved, ["order"])


CATEGORY_FIELDS = (
    "code",
    "name",
    "definition",
    "colour",
    "shortcut",
    "parent",
    "order",
    "group",
    "retired",
)
