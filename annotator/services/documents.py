"""Writes on documents."""

from __future__ import annotations

import datetime
import functools
import json
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Field
from django.utils import timezone

from annotator.extractors import Extraction, title_from_text
from annotator.models import (
    AuditEvent,
    Category,
    Document,
    ImportedSpan,
    Project,
    TextDirection,
)
from annotator.services.audit import audit_record_many, audited
from annotator.services.bulk import bulk_insert, unsaved
from annotator.services.originals import StagedOriginals
from annotator.text import CanonicalText, sha256_hex

TITLE_MAX_LENGTH: int = Document._meta.get_field("title").max_length or 500
# Where a title came from, as ``Document.metadata["title_source"]`` says (with the
# extractor's own: "metadata", "largest text on page 1").
TITLE_FROM_FILE_METADATA = "metadata"
TITLE_GIVEN_AT_IMPORT = "given at import"
TITLE_FROM_FIRST_LINE = "first line"
TITLE_FROM_FILE_NAME = "file name"
TITLE_CHANGED_BY_MANAGER = "changed by a manager"

logger = logging.getLogger("annotator.services.documents")


def _published_on(value: Any) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError as error:
        raise ValidationError(
            {"published_on": f"Publication date {value!r} is not a date (YYYY-MM-DD)."}
        ) from error


@dataclass(frozen=True)
class NewSpan:
    """A span imported with a document, in canonical-text offsets."""

    start: int
    end: int
    category_code: str
    note: str = ""
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class NewDocument:
    """Everything needed to create one document: the file, its text and what came with it."""

    filename: str
    data: bytes
    extraction: Extraction
    canonical: CanonicalText
    metadata: Mapping[str, Any] = field(default_factory=dict)
    page_starts: tuple[int, ...] = ()
    spans: tuple[NewSpan, ...] = ()
    layer: str = ""
    data_sha256: str = ""
    """The SHA-256 of ``data`` where the caller has it already: the documents of one corpus
    share its file as their original, and it is hashed once, not once a document."""


def document_build(
    *,
    project: Project,
    new: NewDocument,
    imported_by: User | None,
    imported_at: datetime.datetime | None = None,
) -> Document:
    """An unsaved, validated document for ``new``; raises ValidationError if it is not valid.

    ``metadata`` given by the importer wins over what the extractor found; what is neither
    a document field nor known is kept in ``Document.metadata``. ``imported_at`` is now,
    unless a batch gives its own time to all its documents.
    """
    extraction, canonical = new.extraction, new.canonical
    found = {
        **extraction.metadata,
        **{k: v for k, v in new.metadata.items() if v not in (None, "")},
    }
    title, title_source = _title(new, found.pop("title", ""))
    # Only extractors that say where their title came from record it (PDF's does); for the
    # other formats the title is the file's own or the first line, as it always was.
    if "title_source" in extraction.metadata:
        found["title_source"] = title_source
    # By the related rows' ids, built positionally (``unsaved``): for a thousand documents,
    # building them through Django's keyword checks took as long as writing them.
    document = unsaved(
        Document,
        {
            "project_id": project.pk,
            "title": title[:TITLE_MAX_LENGTH],
            "text": canonical.text,
            "text_sha256": canonical.sha256,
            "text_length": canonical.length,
            "source_sha256": new.data_sha256 or sha256_hex(new.data),
            "source_size": len(new.data),
            "source_filename": file_name(new.filename)[:255],
            "content_type": extraction.content_type,
            "source_url": str(found.pop("source_url", "")),
            "publisher": str(found.pop("publisher", ""))[:300],
            "published_on": _published_on(found.pop("published_on", None)),
            "language": str(found.pop("language", ""))[:35],
            "direction": str(found.pop("direction", "") or TextDirection.AUTO),
            "imported_by_id": imported_by.pk if imported_by else None,
            "imported_at": imported_at or timezone.now(),
            "extractor": extraction.extractor,
            "extractor_version": extraction.extractor_version,
            "normalisation": [*extraction.steps, *canonical.steps],
            "page_starts": list(new.page_starts),
            "metadata": json_safe(found),
        },
    )
    _RELATED_PROJECT.set_cached_value(document, project)
    _RELATED_IMPORTER.set_cached_value(document, imported_by)
    # Uniqueness of the text in the project is the importer's check and the database's
    # constraint, and the project and importer are rows the caller holds: validating
    # them again would cost three queries per document. Only what a file can say is
    # checked: the hashes, sizes and steps are this function's own.
    errors: dict[str, list[str]] = {}
    for given in _GIVEN_FIELDS:
        value = getattr(document, given.attname)
        if given.blank and value in given.empty_values:
            continue
        try:
            setattr(document, given.attname, given.clean(value, document))
        except ValidationError as error:
            errors[given.name] = error.messages
    if errors:
        raise ValidationError(errors)
    return document


_RELATED_PROJECT = Document._meta.get_field("project")
_RELATED_IMPORTER = Document._meta.get_field("imported_by")

# The fields of a new document that hold what a file or its importer said, validated as
# ``Model.clean_fields`` would; every other field ``document_build`` makes itself, from
# the rows the caller holds, and its metadata is JSON by ``json_safe``'s making.
_GIVEN_NAMES = {
    "title",
    "text",
    "content_type",
    "source_url",
    "publisher",
    "published_on",
    "language",
    "direction",
}
_GIVEN_FIELDS: tuple[Field, ...] = tuple(
    field for field in Document._meta.concrete_fields if field.name in _GIVEN_NAMES
)


