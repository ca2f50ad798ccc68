"""The rules relations keep with the spans they link, shared by the writes on both.

A relation's ends must be spans whose categories its type allows (a category allows its
subcategories); deleting a span deletes its relations first, each with its own event, in
the span's transaction; changing a span's category is refused while one of its relations
would no longer allow it, so that nothing is lost quietly.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Q

from annotator.models import Annotation, Category, Relation, RelationType
from annotator.selectors.relations import relation_record
from annotator.services.audit import audit_record


class RelationError(ValueError):
    """The relation is not valid; the message says why, for the person drawing it."""


def relation_snapshot(relation: Relation) -> dict[str, Any]:
    """What the audit log records of a relation, before and after a change: the relation's
    one shape (``relation_record``) without its times, its reviewer and whether its type is
    symmetric (so that the log reads without the taxonomy)."""
    return {
        **relation_record(relation, times=False),
        "reviewer": relation.reviewer_id,
        "symmetric": relation.relation_type.symmetric,
    }


def category_lineage(category: Category) -> set[int]:
    """The category and its ancestors' ids (a relation type allowing a category allows its
    subcategories): one query a level above it."""
    ids = {category.pk}
    current = category
    while current.parent_id is not None and current.parent_id not in ids:
        ids.add(current.parent_id)
        current = Category.objects.only("pk", "parent_id").get(pk=current.parent_id)
    return ids


def ends_check(relation_type: RelationType, source: Annotation, target: Annotation) -> None:
    """Refuse ends whose categories the type does not allow (none listed: any)."""
    allowed = {
        end: set(getattr(relation_type, end).values_list("pk", flat=True))
        for end in ("source_categories", "target_categories")
    }
    for end, span in (("source_categories", source), ("target_categories", target)):
        if allowed[end] and not allowed[end] & category_lineage(span.category):
            which = "source" if end == "source_categories" else "target"
            raise RelationError(
                f"A {relation_type.name!r} relation cannot have a span of "
                f"{span.category.code!r} as its {which}."
            )


def relations_delete(relations: Iterable[Relation], *, actor: User, reason: str) -> None:
    for relation in relations:
        before = relation_snapshot(relation)
        document = relation.document
        relation.delete()
        audit_record(
            actor=actor,
            action="relation.delete",
            object_type="relation",
            object_id=before["id"],
            project=document.project,
            document=document,
            before=before,
            after={"reason": reason} if reason else None,
        )


def relations_of_span_delete(*, annotation: Annotation, actor: User) -> int:
    """Delete, each with its event, the relations that have this span at either end: what
    deleting a span does first, in its transaction (its layer locked). How many."""
    relations = list(
        Relation.objects.filter(Q(source=annotation) | Q(target=annotation))
        .select_related("relation_type", "document__project")
        .defer("document__text")
        .order_by("pk")
    )
    relations_delete(relations, actor=actor, reason=f"span {annotation.pk} was deleted")
    return len(relations)


def relations_of_span_check(*, annotation: Annotation, category: Category) -> None:
    """Refuse giving a span a category that one of its relations' types does not allow at
    its end: the reviewer changes or deletes the relation first. Nothing is lost quietly."""
    relations = Relation.objects.filter(Q(source=annotation) | Q(target=annotation)).select_related(
        "relation_type"
    )
    lineage = category_lineage(category)
    for relation in relations:
        end = "source_categories" if relation.source_id == annotation.pk else "target_categories"
        allowed = set(getattr(relation.relation_type, end).values_list("pk", flat=True))
        if allowed and not allowed & lineage:
            raise RelationError(
                f"This span is an end of a {relation.relation_type.name!r} relation, which "
                f"does not allow {category.code!r} there: change or delete the relation first."
            )
