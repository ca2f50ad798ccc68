"""Writes on a project's taxonomy, each in one transaction and in the audit log.

A category's code is what exports, moderation items and imported layers name it by: once
anything uses it, it never changes and the category is never deleted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError

from annotator.models import Category, Project
from annotator.selectors.projects import category_in_use
from annotator.services.audit import audit_record, audited
from annotator.taxonomy import CategorySpec, TaxonomyError


@dataclass
class TaxonomyReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged"
        )


SPEC_FIELDS = ("name", "definition", "colour", "shortcut", "order")


@audited
def taxonomy_load(
    *,
    project: Project,
    specs: Sequence[CategorySpec],
    update_existing: bool = True,
    actor: User | None = None,
    source: str = "",
) -> TaxonomyReport:
    """Create the project's categories from checked specs, matching existing ones by code.

    With ``update_existing`` off, categories that already exist are left as they are (so a
    taxonomy edited in the admin survives re-seeding). Categories absent from the file are
    never deleted: annotations may point at them. A load that changes anything is one
    ``taxonomy.load`` event naming ``source`` (the file) and what was created and updated.
    """
    report = TaxonomyReport()
    existing = {
        category.code: category
        for category in project.categories.select_related("parent").select_for_update(of=("self",))
    }
    before = {
        code: {
            **{name: getattr(category, name) for name in SPEC_FIELDS},
            "parent": category.parent.code if category.parent else None,
        }
        for code, category in existing.items()
    }
    spec_codes = {spec.code for spec in specs}
    to_write = [s for s in specs if update_existing or s.code not in existing]
    written_codes = {spec.code for spec in to_write}

    # A shortcut may move from one category to another within the file; a category the
    # file does not rewrite keeps its shortcut, and the file may not take it.
    kept_shortcuts = {
        category.shortcut: code
        for code, category in existing.items()
        if category.shortcut and code not in written_codes
    }
    clashes = [
        f"category {spec.code!r}: shortcut {spec.shortcut!r} is already used by "
        f"{kept_shortcuts[spec.shortcut]!r}."
        for spec in to_write
        if spec.shortcut in kept_shortcuts
    ]
    if clashes:
        raise TaxonomyError(clashes)
    # Clear the shortcuts being rewritten first, so that swapping two never collides.
    moving = [
        existing[s.code] for s in to_write if s.code in existing and existing[s.code].shortcut
    ]
    for category in moving:
        category.shortcut = ""
    Category.objects.bulk_update(moving, ["shortcut"])

    by_code = dict(existing)
    for spec in to_write:
        values = {name: getattr(spec, name) for name in SPEC_FIELDS}
        category = existing.get(spec.code) or Category(project=project, code=spec.code)
        for name, value in values.items():
            setattr(category, name, value)
        category.full_clean(exclude=["parent"], validate_constraints=False)
        category.save()
        by_code[spec.code] = category
        if spec.code not in before:
            report.created.append(spec.code)
        elif before[spec.code] != {**values, "parent": spec.parent}:
            report.updated.append(spec.code)
        else:
            report.unchanged.append(spec.code)

    for spec in to_write:
        category = by_code[spec.code]
        parent = by_code[spec.parent] if spec.parent else None
        if category.parent_id != (parent.pk if parent else None):
            category.parent = parent
            category.save(update_fields=["parent"])
    report.unchanged.extend(sorted(spec_codes - written_codes))
    if report.created or report.updated:
        audit_record(
            actor=actor,
            action="taxonomy.load",
            object_type="project",
            object_id=project.pk,
            project=project,
            after={"source": source, "created": report.created, "updated": report.updated},
        )
    return report


CATEGORY_FIELDS = ("code", "name", "definition", "colour", "shortcut", "parent", "order")


def _category_state(category: Category) -> dict[str, Any]:
    state: dict[str, Any] = {name: getattr(category, name) for name in CATEGORY_FIELDS}
    parent = category.parent
    state["parent"] = parent.code if parent is not None else None
    return state


@audited
def category_save(*, category: Category, actor: User | None) -> Category:
    """Create or change one category, checked; a code in use is refused a new value."""
    before = None
    if category.pk is not None:
        stored = (
            Category.objects.select_for_update(of=("self",))
            .select_related("parent")
            .get(pk=category.pk)
        )
        before = _category_state(stored)
        if stored.code != category.code and category_in_use(stored):
            raise ValidationError(
                {
                    "code": f"The code {stored.code!r} is in use (spans, moderation items or "
                    "imported layers name it), so it cannot change."
                }
            )
    category.full_clean()
    category.save()
    after = _category_state(category)
    if before != after:
        audit_record(
            actor=actor,
            action="category.create" if before is None else "category.update",
            object_type="category",
            object_id=category.pk,
            project=category.project,
            before=before,
            after=after,
        )
    return category


@audited
def category_delete(*, category: Category, actor: User | None) -> None:
    """Delete a category nothing uses yet; one in use is refused."""
    if category_in_use(category):
        raise ValidationError(f"The category {category.code!r} is in use, so it cannot be deleted.")
    if category.children.exists():
        raise ValidationError(f"The category {category.code!r} has subcategories.")
    audit_record(
        actor=actor,
        action="category.delete",
        object_type="category",
        object_id=category.pk,
        project=category.project,
        before=_category_state(category),
    )
    category.delete()
