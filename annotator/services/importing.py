"""Import source files into a project: extraction, canonical text, duplicates, a report.

Each file is imported in its own transaction, so one bad file never loses the others,
and the report says for every file whether it was imported, a duplicate, or failed, and why.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from annotator.extractors import ExtractionError, extract
from annotator.models import Document, Project
from annotator.services.documents import document_create
from annotator.text import canonicalize

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SourceFile:
    """One file to import: its name, its bytes, and metadata its importer knows."""

    name: str
    data: bytes
    metadata: Mapping[str, Any] = field(default_factory=dict)


class Outcome(enum.StrEnum):
    IMPORTED = "imported"
    DUPLICATE = "duplicate"
    FAILED = "failed"


@dataclass(frozen=True)
class FileResult:
    name: str
    outcome: Outcome
    reason: str = ""
    document_id: int | None = None


@dataclass
class ImportReport:
    results: list[FileResult] = field(default_factory=list)

    def count(self, outcome: Outcome) -> int:
        return sum(1 for result in self.results if result.outcome is outcome)

    @property
    def imported(self) -> int:
        return self.count(Outcome.IMPORTED)

    @property
    def duplicates(self) -> int:
        return self.count(Outcome.DUPLICATE)

    @property
    def failed(self) -> int:
        return self.count(Outcome.FAILED)

    def summary(self) -> str:
        return f"{self.imported} imported, {self.duplicates} duplicate, {self.failed} failed"


def _validation_message(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "; ".join(
            f"{name}: {' '.join(messages)}" for name, messages in error.message_dict.items()
        )
    return " ".join(error.messages)


def document_import(
    *, project: Project, source: SourceFile, imported_by: AbstractBaseUser | None
) -> FileResult:
    """Import one file; never raises on bad input, the result says what happened."""
    try:
        extraction = extract(source.name, source.data)
    except ExtractionError as error:
        return FileResult(source.name, Outcome.FAILED, str(error))
    canonical = canonicalize(extraction.text)
    if not canonical.text.strip():
        return FileResult(source.name, Outcome.FAILED, "The file contains no text.")

    existing = (
        Document.objects.filter(project=project, text_sha256=canonical.sha256)
        .values_list("pk", flat=True)
        .first()
    )
    if existing is not None:
        return _duplicate(source.name, existing)
    try:
        with transaction.atomic():
            document = document_create(
                project=project,
                filename=source.name,
                data=source.data,
                extraction=extraction,
                canonical=canonical,
                metadata=source.metadata,
                imported_by=imported_by,
            )
    except ValidationError as error:
        return FileResult(source.name, Outcome.FAILED, _validation_message(error))
    except IntegrityError:
        # Another import of the same text committed between our check and our insert.
        existing = (
            Document.objects.filter(project=project, text_sha256=canonical.sha256)
            .values_list("pk", flat=True)
            .first()
        )
        if existing is None:
            raise
        return _duplicate(source.name, existing)
    logger.debug("imported %s into %s as document %s", source.name, project.slug, document.pk)
    return FileResult(source.name, Outcome.IMPORTED, document_id=document.pk)


def _duplicate(name: str, document_id: int) -> FileResult:
    return FileResult(
        name,
        Outcome.DUPLICATE,
        f"The same text is already in this project as document {document_id}.",
        document_id=document_id,
    )


def documents_import(
    *,
    project: Project,
    sources: Iterable[SourceFile],
    imported_by: AbstractBaseUser | None,
) -> ImportReport:
    """Import several files, each on its own, and report on every one."""
    report = ImportReport()
    for source in sources:
        report.results.append(
            document_import(project=project, source=source, imported_by=imported_by)
        )
    return report
