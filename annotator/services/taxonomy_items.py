"""What a taxonomy file changes in one kind of item besides its categories (relation types,
incident roles), and writing it: one plan and one write for both kinds, each described by
an ``ItemKind`` (``services.relation_types``, ``services.incident_roles``).

Items are matched by code, like categories, and never deleted by a file: one it does not
list is retired when asked (``retire_missing``). A file without the kind at all (``None``
here) leaves its items as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar

from django.db.models import Model

from annotator.models import Category, Project
from annotator.taxonomy import TaxonomyError

Row = TypeVar("Row", bound=Model)


@dataclass
class ItemsReport:
    """The codes created, updated (with each field before and after in ``changes``),
    unchanged and retired, and whether their order changes."""

    NOUN: ClassVar[str] = "items"

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
        parts = [f"{len(self.created)} {self.NOUN} created", f"{len(self.updated)} updated"]
        if self.retired:
            parts.append(f"{len(self.retired)} retired (not in the file)")
        text = ", ".join(parts)
        return text + ("; their order changes" if self.reordered else "")

    def as_audit(self) -> dict[str, Any]:
        """What the taxonomy's load event records of the items."""
        return {
            "created": self.created,
            "updated": self.updated,
            **({"retired": self.retired} if self.retired else {}),
            **({"reordered": True} if self.reordered else {}),
        }


@dataclass
class ItemsPlan(Generic[Row]):
    report: ItemsReport
    specs: list[Any]  # the ones to write
    retire: list[str]
    existing: dict[str, Row]


@dataclass(frozen=True)
class ItemKind(Generic[Row]):
    """One kind of taxonomy item: its model, how it is named, read back as a spec, compared
    and written."""

    model: type[Row]
    singular: str  # "relation type", in messages
    report: type[ItemsReport]
    spec_of: Callable[[Row], Any]
    compared: tuple[str, ...]
    category_fields: tuple[str, ...]  # the spec's fields of category codes, many-to-many
    plain_fields: tuple[str, ...]  # copied from the spec as they are
    plain: Callable[[Any], Any]  # a value as the audit log and the preview show it
    more: Callable[[Row, Any], None] = lambda row, spec: None  # anything else to copy


def items_plan(
    kind: ItemKind[Row],
    *,
    project: Project,
    specs: Sequence[Any] | None,
    category_codes: set[str],
    update_existing: bool,
    retire_missing: bool,
    lock: bool,
) -> ItemsPlan[Row]:
    """What loading ``specs`` changes; TaxonomyError when an item names a category the
    project will not have (``category_codes``: its categories after the load)."""
    rows = kind.model._default_manager.filter(project=project).prefetch_related(
        *kind.category_fields
    )
    if lock:
        rows = rows.select_for_update(of=("self",))
    existing: dict[str, Row] = {row.code: row for row in rows}  # type: ignore[attr-defined]
    if specs is None:
        return ItemsPlan(kind.report(), [], [], existing)
    problems = [
        f"{kind.singular} {spec.code!r}: {name} names categories the project does not have: "
        f"{', '.join(repr(code) for code in missing)}."
        for spec in specs
        for name in kind.category_fields
        if (missing := [code for code in getattr(spec, name) if code not in category_codes])
    ]
    if problems:
        raise TaxonomyError(problems)
    listed = {spec.code for spec in specs}
    to_write = [spec for spec in specs if update_existing or spec.code not in existing]
    retire = sorted(
        code
        for code, row in existing.items()
        if retire_missing and code not in listed and not row.retired  # type: ignore[attr-defined]
    )
    report = kind.report()
    for spec in to_write:
        stored = existing.get(spec.code)
        if stored is None:
            report.created.append(spec.code)
            continue
        before = kind.spec_of(stored)
        differences = {
            name: (kind.plain(getattr(before, name)), kind.plain(getattr(spec, name)))
            for name in kind.compared
            if getattr(before, name) != getattr(spec, name)
        }
        if differences:
            report.updated.append(spec.code)
            report.changes[spec.code] = differences
        else:
            report.unchanged.append(spec.code)
    report.unchanged.extend(sorted(listed - {spec.code for spec in to_write}))
    if update_existing:
        stored_order = [row.code for row in sorted(existing.values(), key=_position)]  # type: ignore[attr-defined]
        file_order = [spec.code for spec in sorted(to_write, key=lambda s: (s.order, s.code))]
        report.reordered = [c for c in stored_order if c in listed] != [
            c for c in file_order if c in existing
        ]
    for code in retire:
        report.retired.append(code)
        report.changes[code] = {"retired": (False, True)}
    return ItemsPlan(report, to_write, retire, existing)


def _position(row: Any) -> tuple[int, str]:
    return (row.order, row.code)


def items_write(
    kind: ItemKind[Row],
    *,
    project: Project,
    plan: ItemsPlan[Row],
    categories: Mapping[str, Category],
) -> None:
    """Write the plan in the caller's transaction (``categories``: the project's by code,
    after the load wrote them)."""
    existing = plan.existing
    model: Any = kind.model
    for spec in plan.specs:
        stored: Any = existing.get(spec.code)
        if stored is not None and spec.code in plan.report.unchanged:
            if stored.order != spec.order:
                stored.order = spec.order
                stored.save(update_fields=["order"])
            continue
        row = stored or model(project=project, code=spec.code)
        for name in kind.plain_fields:
            setattr(row, name, getattr(spec, name))
        kind.more(row, spec)
        row.full_clean(validate_constraints=False)
        row.save()
        for name in kind.category_fields:
            getattr(row, name).set([categories[code] for code in getattr(spec, name)])
    retiring: list[Any] = [existing[code] for code in plan.retire]
    for row in retiring:
        row.retired = True
    model.objects.bulk_update(retiring, ["retired"])
    if plan.specs and plan.report.reordered:
        # The file says the order: the items it does not list come after its own.
        listed = {spec.code for spec in plan.specs}
        rest: list[Any] = sorted((r for c, r in existing.items() if c not in listed), key=_position)
        for number, row in enumerate(rest):
            row.order = len(plan.specs) + number
        model.objects.bulk_update(rest, ["order"])
