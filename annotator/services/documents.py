"""Writes on documents."""

from __future__ import annotations

import contextlib
import datetime
import json
import logging
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from stat import S_ISREG
from types import TracebackType
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import DatabaseError, transaction

from annotator.extractors import Extraction, title_from_text
from annotator.models import AuditEvent, Category, Document, ImportedSpan, Project, TextDirection
from annotator.services.audit import audit_record, audit_record_many, audited
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


def original_storage_name(source_sha256: str, filename: str) -> str:
    """Where an original file is kept: named by its hash, so never by user input.

    The same bytes imported twice (into two projects, say) share one stored file.
    """
    suffix = PurePath(filename).suffix.lower()
    if not suffix[1:].isalnum() or len(suffix) > 10:
        suffix = ""
    return f"originals/{source_sha256[:2]}/{source_sha256}{suffix}"


# An original's file name: its SHA-256 and the suffix of the file it came from.
ORIGINAL_NAME = re.compile(r"^[0-9a-f]{64}(?:\.[0-9a-z]{1,9})?$")
# Beside an original, while a transaction that stores it is open: ".<name>.<token>.staged";
# while it is being removed: ".sweeping"; ".part" from before originals were staged.
STAGED_ORIGINAL = re.compile(r"^\.(?P<name>.+)\.[0-9a-f]{12}\.(?:staged|sweeping|part)$")


class StagedOriginals:
    """The originals one transaction stores: kept once it commits, removed if it rolls back.

    Each original is written whole under a staged name beside its final one (owner-only,
    0600), then hard-linked to its final name, so that it is readable there at once, and
    the staged name holds it for the transaction. When the transaction commits, the staged
    names go and the final ones stay (put back from the staged one, if a rollback elsewhere
    took it meanwhile). When it rolls back, the staged names go and so does each final one
    that nothing else holds: no other transaction in flight (each holds a link of its own,
    so the file has more than one) and no document (committed, or earlier in the enclosing
    transaction). Several projects may share an original by its hash, and none loses it to
    another's rollback.

    Use it as a context manager around the transaction, and register ``publish`` with
    ``transaction.on_commit`` inside it. What a killed process leaves (staged names, and
    final ones no document refers to) is for ``manage.py sweep_originals``, and so is what
    an enclosing transaction that rolls back later leaves: Django says nothing of that.
    The originals folder must be on a file system with hard links (any local one is).
    Storages other than the file system get the original under its final name at once.
    """

    def __init__(self) -> None:
        self._staged: list[tuple[str, Path, Path]] = []

    def __enter__(self) -> StagedOriginals:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if error is not None:
            self.discard()

    def store(self, *, data: bytes, source_sha256: str, filename: str) -> str:
        """Keep the original bytes unchanged for this transaction; return their storage name."""
        name = original_storage_name(source_sha256, filename)
        if isinstance(default_storage, FileSystemStorage):
            final = Path(default_storage.path(name))
            self._staged.append((name, _stage_original(final, data), final))
        elif not default_storage.exists(name):
            stored = default_storage.save(name, ContentFile(data))
            if stored != name:  # another import of the same bytes won the race: keep one copy
                default_storage.delete(stored)
        return name

    def publish(self) -> None:
        """The transaction committed: its originals stay under their final names."""
        for _, staged, final in self._staged:
            try:
                os.link(staged, final)
            except FileExistsError:
                pass
            except OSError:  # the sweep puts it in place from the staged name
                logger.exception("original %s could not be put under its name", final)
                continue
            staged.unlink(missing_ok=True)
        self._staged.clear()

    def discard(self) -> None:
        """The transaction rolled back: remove what only it held."""
        for _, staged, _ in self._staged:
            staged.unlink(missing_ok=True)
        # Held by another transaction in flight or not, before asking about documents: one
        # that commits after this look still held its link during it.
        alone = {name: final for name, _, final in self._staged if _links(final) == 1}
        self._staged.clear()
        try:
            referenced = _referenced(alone)
            _remove_unreferenced({n: f for n, f in alone.items() if n not in referenced})
        except DatabaseError:  # nothing is removed without knowing; the sweep will
            logger.warning("rolled-back originals left for sweep_originals", exc_info=True)


def _links(path: Path) -> int:
    try:
        return path.stat().st_nlink
    except FileNotFoundError:
        return 0


def _referenced(names: Mapping[str, Any]) -> set[str]:
    """Which of these storage names a document refers to."""
    found: set[str] = set()
    listed = list(names)
    for start in range(0, len(listed), 500):
        found.update(
            Document.objects.filter(source_file__in=listed[start : start + 500]).values_list(
                "source_file", flat=True
            )
        )
    return found


def _remove_unreferenced(candidates: Mapping[str, Path]) -> set[str]:
    """Remove the originals that neither a document nor a transaction in flight holds;
    return the names removed.

    Each is first moved aside (an atomic rename), so that no import can take it up any
    more (one that tries writes its own), then looked at again: a link that another
    transaction made before the move, or a document that committed meanwhile, puts it back.
    """
    aside: dict[str, tuple[Path, Path]] = {}
    for name, final in candidates.items():
        moved = final.with_name(f".{final.name}.{secrets.token_hex(6)}.sweeping")
        try:
            os.rename(final, moved)
        except FileNotFoundError:
            continue
        if _links(moved) > 1:
            _put_back(moved, final)
        else:
            aside[name] = (final, moved)
    if not aside:
        return set()
    try:
        referenced = _referenced(aside)
    except DatabaseError:
        for final, moved in aside.values():
            _put_back(moved, final)
        raise
    removed = set()
    for name, (final, moved) in aside.items():
        if name in referenced:
            _put_back(moved, final)
        else:
            moved.unlink(missing_ok=True)
            removed.add(name)
    return removed


