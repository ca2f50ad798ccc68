"""Writes on documents."""

from __future__ import annotations

import datetime
import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import transaction

from annotator.extractors import Extraction, title_from_text
from annotator.models import AuditEvent, Category, Document, ImportedSpan, Project, TextDirection
from annotator.services.audit import audit_record, audit_record_many
from annotator.text import CanonicalText, sha256_hex

TITLE_MAX_LENGTH: int = Document._meta.get_field("title").max_length or 500
# Where a title came from, as ``Document.metadata["title_source"]`` says (with the
# extractor's own: "metadata", "largest text on page 1").
TITLE_FROM_FILE_METADATA = "metadata"
TITLE_GIVEN_AT_IMPORT = "given at import"
TITLE_FROM_FIRST_LINE = "first line"
TITLE_FROM_FILE_NAME = "file name"
TITLE_CHANGED_BY_MANAGER = "changed by a manager"


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
    if isinstance(default_storage, FileSystemStorage):
        _write_original(Path(default_storage.path(name)), data)
    elif not default_storage.exists(name):
        stored = default_storage.save(name, ContentFile(data))
        if stored != name:  # another import of the same bytes won the race: keep one copy
            default_storage.delete(stored)
    return name


def _write_original(path: Path, data: bytes) -> None:
    """Write a content-addressed file once, atomically: a file under its final name is whole.

    The bytes go to a temporary file beside it, which is then renamed: a crash leaves a
    stray temporary file, never a truncated original. The same bytes under the same name
    need no second write.
    """
    if path.exists():
        return
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.part")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    try:
        descriptor = os.open(temporary, flags, 0o600)
    except FileNotFoundError:  # the first original in this folder
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        descriptor = os.open(temporary, flags, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


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


def document_build(*, project: Project, new: NewDocument, imported_by: User | None) -> Document:
    """An unsaved, validated document for ``new``; raises ValidationError if it is not valid.

    ``metadata`` given by the importer wins over what the extractor found; what is neither
    a document field nor known is kept in ``Document.metadata``.
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
    document = Document(
        project=project,
        title=title[:TITLE_MAX_LENGTH],
        text=canonical.text,
        text_sha256=canonical.sha256,
        text_length=canonical.length,
        source_sha256=sha256_hex(new.data),
        source_size=len(new.data),
        source_filename=PurePath(new.filename).name[:255],
        content_type=extraction.content_type,
        source_url=str(found.pop("source_url", "")),
        publisher=str(found.pop("publisher", ""))[:300],
        published_on=_published_on(found.pop("published_on", None)),
        language=str(found.pop("language", ""))[:35],
        direction=str(found.pop("direction", "") or TextDirection.AUTO),
        imported_by=imported_by,
        extractor=extraction.extractor,
        extractor_version=extraction.extractor_version,
        normalisation=[*extraction.steps, *canonical.steps],
        page_starts=list(new.page_starts),
        metadata=_json_safe(found),
    )
    # Uniqueness of the text in the project is the importer's check and the database's
    # constraint, and the project and importer are rows the caller holds: validating
    # them again would cost three queries per document.
    document.full_clean(
        exclude=["project", "imported_by"], validate_unique=False, validate_constraints=False
    )
    return document


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
    return PurePath(new.filename).stem or new.filename or "Untitled", TITLE_FROM_FILE_NAME


def _json_safe(metadata: dict[str, Any]) -> dict[str, Any]:
    """Metadata as JSON can hold it (dates as ISO text, anything else as text)."""
    return json.loads(json.dumps(metadata, default=str, allow_nan=False))


@transaction.atomic
def documents_create(
    *, project: Project, items: list[NewDocument], imported_by: User | None
) -> list[Document]:
    """Create documents in one transaction, with their originals, spans and audit events.

    Every document is validated before anything is written, so a refused one leaves
    nothing: the originals are stored only once all are known to be valid. The caller
    checks that no text is already in the project; the database's constraint backs it.
    """
    documents = [document_build(project=project, new=new, imported_by=imported_by) for new in items]
    for document, new in zip(documents, items, strict=True):
        document.source_file.name = original_store(
            data=new.data, source_sha256=document.source_sha256, filename=new.filename
        )
    if len(documents) == 1:
        documents[0].save()
    else:
        Document.objects.bulk_create(documents)
    _spans_create(project, documents, items)
    audit_record_many(
        [
            AuditEvent(
                actor=imported_by,
                action="document.import",
                project=project,
                document=document,
                object_type="document",
                object_id=str(document.pk),
                after={
                    "title": document.title,
                    "source_filename": document.source_filename,
                    "source_sha256": document.source_sha256,
                    "text_sha256": document.text_sha256,
                    **(
                        {"title_source": document.metadata["title_source"]}
                        if "title_source" in document.metadata
                        else {}
                    ),
                    "extractor": f"{document.extractor} {document.extractor_version}",
                    "normalisation": document.normalisation,
                    **({"imported_spans": len(new.spans), "layer": new.layer} if new.spans else {}),
                },
            )
            for document, new in zip(documents, items, strict=True)
        ]
    )
    return documents


def _spans_create(project: Project, documents: list[Document], items: list[NewDocument]) -> None:
    if not any(new.spans for new in items):
        return
    categories = {c.code: c for c in Category.objects.filter(project=project)}
    ImportedSpan.objects.bulk_create(
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
                attributes=_json_safe(span.attributes),
            )
            for document, new in zip(documents, items, strict=True)
            for span in new.spans
        ],
        batch_size=1000,
    )


@transaction.atomic
def document_retitle(*, document: Document, title: str, actor: User | None) -> Document:
    """Correct a document's title, recording the old and the new one in the audit log.

    The title is stripped and its runs of whitespace made single spaces; a blank title, or
    one longer than the field allows, raises ValidationError and changes nothing. The text,
    its hashes and the original file never change. The same title again records nothing.
    """
    title = " ".join(title.split())
    if not title:
        raise ValidationError({"title": "A title cannot be blank."})
    if len(title) > TITLE_MAX_LENGTH:
        raise ValidationError(
            {
                "title": f"A title has at most {TITLE_MAX_LENGTH} characters "
                f"(this one has {len(title)})."
            }
        )
    current = Document.objects.select_for_update().only("title", "metadata").get(pk=document.pk)
    if current.title == title:
        return document
    before: dict[str, Any] = {"title": current.title}
    if "title_source" in current.metadata:
        before["title_source"] = current.metadata["title_source"]
    current.title = title
    current.metadata = {**current.metadata, "title_source": TITLE_CHANGED_BY_MANAGER}
    current.clean_fields(exclude=[f.name for f in Document._meta.fields if f.name != "title"])
    current.save(update_fields=["title", "metadata"])
    audit_record(
        actor=actor,
        action="document.retitle",
        object_type="document",
        object_id=document.pk,
        project=document.project,
        document=document,
        before=before,
        after={"title": title, "title_source": TITLE_CHANGED_BY_MANAGER},
    )
    document.title, document.metadata = current.title, current.metadata
    return document


# What a manager may correct about a document besides its title; the text, the original and
# their hashes never change.
DOCUMENT_METADATA_FIELDS = (
    "language",
    "direction",
    "source_url",
    "publisher",
    "published_on",
    "metadata",
)


@transaction.atomic
def document_update(*, document: Document, actor: User | None, changes: dict[str, Any]) -> Document:
    """Correct a document's metadata (``DOCUMENT_METADATA_FIELDS``); the audit log keeps what
    each field was and became. The title has its own service, ``document_retitle``."""
    unknown = set(changes) - set(DOCUMENT_METADATA_FIELDS)
    if unknown:
        raise ValidationError(f"These cannot be changed here: {', '.join(sorted(unknown))}.")
    current = (
        Document.objects.select_for_update()
        .only("project_id", *DOCUMENT_METADATA_FIELDS)
        .get(pk=document.pk)
    )
    changed = [name for name, value in changes.items() if getattr(current, name) != value]
    if not changed:
        return document
    before = _json_safe({name: getattr(current, name) for name in changed})
    for name in changed:
        setattr(current, name, changes[name])
        setattr(document, name, changes[name])
    current.clean_fields(exclude=[f.name for f in Document._meta.fields if f.name not in changed])
    current.save(update_fields=changed)
    audit_record(
        actor=actor,
        action="document.update",
        object_type="document",
        object_id=document.pk,
        project=document.project,
        document=document,
        before=before,
        after=_json_safe({name: changes[name] for name in changed}),
    )
    return document
