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
from annotator.services.documents import NewDocument, NewSpan

logger = logging.getLogger("annotator.services.importing")


@dataclass(frozen=True)
class SourceFile:
    """One file to import: its name, its bytes, and metadata its importer knows.

    ``offset_unit`` is the unit its spans' offsets count when they carry no quote to say it
    ("code-points" or "utf-16"), as the person importing said; "" leaves it to the format
    (``annotator.formats.reading``). ``companions`` are the files read with it: a brat
    ``.txt``'s ``.ann`` and ``annotation.conf``, an XMI's ``TypeSystem.xml``, by name.
    """

    name: str
    data: bytes
    metadata: Mapping[str, Any] = field(default_factory=dict)
    offset_unit: str = ""
    companions: Mapping[str, bytes] = field(default_factory=dict)


# What one document's text may hold. Characters: IMPORT_MAX_TEXT_CHARACTERS's default (a
# 1,000-page report is some 3 million). Lines: the document page and the editor make one
# block of each line, every time they are opened, and lines cost more than characters:
# 5 million characters in 20,000 lines render in 0.2 s (17 MB) and open in a browser in
# 1.5 s, in 85,000 lines in 0.5 s and 3 s, in 2.5 million lines in 8 s, 610 MB and a page
# of 144 MB. Hard-wrapped text of 5 million characters has some 70,000 lines.
DEFAULT_MAX_TEXT_CHARACTERS = 5_000_000
MAX_TEXT_LINES = 100_000


