"""A taxonomy file's relation types, loaded with its categories (``taxonomy_load``; the
taxonomy page's edits of one relation type are in ``services.relation_type_edits``).

Relation types are matched by code, like categories, and never deleted: one a file does not
list is retired when asked (``retire_missing``), offered for no new relation, and kept on
the relations that have it and in exports. A file that has no ``relation_types`` at all
(``None`` here) leaves them as they are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from annotator.models import Category, Project, RelationType
from annotator.selectors.relations import relation_type_spec
from annotator.taxonomy import TaxonomyError
from annotator.taxonomy_relations import ENDS, RelationTypeSpec

COMPARED_FIELDS = ("name", "definition", "symmetric", *ENDS, "retired")


@dataclass
class RelationTypeReport:
    """What a file changes in the relation types (as ``TaxonomyReport`` does for
    categories): the codes created, updated (with each field before and after in
    ``changes``), unchanged and retired, and whether their order changes."""

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
        """For example "2 relation types created, 1 updated"; empty when nothing changes."""
        if not self.changed:
            return ""
        parts = [f"{len(self.created)} relation types created", f"{len(self.updated)} updated"]
        if self.retired:
            parts.append(f"{len(self.retired)} retired (not in the file)")
        text = ", ".join(parts)
        return text + ("; their order changes" if self.reordered else "")

    def as_audit(self) -> dict[str, Any]:
        """What the taxonomy's load event records of the relation types."""
        return {
            "created": self.created,
            "updated": self.updated,
            **({"retired": self.retired} if self.retired else {}),
            **({"reordered": True} if self.reordered else {}),
        }


@dataclass
class RelationTypePlan:
    report: RelationTypeReport
    specs: list[RelationTypeSpec]  # the ones to write
    retire: list[str]
    existing: dict[str, RelationType]


def relation_types_plan(
    *,
    project: Project,
    specs: Sequence[RelationTypeSpec] | None,
    category_codes: set[str],
    update_existing: bool,
    retire_missing: bool,
    lock: bool,
) -> RelationTypePlan:
    """What loading ``specs`` changes; TaxonomyError when an end names a category that
    the project will not have (``category_codes``: its categories after the load)."""
    rows = RelationType.objects.filter(project=project).prefetch_related(*ENDS)
    if lock:
        rows = rows.select_for_update(of=("self",))
    existing = {row.code: row for row in rows}
    if specs is None:
        return RelationTypePlan(RelationTypeReport(), [], [], existing)
    problems = [
        f"relation type {spec.code!r}: {end} names categories the project does not have: "
        f"{', '.join(repr(code) for code in missing)}."
        for spec in specs
        for end in ENDS
        if (missing := [code for code in getattr(spec, end) if code not in category_codes])
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
    report = RelationTypeReport()
    for spec in to_write:
        stored = existing.get(spec.code)
        if stored is None:
            report.created.append(spec.code)
            continue
        before = relation_type_spec(stored)
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
    return RelationTypePlan(report, to_write, retire, existing)


def _plain(value: Any) -> Any:
    """A value as the audit log and the preview show it (lists, not tuples)."""
    return list(value) if isinstance(value, tuple) else value


def _position(row: RelationType) -> tuple[int, str]:
    return (row.order, row.code)


def relation_types_write(
    *, project: Project, plan: RelationTypePlan, categories: Mapping[str, Category]
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
        row = stored or RelationType(project=project, code=spec.code)
        for name in ("name", "definition", "symmetric", "order", "retired"):
            setattr(row, name, getattr(spec, name))
        row.full_clean(validate_constraints=False)
        row.save()
        row.source_categories.set([categories[code] for code in spec.source_categories])
        row.target_categories.set([categories[code] for code in spec.target_categories])
    retiring = [existing[code] for code in plan.retire]
    for row in retiring:
        row.retired = True
    RelationType.objects.bulk_update(retiring, ["retired"])
    if plan.specs and plan.report.reordered:
        # The file says the order: the relation types it does not list come after its own.
        listed = {spec.code for spec in plan.specs}
        rest = sorted((r for c, r in existing.items() if c not in listed), key=_position)
        for number, row in enumerate(rest):
            row.order = len(plan.specs) + number
        RelationType.objects.bulk_update(rest, ["order"])