@functools.lru_cache(maxsize=64)
def file_name(name: str) -> str:
    """The last part of a file's name, parsed once for the documents of a corpus."""
    return PurePath(name).name


@functools.lru_cache(maxsize=64)
def _file_stem(name: str) -> str:
    """A file's name without its suffix, parsed once for the documents of a corpus."""
    return PurePath(name).stem


def _title(new: NewDocument, given: Any) -> tuple[str, str]:
    """The new document's title, and where it came from (one of the ``TITLE_…`` values).

    ``given`` is the title the importer or the extractor found, if any; without one the
    title is the text's first line, if short, else the file's name.
    """
    title = str(given or "")
    extracted = new.extraction.metadata
    if title and title != extracted.get("title"):
        return title, TITLE_GIVEN_AT_IMPORT
    if title:
        return title, str(extracted.get("title_source") or TITLE_FROM_FILE_METADATA)
    first_line = title_from_text(new.canonical.text, fallback="")
    if first_line:
        return first_line, TITLE_FROM_FIRST_LINE
    return _file_stem(new.filename) or new.filename or "Untitled", TITLE_FROM_FILE_NAME


def json_safe(metadata: dict[str, Any]) -> dict[str, Any]:
    """Metadata as JSON can hold it (dates as ISO text, anything else as text): ``metadata``
    itself where it holds only what JSON does (a corpus line's), else a converted copy.
    Not a number (NaN, infinity) raises ValueError, as JSON has none."""
    if _is_json(metadata):
        return metadata
    return json.loads(json.dumps(metadata, default=str, allow_nan=False))


def _is_json(value: Any) -> bool:
    """Whether ``value`` is JSON's as it is: text, whole and finite numbers, booleans, null,
    lists and objects with text keys of such."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return True
    if kind is float:
        return math.isfinite(value)
    if kind is dict:
        return all(type(key) is str and _is_json(item) for key, item in value.items())
    if kind is list:
        return all(_is_json(item) for item in value)
    return False


def documents_create(
    *, project: Project, items: list[NewDocument], imported_by: User | None
) -> list[Document]:
    """Create documents in one transaction, with their originals, spans and audit events.

    Every document is validated before anything is written, so a refused one leaves
    nothing: the originals are stored only once all are known to be valid. The caller
    checks that no text is already in the project; the database's constraint backs it.
    The originals stay only if the transaction commits (``StagedOriginals``): one that
    fails or is interrupted leaves none behind.
    """
    with StagedOriginals() as originals:
        return _documents_write(
            project=project, items=items, imported_by=imported_by, originals=originals
        )


@audited
def _documents_write(
    *,
    project: Project,
    items: list[NewDocument],
    imported_by: User | None,
    originals: StagedOriginals,
) -> list[Document]:
    # One time for the batch, its documents' and their events': they are written together.
    now = timezone.now()
    documents = [
        document_build(project=project, new=new, imported_by=imported_by, imported_at=now)
        for new in items
    ]
    transaction.on_commit(originals.publish, robust=True)
    for document, new in zip(documents, items, strict=True):
        document.source_file.name = originals.store(
            data=new.data, source_sha256=document.source_sha256, filename=new.filename
        )
    if len(documents) == 1:
        documents[0].save()
    else:
        bulk_insert(documents)
    _spans_create(project, documents, items)
    actor_id = imported_by.pk if imported_by else None
    audit_record_many(
        [
            unsaved(
                AuditEvent,
                {
                    "created_at": now,
                    "actor_id": actor_id,
                    "action": "document.import",
                    "project_id": project.pk,
                    "document_id": document.pk,
                    "object_type": "document",
                    "object_id": str(document.pk),
                    "after": _import_record(document, new),
                },
            )
            for document, new in zip(documents, items, strict=True)
        ]
    )
    return documents


def _import_record(document: Document, new: NewDocument) -> dict[str, Any]:
    """What a document's import event says of it."""
    record: dict[str, Any] = {
        "title": document.title,
        "source_filename": document.source_filename,
        "source_sha256": document.source_sha256,
        "text_sha256": document.text_sha256,
    }
    if "title_source" in document.metadata:
        record["title_source"] = document.metadata["title_source"]
    record["extractor"] = f"{document.extractor} {document.extractor_version}"
    record["normalisation"] = document.normalisation
    if new.spans:
        record["imported_spans"] = len(new.spans)
        record["layer"] = new.layer
    return record


def _spans_create(project: Project, documents: list[Document], items: list[NewDocument]) -> None:
    if not any(new.spans for new in items):
        return
    categories = {c.code: c for c in Category.objects.filter(project=project)}
    bulk_insert(
        [
            ImportedSpan(
                document=document,
                layer=new.layer[:300],
                category_code=span.category_code[:200],
                category=categories.get(span.category_code),
                start=span.start,
                end=span.end,
                quote=document.text[span.start : span.end],
                note=span.note,
                attributes=json_safe(span.attributes),
            )
            for document, new in zip(documents, items, strict=True)
            for span in new.spans
        ]
    )
