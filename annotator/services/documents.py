"""Writes on documents."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from pathlib import PurePath
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from annotator.extractors import Extraction, title_from_text
from annotator.models import Document, Project, TextDirection
from annotator.services.audit import audit_record
from annotator.text import CanonicalText, sha256_hex


def original_storage_name(source_sha256: str, filename: str) -> str:
    """Where an original file is kept: named by its hash, so never by user input.

    The same bytes imported twice (into two projects, say) share one stored file.
    """
    suffix = PurePath(filename).suffix.lower()
    if not suffix[1:].isalnum() or len(suffix) > 10:
        suffix = ""
    return f"originals/{source_sha256[:2]}/{source_sha256}{suffix}"


def original_store(*, data: bytes, source_sha256: str, filename: str) -> str:
    """Keep the original bytes unchanged; return their storage name."""
    name = original_storage_name(source_sha256, filename)
    if not default_storage.exists(name):
        stored = default_storage.save(name, ContentFile(data))
        if stored != name:  # another import of the same bytes won the race: keep one copy
            default_storage.delete(stored)
    return name


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


@transaction.atomic
def document_create(
    *,
    project: Project,
    filename: str,
    data: bytes,
    extraction: Extraction,
    canonical: CanonicalText,
    metadata: Mapping[str, Any],
    imported_by: AbstractBaseUser | None,
) -> Document:
    """Create a document from an extraction, keeping the original bytes and provenance.

    ``metadata`` given by the importer wins over what the extractor found; what is neither
    a document field nor known is kept in ``Document.metadata``.
    """
    found = {**extraction.metadata, **{k: v for k, v in metadata.items() if v not in (None, "")}}
    fallback_title = PurePath(filename).stem or filename or "Untitled"
    title = str(found.pop("title", "") or title_from_text(canonical.text, fallback=fallback_title))
    document = Document(
        project=project,
        title=title[: Document._meta.get_field("title").max_length],
        text=canonical.text,
        text_sha256=canonical.sha256,
        text_length=canonical.length,
        source_sha256=sha256_hex(data),
        source_size=len(data),
        source_filename=PurePath(filename).name[:255],
        content_type=extraction.content_type,
        source_url=str(found.pop("source_url", "")),
        publisher=str(found.pop("publisher", "")),
        published_on=_published_on(found.pop("published_on", None)),
        language=str(found.pop("language", "")),
        direction=str(found.pop("direction", "") or TextDirection.AUTO),
        imported_by=imported_by,
        extractor=extraction.extractor,
        extractor_version=extraction.extractor_version,
        normalisation=[*extraction.steps, *canonical.steps],
        metadata=found,
    )
    # Uniqueness of the text in the project is the importer's check and the database's
    # constraint, and the project and importer are rows the caller holds: validating
    # them again would cost three queries per document.
    document.full_clean(
        exclude=["project", "imported_by"], validate_unique=False, validate_constraints=False
    )
    # Stored only once the document is known to be valid, so a refused file leaves nothing.
    document.source_file.name = original_store(
        data=data, source_sha256=document.source_sha256, filename=filename
    )
    document.save()
    audit_record(
        actor=imported_by,
        action="document.import",
        object_type="document",
        object_id=document.pk,
        project=project,
        document=document,
        after={
            "title": document.title,
            "source_filename": document.source_filename,
            "source_sha256": document.source_sha256,
            "text_sha256": document.text_sha256,
            "extractor": f"{document.extractor} {document.extractor_version}",
            "normalisation": document.normalisation,
        },
    )
    return document
