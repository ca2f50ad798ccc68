"""Reads about annotations: a reviewer's own layer, one of their spans, the submitted layers,
and a reviewer's spans against the gold layer."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db.models import Exists, OuterRef, QuerySet

from annotator.models import (
    Annotation,
    Assignment,
    Document,
    GoldSpan,
    ImportedRelation,
    ImportedSpan,
)


def annotation_of_owner(*, user: User, annotation_id: int) -> Annotation | None:
    """One of the user's own annotations, in a project they still belong to; else None."""
    return (
        Annotation.objects.select_related("category", "document")
        .defer("document__text")
        .filter(
            pk=annotation_id,
            reviewer=user,
            document__project__memberships__user=user,
        )
        .first()
    )


# How an annotation is represented, everywhere: the API's responses, the editor's data and
# (without its times) the audit log's snapshots. Each name with the column it is read from.
ANNOTATION_COLUMNS = {
    "id": "id",
    "document": "document_id",
    "start": "start",
    "end": "end",
    "quote": "quote",
    "category": "category__code",
    "note": "note",
    "evidence_status": "evidence_status",
    "source_type": "source_type",
    "version": "version",
    "created_at": "created_at",
    "updated_at": "updated_at",
}
ANNOTATION_TIMES = ("created_at", "updated_at")


def annotation_record(annotation: Annotation, *, times: bool = True) -> dict[str, Any]:
    """One annotation in the shape of ``ANNOTATION_COLUMNS`` (its category must be loaded)."""
    record: dict[str, Any] = {
        "id": annotation.pk,
        "document": annotation.document_id,
        "start": annotation.start,
        "end": annotation.end,
        "quote": annotation.quote,
        "category": annotation.category.code,
        "note": annotation.note,
        "evidence_status": annotation.evidence_status,
        "source_type": annotation.source_type,
        "version": annotation.version,
        "created_at": annotation.created_at,
        "updated_at": annotation.updated_at,
    }
    if not times:
        for name in ANNOTATION_TIMES:
            del record[name]
    return record


def annotation_list(
    *, document: Document, reviewer: User, times: bool = True
) -> list[dict[str, Any]]:
    """One reviewer's layer of a document, in document order, in the shape of
    ``ANNOTATION_COLUMNS`` (without ``ANNOTATION_TIMES`` when not ``times``).

    Plain rows rather than model instances: a long report has thousands of spans, and
    building an instance for each would cost more than the query. The editor does without
    the times, whose reading and encoding was much of its page's server time.
    """
    names = tuple(name for name in ANNOTATION_COLUMNS if times or name not in ANNOTATION_TIMES)
    rows = (
        Annotation.objects.filter(document=document, reviewer=reviewer)
        .order_by("start", "end", "pk")
        .values_list(*(ANNOTATION_COLUMNS[name] for name in names))
    )
    return [dict(zip(names, row, strict=True)) for row in rows]


def submitted_annotations() -> QuerySet[Annotation]:
    """Annotations in submitted layers only: work in progress is neither final nor exported."""
    submitted = Assignment.objects.filter(
        document_id=OuterRef("document_id"),
        reviewer_id=OuterRef("reviewer_id"),
        submitted_at__isnull=False,
    )
    return Annotation.objects.filter(Exists(submitted))


def reviewer_feedback(*, document: Document, reviewer: User) -> dict[str, list[Any]]:
    """A reviewer's spans against the gold layer of a reconciled document.

    ``kept``: their spans that are in the gold layer exactly; ``dropped``: theirs that are
    not; ``missed``: gold spans they did not have.
    """
    own = {
        (row["start"], row["end"], row["category"]): row
        for row in annotation_list(document=document, reviewer=reviewer)
    }
    gold = {
        (span.start, span.end, span.category.code): span
        for span in GoldSpan.objects.filter(document=document).select_related("category")
    }
    return {
        "kept": [own[key] for key in sorted(own.keys() & gold.keys())],
        "dropped": [own[key] for key in sorted(own.keys() - gold.keys())],
        "missed": [gold[key] for key in sorted(gold.keys() - own.keys())],
    }


def imported_layer_list(*, document: Document) -> list[dict[str, Any]]:
    """The document's imported layers (spans that came with an imported corpus, never a
    reviewer's), each ``{"name", "spans": [{"id", "start", "end", "category", "quote",
    "note"}], "relations": [{"source", "target", "type", "type_name"}]}``, layers by name,
    spans in document order, and relations with their ends as indexes into the layer's
    ``spans`` (``type_name`` the project's relation type's, "" if it has none of that code):
    one query, and one more for the relations when there are imported spans.

    Reviewers may see them: they are another tool's or an earlier export's annotations, not
    other reviewers' work, so showing them keeps annotation blind.
    """
    rows = (
        ImportedSpan.objects.filter(document=document)
        .order_by("layer", "start", "end", "pk")
        .values_list("pk", "layer", "start", "end", "category_code", "quote", "note")
    )
    layers: dict[str, list[dict[str, Any]]] = {}
    places: dict[int, tuple[str, int]] = {}
    for pk, layer, start, end, category, quote, note in rows:
        spans = layers.setdefault(layer, [])
        places[pk] = (layer, len(spans))
        spans.append(
            {
                "id": pk,
                "start": start,
                "end": end,
                "category": category,
                "quote": quote,
                "note": note,
            }
        )
    relations: dict[str, list[dict[str, Any]]] = {}
    if layers:
        links = (
            ImportedRelation.objects.filter(document=document)
            .order_by("layer", "pk")
            .values_list("source_id", "target_id", "type_code", "relation_type__name")
        )
        for source, target, code, name in links:
            (layer, source_index), (_, target_index) = places[source], places[target]
            relations.setdefault(layer, []).append(
                {
                    "source": source_index,
                    "target": target_index,
                    "type": code,
                    "type_name": name or "",
                }
            )
    return [
        {"name": name, "spans": spans, "relations": relations.get(name, [])}
        for name, spans in layers.items()
    ]
