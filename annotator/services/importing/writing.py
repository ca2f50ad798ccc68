"""Writing what extracted cleanly: duplicates found, batches created in one transaction,
a batch that fails written again one file per transaction."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction

from annotator.models import Document, Project
from annotator.services.documents import documents_create
from annotator.services.importing.report import (
    FileResult,
    Ready,
    duplicate,
    failed,
    imported,
    logger,
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
    """Write a batch of ready files: duplicates found, the rest created together."""
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
            results.append((index, duplicate(ready.name, existing[digest])))
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
            results.append((index, duplicate(ready.name, original)))
        else:  # the first copy failed; this one is tried on its own
            results.extend(create(project, [(index, ready)], imported_by))
    return sorted(results, key=lambda pair: pair[0])


def create(
    project: Project, items: list[tuple[int, Ready]], imported_by: User | None
) -> list[tuple[int, FileResult]]:
    if not items:
        return []
    if len(items) > 1:
        try:
            documents = documents_create(
                project=project, items=[ready.new for _, ready in items], imported_by=imported_by
            )
        except (ValidationError, DatabaseError, UnicodeError):
            pass  # one of them is at fault: each is written on its own below
        else:
            return [
                (index, imported(ready, document))
                for (index, ready), document in zip(items, documents, strict=True)
            ]
    return [(index, create_one(project, ready, imported_by)) for index, ready in items]


def create_one(project: Project, ready: Ready, imported_by: User | None) -> FileResult:
    try:
        with transaction.atomic():
            document = documents_create(project=project, items=[ready.new], imported_by=imported_by)
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
            return duplicate(ready.name, existing)
        logger.warning("import of %s refused by the database: %s", ready.name, error)
        return failed(ready.name, f"The database refused it ({type(error).__name__}: {error}).")
    return imported(ready, document[0])
