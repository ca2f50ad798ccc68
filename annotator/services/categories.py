"""Edits of one category at a time: save, retire, move, delete; each audited, and each
a new taxonomy version. A subcategory is in its parent's group (violation or entity): a
category moved to another group takes its subcategories with it."""

from __future__ import annotations

from typing import Any, Literal

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db.models import Max

from annotator.models import Category, RelationType
from annotator.selectors.projects import category_in_use
from annotator.services.audit import audit_record, audited
from annotator.services.taxonomy import CATEGORY_FIELDS, renumber, taxonomy_version_create


def _category_state(category: Category) -> dict[str, Any]:
    state: dict[str, Any] = {name: getattr(category, name) for name in CATEGORY_FIELDS}
    parent = category.parent
    state["parent"] = parent.code if parent is not None else None
    return state


def _category_write(category: Category, *, actor: User | None) -> bool:
    """Create or change one category, checked and audited; whether anything changed."""
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
    elif not category.order:
        # A new category goes last among its siblings (renumbered below).
        highest = Category.objects.filter(project_id=category.project_id).aggregate(n=Max("order"))[
            "n"
        ]
        category.order = 0 if highest is None else highest + 1
    if category.retired:
        category.shortcut = ""
    category.full_clean()
    _names_check(category)
    category.save()
    after = _category_state(category)
    if before == after:
        return False
    if before is not None and before["group"] != after["group"]:
        _descendants_follow(category, actor=actor)
    audit_record(
        actor=actor,
        action="category.create" if before is None else "category.update",
        object_type="category",
        object_id=category.pk,
        project=category.project,
        before=before,
        after=after,
    )
    if before is None or before["parent"] != after["parent"] or before["order"] != after["order"]:
        renumber(category.project)
        category.refresh_from_db(fields=["order"])
    return True


def _names_check(category: Category) -> None:
    """A code no relation type of the project has (a taxonomy file, and brat's
    annotation.conf that exports write, name both in one namespace), and a subcategory in
    its parent's group."""
    if RelationType.objects.filter(project_id=category.project_id, code=category.code).exists():
        raise ValidationError(
            {
                "code": f"The relation type {category.code!r} has this code; name the "
                "category otherwise."
            }
        )
    parent = category.parent
    if parent is not None and parent.group != category.group:
        raise ValidationError(
            {
                "group": f"A subcategory is in its parent's group: “{parent.name}” is in the "
                f"{parent.get_group_display().lower()} group, so this category must be too "
                "(or choose another parent)."
            }
        )


def _descendants_follow(category: Category, *, actor: User | None) -> None:
    """Put the category's subcategories, all the way down, in its new group, each change
    audited."""
    parents = dict(
        Category.objects.filter(project_id=category.project_id).values_list("pk", "parent_id")
    )
    below: set[int] = set()
    level = {category.pk}
    while level:
        level = {pk for pk, parent_id in parents.items() if parent_id in level} - below
        below |= level
    moved = list(
        Category.objects.select_for_update(of=("self",))
        .select_related("parent")
        .filter(pk__in=below)
        .exclude(group=category.group)
        .order_by("order", "code")
    )
    for descendant in moved:
        before = _category_state(descendant)
        descendant.group = category.group
        audit_record(
            actor=actor,
            action="category.update",
            object_type="category",
            object_id=descendant.pk,
            project=category.project,
            before=before,
            after=_category_state(descendant),
        )
    Category.objects.bulk_update(moved, ["group"])


@audited
def category_save(*, category: Category, actor: User | None) -> Category:
    """Create or change one category, checked; a code in use is refused a new value. A
    change makes a new taxonomy version."""
    if _category_write(category, actor=actor):
        taxonomy_version_create(project=category.project, actor=actor)
    return category


@audited
def category_retire(*, category: Category, retired: bool, actor: User | None) -> Category:
    """Retire a category (offered for no new span; its shortcut is freed), or bring a
    retired one back. Its spans, moderation items and exports keep it either way."""
    category.retired = retired
    return category_save(category=category, actor=actor)


@audited
def category_move(
    *, category: Category, direction: Literal["up", "down"], actor: User | None
) -> bool:
    """Move a category one place up or down among its siblings (with its subcategories);
    False when it is already first or last."""
    siblings = list(
        Category.objects.select_for_update()
        .filter(project_id=category.project_id, parent_id=category.parent_id)
        .order_by("order", "code")
    )
    index = next(i for i, sibling in enumerate(siblings) if sibling.pk == category.pk)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(siblings):
        return False
    mine, theirs = siblings[index], siblings[other]
    before = {"order": mine.order}
    if mine.order == theirs.order:  # equal orders sort by code: make them distinct first
        theirs.order += 1 if direction == "up" else -1
    mine.order, theirs.order = theirs.order, mine.order
    Category.objects.bulk_update([mine, theirs], ["order"])
    renumber(category.project)
    mine.refresh_from_db(fields=["order"])
    category.order = mine.order
    audit_record(
        actor=actor,
        action="category.move",
        object_type="category",
        object_id=category.pk,
        project=category.project,
        before=before,
        after={"order": mine.order, "direction": direction},
    )
    taxonomy_version_create(project=category.project, actor=actor)
    return True


@audited
def category_delete(*, category: Category, actor: User | None) -> None:
    """Delete a category nothing uses yet; one in use is refused (retire it instead)."""
    if category_in_use(category):
        raise ValidationError(
            f"The category {category.code!r} is in use, so it cannot be deleted; retire it instead."
        )
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
    project = category.project
    category.delete()
    renumber(project)
    taxonomy_version_create(project=project, actor=actor)
