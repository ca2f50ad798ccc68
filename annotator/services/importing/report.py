"""What an import is given and what it reports: sources, limits, outcomes, results."""

from __future__ import annotations

import enum
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User

from annotator.models import Document, Project
from annotator.services.documents import NewDocument

logger = logging.getLogger("annotator.services.importing")


@dataclass(frozen=True)
class SourceFile:
    """One file to import: its name, its bytes, and metadata its importer knows."""

    name: str
    data: bytes
    metadata: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ImportLimits:
    """How large an import may be; the defaults come from the settings."""

    max_file_bytes: int
    max_archive_bytes: int
    max_archive_files: int

    @classmethod
    def from_settings(cls) -> ImportLimits:
        return cls(
            max_file_bytes=settings.IMPORT_MAX_FILE_BYTES,
            max_archive_bytes=settings.IMPORT_MAX_ARCHIVE_BYTES,
            max_archive_files=settings.IMPORT_MAX_ARCHIVE_FILES,
        )


class Outcome(enum.StrEnum):
    IMPORTED = "imported"
    DUPLICATE = "duplicate"
    FAILED = "failed"
    NOTE = "note"
    """A file that is no document and nothing wrong: a bundle's manifest or taxonomy."""


@dataclass(frozen=True)
class OfferedTaxonomy:
    """A bundle's taxonomy: its categories in a taxonomy file's form, and the codes of those
    the project lacked at import (``loaded`` when they were loaded then)."""

    categories: tuple[dict[str, Any], ...]
    missing: tuple[str, ...]
    loaded: bool = False


@dataclass(frozen=True)
class FileResult:
    name: str
    outcome: Outcome
    reason: str = ""
    document_id: int | None = None
    spans: int = 0
    taxonomy: OfferedTaxonomy | None = None


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

    @property
    def notes(self) -> int:
        return self.count(Outcome.NOTE)

    def summary(self) -> str:
        summary = f"{self.imported} imported, {self.duplicates} duplicate, {self.failed} failed"
        if self.notes:
            summary += f", {self.notes} note{'s' if self.notes > 1 else ''}"
        return summary


@dataclass(frozen=True)
class Context:
    """What expanding a source needs besides the source."""

    project: Project
    limits: ImportLimits
    imported_by: User | None
    load_taxonomy: bool


@dataclass(frozen=True)
class Ready:
    """A file that extracted cleanly, waiting to be written."""

    name: str
    new: NewDocument


def failed(name: str, reason: str) -> FileResult:
    return FileResult(name, Outcome.FAILED, reason)


def imported(ready: Ready, document: Document) -> FileResult:
    logger.debug("imported %s as document %s", ready.name, document.pk)
    return FileResult(
        ready.name, Outcome.IMPORTED, document_id=document.pk, spans=len(ready.new.spans)
    )


def duplicate(name: str, document_id: int) -> FileResult:
    return FileResult(
        name,
        Outcome.DUPLICATE,
        f"The same text is already in this project as document {document_id}.",
        document_id=document_id,
    )


def count_of(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