@dataclass(frozen=True)
class ImportLimits:
    """How large an import may be; ``from_settings`` gives the settings' limits."""

    max_file_bytes: int
    max_archive_bytes: int
    max_archive_files: int
    max_text_characters: int = DEFAULT_MAX_TEXT_CHARACTERS
    max_text_lines: int = MAX_TEXT_LINES

    @classmethod
    def from_settings(cls) -> ImportLimits:
        return cls(
            max_file_bytes=settings.IMPORT_MAX_FILE_BYTES,
            max_archive_bytes=settings.IMPORT_MAX_ARCHIVE_BYTES,
            max_archive_files=settings.IMPORT_MAX_ARCHIVE_FILES,
            max_text_characters=settings.IMPORT_MAX_TEXT_CHARACTERS,
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
    the project lacked at import (``loaded`` when they were loaded then); the same of its
    relation types and incident roles (none in a bundle made before it carried them), and
    ``differing``: notes on those the project has but defines otherwise, which a load
    leaves as they are."""

    categories: tuple[dict[str, Any], ...]
    missing: tuple[str, ...]
    loaded: bool = False
    relation_types: tuple[dict[str, Any], ...] = ()
    missing_relation_types: tuple[str, ...] = ()
    incident_roles: tuple[dict[str, Any], ...] = ()
    missing_incident_roles: tuple[str, ...] = ()
    differing: tuple[str, ...] = ()

    @property
    def lacking(self) -> bool:
        """Whether the project lacks anything of it."""
        return bool(self.missing or self.missing_relation_types or self.missing_incident_roles)

    def as_record(self) -> dict[str, Any]:
        """The offer as an import row keeps it (``ImportRow.taxonomy``)."""
        return {
            "categories": list(self.categories),
            "missing": list(self.missing),
            "loaded": self.loaded,
            "relation_types": list(self.relation_types),
            "missing_relation_types": list(self.missing_relation_types),
            "incident_roles": list(self.incident_roles),
            "missing_incident_roles": list(self.missing_incident_roles),
            "differing": list(self.differing),
        }

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> OfferedTaxonomy:
        """An offer an import row kept (rows kept before there were relation types in it
        have only its categories)."""
        return cls(
            categories=tuple(record.get("categories", ())),
            missing=tuple(record.get("missing", ())),
            loaded=bool(record.get("loaded")),
            relation_types=tuple(record.get("relation_types", ())),
            missing_relation_types=tuple(record.get("missing_relation_types", ())),
            incident_roles=tuple(record.get("incident_roles", ())),
            missing_incident_roles=tuple(record.get("missing_incident_roles", ())),
            differing=tuple(record.get("differing", ())),
        )


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
    run_id: int | None = None
    """The ``ImportRun`` that keeps this report, when the import recorded one."""

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
class NewRelation:
    """A relation imported with a layer, from one of its spans to another, each named by
    its index in the layer's ``spans``; ``type_code`` as the source wrote it."""

    source: int
    target: int
    type_code: str
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ImportedLayer:
    """Spans of one imported layer (``import: <file> (annotator 3)``), and the relations
    between them."""

    name: str
    spans: tuple[NewSpan, ...]
    relations: tuple[NewRelation, ...] = ()


@dataclass(frozen=True)
class Ready:
    """A file that extracted cleanly, waiting to be written.

    ``new`` holds the document and its first imported layer (``new.layer``, ``new.spans``);
    ``more_layers`` the others (one per annotator of a Label Studio task, say), and
    ``relations`` the first layer's relations. ``notes`` are what the report says of it
    besides its outcome (spans re-anchored, doccano's edits kept). When its text is already
    in the project, its spans are added to that document.
    """

    name: str
    new: NewDocument
    more_layers: tuple[ImportedLayer, ...] = ()
    notes: tuple[str, ...] = ()
    relations: tuple[NewRelation, ...] = ()

    @property
    def layers(self) -> tuple[ImportedLayer, ...]:
        """Every imported layer of it that has spans."""
        first = (
            (ImportedLayer(self.new.layer, self.new.spans, self.relations),)
            if self.new.spans
            else ()
        )
        return tuple(layer for layer in (*first, *self.more_layers) if layer.spans)

    @property
    def span_count(self) -> int:
        return sum(len(layer.spans) for layer in self.layers)

    @property
    def relation_count(self) -> int:
        return sum(len(layer.relations) for layer in self.layers)


def failed(name: str, reason: str) -> FileResult:
    return FileResult(name, Outcome.FAILED, reason)


def imported(ready: Ready, document: Document) -> FileResult:
    logger.debug("imported %s as document %s", ready.name, document.pk)
    relations = ready.relation_count
    notes = (*ready.notes, f"{count_of(relations, 'relation')} imported") if relations else ()
    return FileResult(
        ready.name,
        Outcome.IMPORTED,
        notes_text(notes or ready.notes),
        document_id=document.pk,
        spans=ready.span_count,
    )


def notes_text(notes: tuple[str, ...]) -> str:
    """A ready file's notes as the report's reason: "Re-anchored 3 spans by their quote."."""
    if not notes:
        return ""
    text = "; ".join(notes)
    return text[:1].upper() + text[1:] + "."


def spans_added(ready: Ready, document_id: int, added: int) -> FileResult:
    """The result of a file whose text the project has: its spans added to that document."""
    layers = ", ".join(f'"{layer.name}"' for layer in ready.layers)
    if added:
        reason = (
            f"The same text is already in this project as document {document_id}: spans added "
            f"to document {document_id} ({count_of(added, 'span')}, in {layers})."
        )
    else:
        reason = (
            f"The same text is already in this project as document {document_id}, with these "
            f"spans in {layers} already: nothing added."
        )
    relations = ready.relation_count
    notes = notes_text(
        (*ready.notes, f"{count_of(relations, 'relation')} between its spans, none added twice")
        if relations
        else ready.notes
    )
    return FileResult(
        ready.name,
        Outcome.DUPLICATE,
        f"{reason} {notes}".strip(),
        document_id=document_id,
        spans=added,
    )


def duplicate(name: str, document_id: int) -> FileResult:
    return FileResult(
        name,
        Outcome.DUPLICATE,
        f"The same text is already in this project as document {document_id}.",
        document_id=document_id,
    )


def text_too_long(ready: Ready, limits: ImportLimits) -> FileResult | None:
    """The failure of a document whose text is over the limits, or None."""
    canonical = ready.new.canonical
    if canonical.length > limits.max_text_characters:
        return failed(
            ready.name,
            f"Its text is {canonical.length:,} characters long; a document may have at most "
            f"{limits.max_text_characters:,} (IMPORT_MAX_TEXT_CHARACTERS). Split it into "
            "several documents.",
        )
    lines = canonical.text.count("\n") + 1
    if lines > limits.max_text_lines:
        return failed(
            ready.name,
            f"Its text has {lines:,} lines; a document may have at most "
            f"{limits.max_text_lines:,}, or its page becomes too slow to open. Split it into "
            "several documents.",
        )
    return None


def count_of(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
