"""Edits of one relation type at a time, from the taxonomy page: create, update, retire;
each checked as a taxonomy file is, audited, and a new taxonomy version, as category edits
are (``services.categories``). A relation type is never deleted."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError

from annotator.models import Category, Project, Relation, RelationType
from annotator.selectors.relations import relation_type_record
from annotator.services.audit import audited
from annotator.services.taxonomy_edits import (
    categories_by_code,
    code_pattern_check,
    code_unused_check,
    item_record,
    lineages,
    next_order,
    text_check,
)
from annotator.taxonomy_relations import ENDS


def _relation_type_state(relation_type: RelationType) -> dict[str, Any]:
    """What the audit log records of a relation type: its file fields as the API lists
    them (ends by code), and its place in the order."""
    return {**relation_type_record(relation_type), "order": relation_type.order}


def _code_check(project: Project, code: str) -> None:
    """A new relation type's code: as a taxonomy file allows it, and no category's nor
    another relation type's (brat's annotation.conf, which exports write, names both in
    one namespace)."""
    code_pattern_check(code, example="denies")
    if Category.objects.filter(project=project, code=code).exists():
        raise ValidationError(
            {"code": f"The category {code!r} has this code; name the relation type otherwise."}
        )
    code_unused_check(RelationType.objects.filter(project=project), code, noun="relation type")


def _ends(
    project: Project, *, symmetric: bool, source: Sequence[str], target: Sequence[str]
) -> tuple[list[Category], list[Category]]:
    """The categories of each end, from their codes, checked: every code the project's,
    and a symmetric type's one list (given at either end, or the same at both)."""
    source, target = list(dict.fromkeys(source)), list(dict.fromkeys(target))
    found, problems = categories_by_code(project, dict(zip(ENDS, (source, target), strict=True)))
    if symmetric and source and target and set(source) != set(target):
        problems.setdefault(
            "target_categories",
            "A symmetric relation type has no source or target to tell apart: choose its "
            "categories in one list, or the same in both.",
        )
    if problems:
        raise ValidationError(problems)
    if symmetric:
        both = found[ENDS[0]] or found[ENDS[1]]
        return both, both
    return found[ENDS[0]], found[ENDS[1]]


def _relations_fit(
    relation_type: RelationType, *, symmetric: bool, source: list[Category], target: list[Category]
) -> None:
    """Refuse a change that the type's relations would no longer fit: a type with
    relations keeps its direction, and its ends keep allowing the spans' categories (a
    category allows its subcategories), so that nothing is made invalid quietly."""
    relations = Relation.objects.filter(relation_type=relation_type)
    if not relations.exists():
        return
    if symmetric != relation_type.symmetric:
        raise ValidationError(
            {
                "symmetric": "Relations of this type exist, so it keeps its direction "
                f"({'symmetric' if relation_type.symmetric else 'directed'})."
            }
        )
    allowed = [{c.pk for c in source}, {c.pk for c in target}]
    if not any(allowed):
        return
    lineages_of = lineages(relation_type.project_id)
    pairs = relations.order_by().values_list("source__category_id", "target__category_id")
    refused: dict[str, set[int]] = {}
    for pair in pairs.distinct():
        for end, category_id, ids in zip(ENDS, pair, allowed, strict=True):
            if ids and not ids & lineages_of.get(category_id, {category_id}):
                refused.setdefault(end, set()).add(category_id)
    if refused:
        codes = dict(
            Category.objects.filter(pk__in=set().union(*refused.values())).values_list("pk", "code")
        )
        raise ValidationError(
            {
                end: "Relations of this type have spans of "
                + ", ".join(sorted(repr(codes[pk]) for pk in ids))
                + " at this end, which these categories no longer allow; allow them, or "
                "change those relations first."
                for end, ids in refused.items()
            }
        )


def _write(
    row: RelationType,
    *,
    source: list[Category],
    target: list[Category],
    before: Any,
    actor: User | None,
) -> bool:
    """Save a checked relation type with its ends, audited and a new taxonomy version;
    whether anything changed."""
    text_check(row.name, row.definition)
    row.full_clean(validate_constraints=False)
    row.save()
    row.source_categories.set(source)
    row.target_categories.set(target)
    return _record(row, before=before, actor=actor)


def _record(row: RelationType, *, before: dict[str, Any] | None, actor: User | None) -> bool:
    """Audit a relation type's change and make the taxonomy version it starts; False (and
    nothing recorded) when nothing changed."""
    return item_record(
        row,
        project=row.project,
        kind="relation_type",
        before=before,
        after=_relation_type_state(row),
        actor=actor,
    )


@audited
def relation_type_create(
    *,
    project: Project,
    code: str,
    name: str,
    definition: str = "",
    symmetric: bool = False,
    source_categories: Sequence[str] = (),
    target_categories: Sequence[str] = (),
    retired: bool = False,
    actor: User | None,
) -> RelationType:
    """A new relation type of the project, last in its order (ends by category code; none
    at an end allows any category). A symmetric type has one list of categories."""
    code = code.strip()
    _code_check(project, code)
    source, target = _ends(
        project, symmetric=symmetric, source=source_categories, target=target_categories
    )
    row = RelationType(
        project=project,
        code=code,
        name=name.strip(),
        definition=definition.strip(),
        symmetric=symmetric,
        retired=retired,
        order=next_order(RelationType.objects.filter(project=project)),
    )
    _write(row, source=source, target=target, before=None, actor=actor)
    return row


@audited
def relation_type_update(
    *,
    relation_type: RelationType,
    name: str,
    definition: str,
    symmetric: bool,
    source_categories: Sequence[str],
    target_categories: Sequence[str],
    retired: bool,
    actor: User | None,
) -> RelationType:
    """Change a relation type (its code stays); refused when its relations would no
    longer fit (``_relations_fit``). A change makes a new taxonomy version."""
    row = (
        RelationType.objects.select_for_update(of=("self",))
        .select_related("project")
        .get(pk=relation_type.pk)
    )
    before = _relation_type_state(row)
    source, target = _ends(
        row.project, symmetric=symmetric, source=source_categories, target=target_categories
    )
    changed_ends = {c.code for c in source} != set(before["source_categories"]) or {
        c.code for c in target
    } != set(before["target_categories"])
    if symmetric != row.symmetric or changed_ends:
        _relations_fit(row, symmetric=symmetric, source=source, target=target)
    row.name, row.definition = name.strip(), definition.strip()
    row.symmetric, row.retired = symmetric, retired
    _write(row, source=source, target=target, before=before, actor=actor)
    return row


@audited
def relation_type_retire(
    *, relation_type: RelationType, retired: bool, actor: User | None
) -> RelationType:
    """Retire a relation type (offered for no new relation; its relations and exports keep
    it), or bring a retired one back; its other fields stay as they are."""
    row = (
        RelationType.objects.select_for_update(of=("self",))
        .select_related("project")
        .get(pk=relation_type.pk)
    )
    if row.retired != retired:
        before = _relation_type_state(row)
        row.retired = retired
        row.save(update_fields=["retired"])
        _record(row, before=before, actor=actor)
    relation_type.retired = retired
    return row
