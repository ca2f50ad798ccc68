"""Writing what extracted cleanly: duplicates found, batches created in one transaction,
a batch that fails written again one file per transaction.

A file whose text the project already has is not imported again, but its spans are not
dropped: they are added to that document as its imported layers (``imported_spans_add``),
each span once however often the same file is imported.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction

from annotator.models import AuditEvent, Category, Document, ImportedSpan, Project
from annotator.services.audit import audit_record_many, audited
from annotator.services.documents import NewSpan, documents_create, json_safe
from annotator.services.importing.relations import imported_relations_write as relations_write
from annotator.services.importing.report import (
    FileResult,
    ImportedLayer,
    Ready,
    duplicate,
    failed,
    imported,
    logger,
    spans_added,
)


def validation_message(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "; ".join(
            f"{name}: {' '.join(messages)}" for name, messages in error.message_dict.items()
        )
    return " ".join(error.messages)


def write(
    project: Project, batch: list[tuple[int, Ready]], imported_by: User | None
) -> list[tuple[int, FileResult]]:
    """Write a batch of ready files: duplicates found (their spans added to the document
    that has their text), the rest created together."""
    if not batch:
        return []
    hashes = {ready.new.canonical.sha256 for _, ready in batch}
    existing = dict(
        Document.objects.filter(project=project, text_sha256__in=hashes).values_list(
            "text_sha256", "pk"
        )
    )
    results: list[tuple[int, FileResult]] = []
    fresh: list[tuple[int, Ready]] = []
    first_of: dict[str, int] = {}
    repeats: list[tuple[int, Ready, int]] = []
    for index, ready in batch:
        digest = ready.new.canonical.sha256
        if digest in existing:
            results.append((index, onto_existing(project, ready, existing[digest], imported_by)))
        elif digest in first_of:
            repeats.append((index, ready, first_of[digest]))
        else:
            first_of[digest] = index
            fresh.append((index, ready))
    created = create(project, fresh, imported_by)
    results.extend(created)
    ids = {index: result.document_id for index, result in created}
    for index, ready, first in repeats:
        original = ids.get(first)
        if original is not None:
            results.append((index, onto_existing(project, ready, original, imported_by)))
        else:  # the first copy failed; this one is tried on its own
            results.extend(create(project, [(index, ready)], imported_by))
    return sorted(results, key=lambda pair: pair[0])


def onto_existing(
    project: Project, ready: Ready, document_id: int, imported_by: User | None
) -> FileResult:
    """A file whose text the project has: a duplicate, its spans added to that document."""
    if not ready.layers:
        return duplicate(ready.name, document_id)
    try:
        added = imported_spans_add(
            project=project,
            document_id=document_id,
            layers=ready.layers,
            imported_by=imported_by,
            source=ready.name,
        )
    except (ValidationError, DatabaseError) as error:
        logger.warning("spans of %s not added to %s: %s", ready.name, document_id, error)
        return failed(
            ready.name,
            f"The same text is already in this project as document {document_id}, and its "
            f"spans could not be added to it ({type(error).__name__}: {error}).",
        )
    return spans_added(ready, document_id, added)


@audited
def imported_spans_add(
    *,
    project: Project,
    document_id: int,
    layers: Iterable[ImportedLayer],
    imported_by: User | None,
    source: str,
) -> int:
    """Add imported layers to a document of the project; return how many spans were added.

    A span already in the document's layer of the same name (same offsets and category) is
    not added again, so importing one file twice changes nothing the second time.
    """
    document = Document.objects.only("pk", "project_id", "text").get(
        project=project, pk=document_id
    )
    layers = list(layers)
    present = set(
        ImportedSpan.objects.filter(
            document=document, layer__in=[layer.name[:300] for layer in layers]
        ).values_list("layer", "start", "end", "category_code")
    )
    rows: list[tuple[str, NewSpan]] = []
    for layer in layers:
        for span in layer.spans:
            key = (layer.name[:300], span.start, span.end, span.category_code[:200])
            if key not in present:
                present.add(key)
                rows.append((layer.name, span))
    if rows:
        _layers_write(project, [(document, rows)], imported_by, source=source)
    relations_write(
        project=project, layers=[(document, layers)], imported_by=imported_by, existing=True
    )
    return len(rows)


def _layers_write(
    project: Project,
    items: list[tuple[Document, list[tuple[str, NewSpan]]]],
    imported_by: User | None,
    *,
    source: str = "",
) -> None:
    """Create imported spans, for each document (layer name, span) pairs, and an audit event
    for each document (in the caller's transaction)."""
    categories = {c.code: c for c in Category.objects.filter(project=project)}
    ImportedSpan.objects.bulk_create(
        [
            ImportedSpan(
                document=document,
                layer=layer[:300],
                category_code=span.category_code[:200],
                category=categories.get(span.category_code),
                start=span.start,
                end=span.end,
                quote=document.text[span.start : span.end],
                note=span.note,
                attributes=json_safe(span.attributes),
            )
            for document, rows in items
            for layer, span in rows
        ],
        batch_size=1000,
    )
    audit_record_many(
        [
            AuditEvent(
                actor=imported_by,
                action="document.spans_import",
                project=project,
                document=document,
                object_type="document",
                object_id=str(document.pk),
                after={
                    **({"source": source} if source else {}),
                    "imported_spans": len(rows),
                    "layers": sorted({layer for layer, _ in rows}),
                },
            )
            for document, rows in items
        ]
    )


def create(
    project: Project, items: list[tuple[int, Ready]], imported_by: User | None
) -> list[tuple[int, FileResult]]:
    if not items:
        return []
    if len(items) > 1:
        try:
            documents = _documents_create(project, [ready for _, ready in items], imported_by)
        except (ValidationError, DatabaseError, UnicodeError):
            pass  # one of them is at fault: each is written on its own below
        else:
            return [
                (index, imported(ready, document))
                for (index, ready), document in zip(items, documents, strict=True)
            ]
    return [(index, create_one(project, ready, imported_by)) for index, ready in items]


def _documents_create(
    project: Project, readies: list[Ready], imported_by: User | None
) -> list[Document]:
    """``documents_create``, and the documents' layers beyond the first and their layers'
    relations (``services.importing.relations``) in its transaction."""
    items = [ready.new for ready in readies]
    if not any(ready.more_layers or ready.relation_count for ready in readies):
        return documents_create(project=project, items=items, imported_by=imported_by)
    with transaction.atomic():
        documents = documents_create(project=project, items=items, imported_by=imported_by)
        _more_layers(project, documents, readies, imported_by)
        relations_write(
            project=project,
            layers=[(d, r.layers) for d, r in zip(documents, readies, strict=True)],
            imported_by=imported_by,
        )
    return documents


def _more_layers(
    project: Project, documents: list[Document], readies: list[Ready], imported_by: User | None
) -> None:
    """The layers of new documents beyond the first (which ``documents_create`` writes)."""
    items = [
        (document, [(layer.name, span) for layer in ready.more_layers for span in layer.spans])
        for document, ready in zip(documents, readies, strict=True)
        if ready.more_layers
    ]
    if items:
        _layers_write(project, items, imported_by)


def create_one(project: Project, ready: Ready, imported_by: User | None) -> FileResult:
    try:
        with transaction.atomic():
            document = _documents_create(project, [ready], imported_by)
    except ValidationError as error:
        return failed(ready.name, validation_message(error))
    except (DatabaseError, UnicodeError) as error:
        # Another import of the same text may have committed between our check and our
        # insert; otherwise the database refused something the checks above let through.
        existing = (
            Document.objects.filter(project=project, text_sha256=ready.new.canonical.sha256)
            .values_list("pk", flat=True)
            .first()
        )
        if existing is not None:
            return onto_existing(project, ready, existing, imported_by)
        logger.warning("import of %s refused by the database: %s", ready.name, error)
        return failed(ready.name, f"The database refused it ({type(error).__name__}: {error}).")
    return imported(ready, document[0])
