"""Reads about relations: a project's relation types, a reviewer's relations of a
document, and one of their relations."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db.models import Prefetch, QuerySet

from annotator.formats.corpus import ExportRelationType
from annotator.models import Category, Document, GoldRelation, Project, Relation, RelationType
from annotator.queries import first
from annotator.selectors.annotations import submitted_annotations
from annotator.selectors.exporting import ExportLayer
from annotator.taxonomy_relations import RelationTypeSpec


def _codes(categories: Any) -> tuple[str, ...]:
    """The codes of an end's categories (prefetched), in the taxonomy's order."""
    return tuple(c.code for c in sorted(categories.all(), key=lambda c: (c.order, c.code)))


def relation_type_spec(relation_type: RelationType) -> RelationTypeSpec:
    """A stored relation type in a taxonomy file's terms (its ends by category code);
    prefetch its ends (``relation_types_with_ends``) when there are several."""
    return RelationTypeSpec(
        code=relation_type.code,
        name=relation_type.name,
        definition=relation_type.definition,
        symmetric=relation_type.symmetric,
        source_categories=_codes(relation_type.source_categories),
        target_categories=_codes(relation_type.target_categories),
        order=relation_type.order,
        retired=relation_type.retired,
    )


def relation_types_with_ends(*, project: Project | int) -> QuerySet[RelationType]:
    """The project's relation types in their order, with the categories of each end: three
    queries whatever their number."""
    ends = Category.objects.only("pk", "code", "order")
    return (
        RelationType.objects.filter(project=project)
        .order_by("order", "code")
        .prefetch_related(
            Prefetch("source_categories", queryset=ends),
            Prefetch("target_categories", queryset=ends),
        )
    )


def relation_type_list(*, project: Project) -> QuerySet[RelationType]:
    """The project's relation types as the taxonomy page lists them, with the categories
    of each end (their names too) in the taxonomy's order: three queries whatever their
    number."""
    ends = Category.objects.only("pk", "code", "name", "order", "retired").order_by("order", "code")
    return (
        RelationType.objects.filter(project=project)
        .order_by("order", "code")
        .prefetch_related(
            Prefetch("source_categories", queryset=ends),
            Prefetch("target_categories", queryset=ends),
        )
    )


def relation_type_get(*, project: Project, pk: int) -> RelationType | None:
    """One of the project's relation types, retired or not, with its ends; else None."""
    return first(relation_types_with_ends(project=project).filter(pk=pk))


def relation_type_in_use(relation_type: RelationType) -> bool:
    """Whether relations have the type (its direction is then fixed)."""
    return Relation.objects.filter(relation_type=relation_type).exists()


def relation_type_specs(*, project: Project) -> list[RelationTypeSpec]:
    """The project's relation types as the taxonomy file lists them (three queries)."""
    return [relation_type_spec(row) for row in relation_types_with_ends(project=project)]


def export_relation_types(*, project: Project) -> list[ExportRelationType]:
    """The project's relation types as the exporters declare them (three queries)."""
    return [
        ExportRelationType(
            code=spec.code,
            name=spec.name,
            symmetric=spec.symmetric,
            source_categories=spec.source_categories,
            target_categories=spec.target_categories,
        )
        for spec in relation_type_specs(project=project)
    ]


def export_relation_count(*, document_ids: list[int], layer: str, category: str = "") -> int:
    """How many relations an export of ``layer`` holds in these documents: those of the
    submitted reviewers' layers both of whose spans it holds (of ``category``, if given),
    as ``export_documents`` gives them. One query."""
    count = 0
    if layer in (ExportLayer.GOLD, ExportLayer.ALL):
        gold = GoldRelation.objects.filter(document_id__in=document_ids)
        if category:
            gold = gold.filter(source__category__code=category, target__category__code=category)
        count += gold.count()
    if layer not in (ExportLayer.REVIEWERS, ExportLayer.ALL):
        return count
    ends = submitted_annotations().filter(document_id__in=document_ids)
    if category:
        ends = ends.filter(category__code=category)
    ids = ends.order_by().values("pk")
    return (
        count
        + Relation.objects.filter(
            document_id__in=document_ids, source__in=ids, target__in=ids
        ).count()
    )


def relation_type_record(relation_type: RelationType) -> dict[str, Any]:
    """One relation type as the API lists it (its ends prefetched)."""
    spec = relation_type_spec(relation_type)
    return {
        "code": spec.code,
        "name": spec.name,
        "definition": spec.definition,
        "symmetric": spec.symmetric,
        "source_categories": list(spec.source_categories),
        "target_categories": list(spec.target_categories),
        "retired": spec.retired,
    }


def relation_type_by_code(*, project_id: int, code: str) -> RelationType | None:
    """The project's relation type with ``code`` that new relations may take: None if
    there is none, or if it is retired."""
    return first(RelationType.objects.filter(project_id=project_id, code=code, retired=False))


# How a relation is represented, everywhere: the API's responses, the editor's data and
# (without its times) the audit log's snapshots. Each name with the column it is read from.
RELATION_COLUMNS = {
    "id": "id",
    "document": "document_id",
    "source": "source_id",
    "target": "target_id",
    "type": "relation_type__code",
    "note": "note",
    "version": "version",
    "created_at": "created_at",
    "updated_at": "updated_at",
}
RELATION_TIMES = ("created_at", "updated_at")


def relation_record(relation: Relation, *, times: bool = True) -> dict[str, Any]:
    """One relation in the shape of ``RELATION_COLUMNS`` (its type must be loaded)."""
    record: dict[str, Any] = {
        "id": relation.pk,
        "document": relation.document_id,
        "source": relation.source_id,
        "target": relation.target_id,
        "type": relation.relation_type.code,
        "note": relation.note,
        "version": relation.version,
        "created_at": relation.created_at,
        "updated_at": relation.updated_at,
    }
    if not times:
        for name in RELATION_TIMES:
            del record[name]
    return record


def relation_list(
    *, document: Document, reviewer: User, times: bool = True
) -> list[dict[str, Any]]:
    """One reviewer's relations of a document, in the order they were drawn, in the shape
    of ``RELATION_COLUMNS`` (without ``RELATION_TIMES`` when not ``times``, as the editor
    wants them): one query, plain rows (a long report can have a thousand)."""
    names = tuple(name for name in RELATION_COLUMNS if times or name not in RELATION_TIMES)
    rows = (
        Relation.objects.filter(document=document, reviewer=reviewer)
        .order_by("pk")
        .values_list(*(RELATION_COLUMNS[name] for name in names))
    )
    return [dict(zip(names, row, strict=True)) for row in rows]


def relation_of_owner(*, user: User, relation_id: int) -> Relation | None:
    """One of the user's own relations, in a project they still belong to; else None.
    Blind like spans: another reviewer's relation does not exist for them."""
    return first(
        Relation.objects.select_related("relation_type").filter(
            pk=relation_id, reviewer=user, document__project__memberships__user=user
        )
    )


def relation_type_names(*, project: Project) -> dict[str, str]:
    """The project's relation types' names by code (retired ones too: they stay on the
    relations that have them); one query."""
    return dict(RelationType.objects.filter(project=project).values_list("code", "name"))
