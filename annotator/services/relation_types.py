"""A taxonomy file's relation types, loaded with its categories (``taxonomy_load``; the
taxonomy page's edits of one relation type are in ``services.relation_type_edits``).

Relation types are matched by code, like categories, and never deleted: one a file does not
list is retired when asked (``retire_missing``), offered for no new relation, and kept on
the relations that have it and in exports. A file that has no ``relation_types`` at all
(``None`` here) leaves them as they are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from annotator.models import Category, Project, RelationType
from annotator.selectors.relations import relation_type_spec
from annotator.services.taxonomy_items import (
    ItemKind,
    ItemsPlan,
    ItemsReport,
    items_plan,
    items_write,
)
from annotator.taxonomy_relations import ENDS, RelationTypeSpec

COMPARED_FIELDS = ("name", "definition", "symmetric", *ENDS, "retired")


class RelationTypeReport(ItemsReport):
    """What a file changes in the relation types (as ``TaxonomyReport`` does for
    categories)."""

    NOUN = "relation types"


RelationTypePlan = ItemsPlan[RelationType]


def _plain(value: Any) -> Any:
    """A value as the audit log and the preview show it (lists, not tuples)."""
    return list(value) if isinstance(value, tuple) else value


RELATION_TYPES: ItemKind[RelationType] = ItemKind(
    model=RelationType,
    singular="relation type",
    report=RelationTypeReport,
    spec_of=relation_type_spec,
    compared=COMPARED_FIELDS,
    category_fields=ENDS,
    plain_fields=("name", "definition", "symmetric", "order", "retired"),
    plain=_plain,
)


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
    return items_plan(
        RELATION_TYPES,
        project=project,
        specs=specs,
        category_codes=category_codes,
        update_existing=update_existing,
        retire_missing=retire_missing,
        lock=lock,
    )


def relation_types_write(
    *, project: Project, plan: RelationTypePlan, categories: Mapping[str, Category]
) -> None:
    """Write the plan in the caller's transaction (``categories``: the project's by code,
    after the load wrote them)."""
    items_write(RELATION_TYPES, project=project, plan=plan, categories=categories)
