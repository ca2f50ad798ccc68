"""Writes on relations between spans: each checks its ends and its type, and is audited.

A relation links two spans of one reviewer's layer of a document. Its writes take the same
first lock as span writes, the reviewer's layer (``layer_lock``), so a relation and the
spans it links change one after the other, never interleaved, and never once the layer is
submitted. A symmetric relation is stored once, its ends in the order of their ids,
whichever way round it was drawn.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from annotator.models import Annotation, Document, Relation, RelationType
from annotator.selectors.projects import current_taxonomy_version_id
from annotator.services.annotations import NOTE_MAX_LENGTH, layer_lock
from annotator.services.audit import audit_record, audited
from annotator.services.relation_rules import (
    RelationError,
    ends_check,
    relation_snapshot,
    relations_delete,
)

EDITABLE_FIELDS = ("relation_type", "note")


class RelationGone(Exception):
    """The relation does not exist (any more): deleted, perhaps with one of its spans."""

    def __init__(self, relation_id: int) -> None:
        self.relation_id = relation_id
        super().__init__(f"Relation {relation_id} does not exist (any more).")


class RelationConflict(Exception):
    """The change was based on an older version; ``current`` is what the server holds now."""

    def __init__(self, current: Relation) -> None:
        self.current = current
        super().__init__(
            f"Relation {current.pk} has changed since you loaded it (now version "
            f"{current.version}); reload it and make your change again."
        )


def _ends(relation: Relation) -> dict[int, Annotation]:
    """Both ends of the relation, with their categories: one query. Refused unless both
    are spans of the relation's reviewer in its document."""
    wanted = {relation.source_id, relation.target_id}
    if len(wanted) == 1:
        raise RelationError("A relation links two different spans.")
    ends = {
        annotation.pk: annotation
        for annotation in Annotation.objects.filter(pk__in=wanted).select_related("category")
    }
    for pk in sorted(wanted):
        end = ends.get(pk)
        if end is None or end.reviewer_id != relation.reviewer_id:
            raise RelationError(f"Span {pk} is not one of your spans (any more).")
        if end.document_id != relation.document_id:
            raise RelationError(f"Span {pk} is in another document.")
    return ends


def _check(relation: Relation) -> None:
    """Check the relation against its ends, its type and its layer's other relations, and
    put a symmetric relation's ends in their one order. Run with the layer locked."""
    relation_type = relation.relation_type
    if relation_type.project_id != relation.document.project_id:
        raise RelationError(f"Relation type {relation_type.code!r} is not in this project.")
    if len(relation.note) > NOTE_MAX_LENGTH:
        raise RelationError(f"A note may have at most {NOTE_MAX_LENGTH} characters.")
    ends = _ends(relation)
    if relation_type.symmetric and relation.source_id > relation.target_id:
        relation.source_id, relation.target_id = relation.target_id, relation.source_id
    source, target = ends[relation.source_id], ends[relation.target_id]
    ends_check(relation_type, source, target)
    same = Relation.objects.filter(
        source_id=relation.source_id, target_id=relation.target_id, relation_type=relation_type
    )
    if relation.pk is not None:
        same = same.exclude(pk=relation.pk)
    if same.exists():
        raise RelationError(f"These spans already have a {relation_type.name!r} relation.")


@audited
def relation_create(
    *,
    document: Document,
    reviewer: User,
    source_id: int,
    target_id: int,
    relation_type: RelationType,
    note: str = "",
) -> Relation:
    """Link span ``source_id`` to span ``target_id`` of the reviewer's own layer."""
    if relation_type.retired:
        raise RelationError(
            f"The relation type {relation_type.code!r} is retired: no new relation takes it."
        )
    layer_lock(document.pk, reviewer.pk)
    relation = Relation(
        document=document,
        reviewer=reviewer,
        source_id=source_id,
        target_id=target_id,
        relation_type=relation_type,
        note=note,
    )
    _check(relation)
    relation.taxonomy_version_id = current_taxonomy_version_id(project_id=document.project_id)
    relation.save()
    audit_record(
        actor=reviewer,
        action="relation.create",
        object_type="relation",
        object_id=relation.pk,
        project=document.project,
        document=document,
        after=relation_snapshot(relation),
    )
    return relation


def _locked(relation_id: int) -> Relation:
    """The relation, locked, after its layer: the lock order of every relation write."""
    layer = (
        Relation.objects.filter(pk=relation_id).values_list("document_id", "reviewer_id").first()
    )
    if layer is None:
        raise RelationGone(relation_id)
    layer_lock(*layer)
    relation = (
        Relation.objects.select_for_update(of=("self",))
        .select_related("relation_type", "document__project")
        .defer("document__text")
        .filter(pk=relation_id)
        .first()
    )
    if relation is None:  # deleted while this change waited for the layer
        raise RelationGone(relation_id)
    return relation


@audited
def relation_update(
    *, relation_id: int, actor: User, version: int, changes: dict[str, Any]
) -> Relation:
    """Change a relation's type or note if it is still at ``version``; otherwise raise
    RelationConflict. A new type is checked against the ends as a new relation is."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise RelationError(f"These fields cannot be changed: {', '.join(sorted(unknown))}.")
    relation = _locked(relation_id)
    if relation.version != version:
        raise RelationConflict(relation)
    before = relation_snapshot(relation)
    new_type = changes.get("relation_type")
    if new_type is not None and new_type.pk != relation.relation_type_id and new_type.retired:
        raise RelationError(
            f"The relation type {new_type.code!r} is retired: no relation takes it anew."
        )
    for name, value in changes.items():
        setattr(relation, name, value)
    _check(relation)
    if relation_snapshot(relation) == before:
        return relation  # nothing changed: no new version, no event
    relation.version += 1
    relation.updated_at = timezone.now()
    relation.save()
    audit_record(
        actor=actor,
        action="relation.update",
        object_type="relation",
        object_id=relation.pk,
        project=relation.document.project,
        document=relation.document,
        before=before,
        after=relation_snapshot(relation),
    )
    return relation


@audited
def relation_delete(*, relation_id: int, actor: User, version: int) -> None:
    """Delete a relation if it is still at ``version``; otherwise raise RelationConflict."""
    relation = _locked(relation_id)
    if relation.version != version:
        raise RelationConflict(relation)
    relations_delete([relation], actor=actor, reason="")
