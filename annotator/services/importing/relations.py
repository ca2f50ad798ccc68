"""Relations that come with an imported corpus: brat's ``R`` lines, doccano's ``relations``.

A reader gives a document's relations between its spans by their indexes
(``annotator.formats.reading.CorpusRelation``). ``layer_relations`` places each in the
imported layer of its two spans, by their indexes in that layer (``NewRelation``), or says
why it cannot be; ``imported_relations_write`` creates them as ``ImportedRelation`` rows
once the layer's spans are written, in the same transaction. Like the spans, they are never
a reviewer's; a reviewer copies one into their own layer in the editor.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from django.contrib.auth.models import User
from django.db.models import OuterRef, Subquery

from annotator.formats.reading import CorpusRelation
from annotator.models import (
    AuditEvent,
    Document,
    ImportedRelation,
    ImportedSpan,
    Project,
    RelationType,
)
from annotator.services.audit import audit_record_many, audited
from annotator.services.documents import NewSpan, json_safe
from annotator.services.importing.report import ImportedLayer, NewRelation

LAYER_MAX_LENGTH = 300
CODE_MAX_LENGTH = 200

SpanKey = tuple[int, str, int, int, str]


def layer_relations(
    relations: Sequence[CorpusRelation],
    places: Sequence[tuple[str, int]],
    layers: dict[str, list[NewSpan]],
) -> tuple[dict[str, tuple[NewRelation, ...]], tuple[str, ...]]:
    """A document's relations by the layer of their spans, and a note for each left out.

    ``places`` says, for each of the document's spans (in the reader's order), its layer's
    name and its index in that layer's spans (``layers``). A relation whose ends are in two
    layers, or are one passage of one category once the text is normalised, is left out.
    """
    placed: dict[str, list[NewRelation]] = {}
    notes: list[str] = []
    for number, relation in enumerate(relations, start=1):
        name = _name(relation, number)
        if not (0 <= relation.source < len(places) and 0 <= relation.target < len(places)):
            notes.append(f"relation {name} not imported: it names a span the document lacks")
            continue
        (source_layer, source), (target_layer, target) = (
            places[relation.source],
            places[relation.target],
        )
        if source_layer != target_layer:
            notes.append(
                f'relation {name} not imported: its ends are in two layers, "{source_layer}" '
                f'and "{target_layer}"'
            )
            continue
        spans = layers[source_layer]
        if _same(spans[source], spans[target]):
            notes.append(
                f"relation {name} not imported: both its ends are the same passage of one category"
            )
            continue
        placed.setdefault(source_layer, []).append(
            NewRelation(source, target, relation.type, dict(relation.attributes))
        )
    return {layer: tuple(found) for layer, found in placed.items()}, tuple(notes)


def _name(relation: CorpusRelation, number: int) -> str:
    named = relation.attributes.get("brat_id", relation.attributes.get("id"))
    return (
        str(named) if isinstance(named, str | int) and not isinstance(named, bool) else str(number)
    )


def _same(a: NewSpan, b: NewSpan) -> bool:
    return (a.start, a.end, a.category_code) == (b.start, b.end, b.category_code)


def _key(document: Document, layer: str, span: NewSpan) -> SpanKey:
    return (document.pk, layer, span.start, span.end, span.category_code[:CODE_MAX_LENGTH])


@audited
def imported_relations_write(
    *,
    project: Project,
    layers: Sequence[tuple[Document, Sequence[ImportedLayer]]],
    imported_by: User | None,
    existing: bool = False,
) -> int:
    """Create the relations of documents' imported layers, whose spans are written already;
    return how many were created.

    Each end is the layer's span of the same offsets and category (spans equal in those are
    one span to the importer too). ``existing`` for layers that may hold relations already
    (a file imported again): a relation the layer has (same ends and type) is not added
    twice. The project's relation type of a relation's code is linked where there is one.
    Four queries when any document has relations, none otherwise.
    """
    pending = [
        (document, layer)
        for document, document_layers in layers
        for layer in document_layers
        if layer.relations
    ]
    if not pending:
        return 0
    document_ids = {document.pk for document, _ in pending}
    names = {layer.name[:LAYER_MAX_LENGTH] for _, layer in pending}
    spans: dict[SpanKey, int] = {}
    rows = (
        ImportedSpan.objects.filter(document_id__in=document_ids, layer__in=names)
        .order_by("pk")
        .values_list("pk", "document_id", "layer", "start", "end", "category_code")
    )
    for pk, document_id, layer_name, start, end, code in rows:
        spans.setdefault((document_id, layer_name, start, end, code), pk)
    present: set[tuple[int, int, str]] = (
        set(
            ImportedRelation.objects.filter(
                document_id__in=document_ids, layer__in=names
            ).values_list("source_id", "target_id", "type_code")
        )
        if existing
        else set()
    )
    codes = {
        relation.type_code[:CODE_MAX_LENGTH] for _, layer in pending for relation in layer.relations
    }
    types = {
        relation_type.code: relation_type
        for relation_type in RelationType.objects.filter(project=project, code__in=codes)
    }
    created: list[ImportedRelation] = []
    counts: Counter[int] = Counter()
    layers_of: dict[int, set[str]] = {}
    for document, layer in pending:
        name = layer.name[:LAYER_MAX_LENGTH]
        for relation in layer.relations:
            source = spans.get(_key(document, name, layer.spans[relation.source]))
            target = spans.get(_key(document, name, layer.spans[relation.target]))
            code = relation.type_code[:CODE_MAX_LENGTH]
            if source is None or target is None or source == target:
                continue  # its spans were refused with their file, or are one span
            if (source, target, code) in present:
                continue
            present.add((source, target, code))
            created.append(
                ImportedRelation(
                    document=document,
                    layer=name,
                    type_code=code,
                    relation_type=types.get(code),
                    source_id=source,
                    target_id=target,
                    attributes=json_safe(relation.attributes),
                )
            )
            counts[document.pk] += 1
            layers_of.setdefault(document.pk, set()).add(name)
    if not created:
        return 0
    ImportedRelation.objects.bulk_create(created, batch_size=1000)
    documents = {document.pk: document for document, _ in pending}
    audit_record_many(
        [
            AuditEvent(
                actor=imported_by,
                action="document.relations_import",
                project=project,
                document=documents[document_id],
                object_type="document",
                object_id=str(document_id),
                after=_event(count, layers_of[document_id]),
            )
            for document_id, count in counts.items()
        ]
    )
    return len(created)


def _event(count: int, layers: set[str]) -> dict[str, Any]:
    return {"imported_relations": count, "layers": sorted(layers)}


def imported_relation_types_link(*, project: Project, codes: Sequence[str]) -> int:
    """Link the project's imported relations of these type codes that have no relation type
    yet to its relation type of that code (loaded after them, from a bundle's taxonomy);
    return how many were linked. One query."""
    if not codes:
        return 0
    return ImportedRelation.objects.filter(
        document__project=project, relation_type__isnull=True, type_code__in=list(codes)
    ).update(
        relation_type=Subquery(
            RelationType.objects.filter(project=project, code=OuterRef("type_code")).values("pk")[
                :1
            ]
        )
    )
