"""Writes on documents."""

from __future__ import annotations

import datetime
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction

from annotator.extractors import Extraction, title_from_text
from annotator.models import AuditEvent, Category, Document, ImportedSpan, Project, TextDirection
from annotator.services.audit import audit_record, audit_record_many, audited
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
    documents = [document_build(project=project, new=new, imported_by=imported_by) for new in items]
    transaction.on_commit(originals.publish, robust=True)
    for document, new in zip(documents, items, strict=True):
        document.source_file.name = originals.store(
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


@audited
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


@audited
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


# Keys of ``Document.metadata`` the product writes itself: where the title came from, the
# corpus line and id a document came from, the encoding its text was read in. They are
# provenance, never edited by hand.
PROVENANCE_METADATA_KEYS = frozenset({"title_source", "source_line", "source_id", "encoding"})
METADATA_KEY_MAX_LENGTH = 64
METADATA_VALUE_MAX_LENGTH = 2000


def editable_metadata(metadata: Mapping[str, Any]) -> dict[str, str]:
    """The free fields of a document's metadata, which a manager may edit: every entry
    whose value is text and whose key is not provenance. The others (what an extractor
    found as lists or numbers, the provenance) are kept as they are."""
    return {
        key: value
        for key, value in metadata.items()
        if isinstance(value, str) and key not in PROVENANCE_METADATA_KEYS
    }


def _checked_free_fields(fields: Mapping[str, str]) -> dict[str, str]:
    problems = []
    checked: dict[str, str] = {}
    for raw_key, raw_value in fields.items():
        key, value = " ".join(str(raw_key).split()), str(raw_value).strip()
        if not key:
            problems.append("A metadata field needs a name.")
        elif len(key) > METADATA_KEY_MAX_LENGTH:
            problems.append(f"The field name {key[:20]!r}… is longer than 64 characters.")
        elif key in PROVENANCE_METADATA_KEYS:
            problems.append(f"{key!r} is recorded by the product itself and cannot be set.")
        elif key in DOCUMENT_METADATA_FIELDS or key == "title":
            problems.append(f"{key!r} has a field of its own.")
        elif key in checked:
            problems.append(f"The field {key!r} is given twice.")
        elif len(value) > METADATA_VALUE_MAX_LENGTH:
            problems.append(f"The value of {key!r} is longer than 2,000 characters.")
        elif "\x00" in key or "\x00" in value:
            problems.append(f"The field {key!r} contains the NUL character (U+0000).")
        elif value:
            checked[key] = value
    if problems:
        raise ValidationError({"metadata": problems})
    return checked


@audited
def document_metadata_edit(
    *,
    document: Document,
    actor: User | None,
    title: str | None = None,
    changes: Mapping[str, Any] | None = None,
    free_fields: Mapping[str, str] | None = None,
) -> Document:
    """A manager's correction of a document's description: its title
    (``document_retitle``), any of ``DOCUMENT_METADATA_FIELDS`` but ``metadata``
    (``document_update``), and its free metadata fields, which ``free_fields`` replaces
    (an empty value removes a field; provenance and structured values stay). Each change is
    in the audit log with what it was; the text, the original and their hashes never
    change."""
    wanted = dict(changes or {})
    if "metadata" in wanted:
        raise ValidationError({"metadata": "Give the free metadata fields as free_fields."})
    if free_fields is not None:
        kept = {
            key: value
            for key, value in document.metadata.items()
            if key not in editable_metadata(document.metadata)
        }
        wanted["metadata"] = {**kept, **_checked_free_fields(free_fields)}
    if title is not None:
        document_retitle(document=document, title=title, actor=actor)
    if wanted:
        if "metadata" in wanted:
            # The title's provenance may just have changed: merge into what is stored now.
            wanted["metadata"] = {
                **{k: v for k, v in document.metadata.items() if k in PROVENANCE_METADATA_KEYS},
                **wanted["metadata"],
            }
        document_update(document=document, actor=actor, changes=wanted)
    return document