def _put_back(moved: Path, final: Path) -> None:
    with contextlib.suppress(FileExistsError):  # the same bytes were kept again meanwhile
        os.link(moved, final)
    moved.unlink(missing_ok=True)


@dataclass(frozen=True)
class SweptOriginal:
    """A file ``originals_sweep`` removed (or would remove), or put back under its name."""

    name: str
    size: int
    kind: str
    """"staged" (left by an import that did not finish), "unreferenced" (no document
    refers to it) or "restored" (a staged copy of a document's missing original)."""
    freed: int
    """Bytes its removal gives back: its size if it was the file's last name, else 0."""


@dataclass(frozen=True)
class _Found:
    name: str
    path: Path
    stat: os.stat_result
    final: str = ""
    """For a staged file, the storage name of the original it stands beside."""


def originals_sweep(
    *, older_than: datetime.timedelta, dry_run: bool = False
) -> list[SweptOriginal]:
    """Remove the files under ``originals/`` that no document refers to and that were last
    changed more than ``older_than`` ago; never a file a document refers to.

    Those are the staged files of imports that were killed (their transaction never ended),
    and originals whose documents are gone or never committed. Age spares the files of
    imports still running: a staged file is new while its transaction is open, and so is
    the original it links to. A staged file whose original is missing while a document
    refers to it (a process killed between its commit and putting the original in place)
    is put back under its name instead. With ``dry_run`` nothing changes and the list says
    what would. Only for originals kept on the file system (the settings' storage).
    """
    if not isinstance(default_storage, FileSystemStorage):
        raise ValueError("Originals are not kept on the file system here; nothing to sweep.")
    location = Path(default_storage.path(""))
    cutoff = datetime.datetime.now(tz=datetime.UTC).timestamp() - older_than.total_seconds()
    found = _originals_on_disk(location)
    finals = [entry for entry in found if not entry.final]
    referenced = _referenced(
        {entry.name: None for entry in finals}
        | {entry.final: None for entry in found if entry.final}
    )
    # The staged files of one original are its other links; it may go once they all do.
    stale_links: dict[tuple[int, int], int] = {}
    restored: list[SweptOriginal] = []
    gone: list[tuple[_Found, str]] = []
    for entry in found:
        # A link, unlink or write changes a file's ctime: the last time anything held it.
        if entry.final and entry.stat.st_ctime < cutoff:
            stale_links[_inode(entry)] = stale_links.get(_inode(entry), 0) + 1
            final = location / entry.final
            if entry.final in referenced and not final.exists():
                restored.append(SweptOriginal(entry.final, entry.stat.st_size, "restored", 0))
                if not dry_run:
                    _put_back(entry.path, final)
                continue
            gone.append((entry, "staged"))
            if not dry_run:
                entry.path.unlink(missing_ok=True)
    unreferenced = {
        entry.name: entry
        for entry in finals
        if entry.name not in referenced
        and entry.stat.st_ctime < cutoff
        and entry.stat.st_nlink - 1 == stale_links.get(_inode(entry), 0)
    }
    if dry_run:
        removed = set(unreferenced)
    else:
        removed = _remove_unreferenced({name: e.path for name, e in unreferenced.items()})
    gone += [(unreferenced[name], "unreferenced") for name in sorted(removed)]
    # Space comes back when a file's last link goes: count each file once, and only then.
    links_gone: dict[tuple[int, int], int] = {}
    for entry, _ in gone:
        links_gone[_inode(entry)] = links_gone.get(_inode(entry), 0) + 1
    swept = list(restored)
    for entry, kind in gone:
        key = _inode(entry)
        links_gone[key] -= 1
        freed = entry.stat.st_size if links_gone[key] == 0 and _all_gone(entry, gone) else 0
        swept.append(SweptOriginal(entry.name, entry.stat.st_size, kind, freed))
    return sorted(swept, key=lambda item: item.name)


def _inode(entry: _Found) -> tuple[int, int]:
    return (entry.stat.st_dev, entry.stat.st_ino)


def _all_gone(entry: _Found, gone: list[tuple[_Found, str]]) -> bool:
    return sum(1 for other, _ in gone if _inode(other) == _inode(entry)) == entry.stat.st_nlink


def _originals_on_disk(location: Path) -> list[_Found]:
    """The originals and the staged files beside them, as the storage names them."""
    found = []
    for folder, _, files in os.walk(location / "originals"):
        here = Path(folder)
        for file in files:
            path = here / file
            stat = path.lstat()
            if not S_ISREG(stat.st_mode):
                continue
            name = path.relative_to(location).as_posix()
            staged = STAGED_ORIGINAL.match(file)
            if staged and ORIGINAL_NAME.match(staged["name"]):
                final = (here / staged["name"]).relative_to(location).as_posix()
                found.append(_Found(name, path, stat, final))
            elif ORIGINAL_NAME.match(file):
                found.append(_Found(name, path, stat))
    return found


def _stage_original(final: Path, data: bytes) -> Path:
    """Write ``data`` under a staged name beside ``final`` and link it to ``final``; return
    the staged name. When ``final`` exists (the same bytes, kept by hash), the staged name
    is a link to it and nothing is written."""
    staged = final.with_name(f".{final.name}.{secrets.token_hex(6)}.staged")
    try:
        os.link(final, staged)
        return staged
    except FileNotFoundError:
        pass
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    try:
        descriptor = os.open(staged, flags, 0o600)
    except FileNotFoundError:  # the first original in this folder
        final.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        descriptor = os.open(staged, flags, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    # Whole before it has its name, so no reader sees it half written; FileExistsError: the
    # same bytes were kept meanwhile by another import.
    with contextlib.suppress(FileExistsError):
        os.link(staged, final)
    return staged


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
