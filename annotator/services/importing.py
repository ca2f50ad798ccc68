"""Import source files into a project: extraction, canonical text, duplicates, a report.

A *source* is a file as the importer gave it. A ZIP archive expands into its files and a
JSONL corpus into one document a line; every other file is one document. For each the
report says whether it was imported, a duplicate of a text already in the project, or
failed, and why; one bad file never stops the others.

A ZIP that is this product's own export bundle (``export_corpus --bundle``) is read as one:
it is verified against its manifest first (a bundle that does not verify is not evidence,
and nothing of it is imported), its JSONL corpus is imported, and its taxonomy is offered:
the report notes how many categories it holds and which the project lacks, and loads those
when asked (``load_taxonomy``, or ``bundle_taxonomy_load`` afterwards). Such rows are
*notes*: neither a document nor a failure.

Files are read, extracted and checked first, outside any transaction; the valid ones are
then written in batches, each batch in one transaction (with its originals, imported spans
and audit events). A file that fails never reaches the database. Should a batch fail to
write (another import of the same text committing in between, say), its files are written
again one by one, each in its own transaction, so every file is either wholly imported or
not at all.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import DatabaseError, transaction
from django.db.models import OuterRef, Subquery

from annotator import __version__
from annotator.extractors import (
    ARCHIVE_SUFFIXES,
    CORPUS_SUFFIXES,
    Extraction,
    ExtractionError,
    extract,
)
from annotator.formats.archive import ArchiveError, Member, zip_members
from annotator.formats.bundle import (
    MANIFEST,
    TAXONOMY,
    Bundle,
    find_bundle,
    taxonomy_file_data,
    verify_members,
)
from annotator.formats.jsonl import CorpusLine, read_jsonl
from annotator.models import Category, Document, ImportedSpan, Project
from annotator.services.audit import audit_record
from annotator.services.documents import NewDocument, NewSpan, documents_create
from annotator.services.taxonomy import taxonomy_load
from annotator.taxonomy import TaxonomyError, taxonomy_from_data
from annotator.text import canonical_offsets, canonicalize

logger = logging.getLogger(__name__)

BATCH_SIZE = 500


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
class _Context:
    """What expanding a source needs besides the source."""

    project: Project
    limits: ImportLimits
    imported_by: AbstractBaseUser | None
    load_taxonomy: bool


@dataclass(frozen=True)
class _Ready:
    """A file that extracted cleanly, waiting to be written."""

    name: str
    new: NewDocument


def uploaded_sources(files: Iterable[UploadedFile]) -> Iterator[SourceFile]:
    """Uploaded files as sources, read one at a time (a large upload is spooled to disk)."""
    for upload in files:
        name = PurePath((upload.name or "upload").replace("\\", "/")).name
        yield SourceFile(name=name, data=upload.read())


def _validation_message(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "; ".join(
            f"{name}: {' '.join(messages)}" for name, messages in error.message_dict.items()
        )
    return " ".join(error.messages)


def documents_import(
    *,
    project: Project,
    sources: Iterable[SourceFile],
    imported_by: AbstractBaseUser | None,
    limits: ImportLimits | None = None,
    progress: Callable[[FileResult], None] | None = None,
    load_taxonomy: bool = False,
) -> ImportReport:
    """Import files (archives and corpora expanded), and report on every file, in order.

    With ``load_taxonomy``, the categories of a bundle's taxonomy that the project lacks are
    created before its corpus is imported (existing ones are never changed).
    """
    context = _Context(
        project=project,
        limits=limits or ImportLimits.from_settings(),
        imported_by=imported_by,
        load_taxonomy=load_taxonomy,
    )
    results: list[FileResult | None] = []
    batch: list[tuple[int, _Ready]] = []

    def flush() -> None:
        for index, result in _write(project, batch, imported_by):
            results[index] = result
            if progress:
                progress(result)
        batch.clear()

    for source in sources:
        for item in _expand(source, context):
            results.append(item if isinstance(item, FileResult) else None)
            if isinstance(item, FileResult):
                if progress:
                    progress(item)
            else:
                batch.append((len(results) - 1, item))
                if len(batch) >= BATCH_SIZE:
                    flush()
    flush()
    return ImportReport(results=[result for result in results if result is not None])


def document_import(
    *, project: Project, source: SourceFile, imported_by: AbstractBaseUser | None
) -> FileResult:
    """Import one file that is one document; never raises on bad input."""
    report = documents_import(project=project, sources=[source], imported_by=imported_by)
    return report.results[0]


def _expand(source: SourceFile, context: _Context) -> Iterator[FileResult | _Ready]:
    """What a source holds: results for what failed, ready documents for the rest."""
    limits = context.limits
    suffix = PurePath(source.name).suffix.lower()
    limit = limits.max_archive_bytes if suffix in ARCHIVE_SUFFIXES else limits.max_file_bytes
    if len(source.data) > limit:
        yield _failed(
            source.name,
            f"The file is {len(source.data) / 1e6:,.1f} MB; the limit is {limit / 1e6:,.0f} MB.",
        )
    elif not source.data:
        yield _failed(source.name, "The file is empty.")
    elif suffix in ARCHIVE_SUFFIXES:
        yield from _archive(source, context)
    elif suffix in CORPUS_SUFFIXES:
        yield from _corpus(source)
    else:
        yield _document(source)


def _failed(name: str, reason: str) -> FileResult:
    return FileResult(name, Outcome.FAILED, reason)


def _archive(source: SourceFile, context: _Context) -> Iterator[FileResult | _Ready]:
    limits = context.limits
    try:
        members = zip_members(
            source.data,
            max_files=limits.max_archive_files,
            max_total_bytes=limits.max_archive_bytes,
            max_file_bytes=limits.max_file_bytes,
        )
    except ArchiveError as error:
        yield _failed(source.name, str(error))
        return
    if not members:
        yield _failed(source.name, "The archive holds no files.")
    bundle = find_bundle({m.name: m.data for m in members if m.data is not None})
    if bundle is not None:
        yield from _bundle(source, members, bundle, context)
        return
    for member in members:
        name = f"{source.name}/{member.name}"
        if member.data is None:
            yield _failed(name, member.error)
        else:
            yield from _expand(SourceFile(name, member.data, source.metadata), context)


def _bundle(
    source: SourceFile, members: list[Member], bundle: Bundle, context: _Context
) -> Iterator[FileResult | _Ready]:
    """A bundle's files: verified together, then its corpus, its taxonomy, its manifest."""
    read = {member.name: member.data for member in members if member.data is not None}
    verification = verify_members(read)
    if not verification.intact:
        yield from _unverified(source, members, bundle, verification.problems)
        return
    data_files = [
        member.name
        for member in members
        if bundle.relative(member.name) not in (MANIFEST, TAXONOMY, None)
    ]
    importable = bundle.format == "jsonl" and all(
        PurePath(name).suffix.lower() in CORPUS_SUFFIXES for name in data_files
    )
    taxonomy_path = bundle.path(TAXONOMY)
    # Loaded (when asked) before the corpus is written, so its spans find their categories.
    taxonomy = (
        _bundle_taxonomy(f"{source.name}/{taxonomy_path}", read[taxonomy_path], context)
        if taxonomy_path in read
        else None
    )
    refused_format = False
    for member in members:
        name = f"{source.name}/{member.name}"
        relative = bundle.relative(member.name)
        if member.data is None:
            yield _failed(name, member.error)
        elif relative == MANIFEST:
            yield FileResult(
                name,
                Outcome.NOTE,
                f"Verified: {_count(verification.files, 'file')} match it "
                f"({_count(verification.documents, 'document text')} checked against their "
                "SHA-256).",
            )
        elif relative == TAXONOMY and taxonomy is not None:
            yield taxonomy
        elif importable:
            yield from _corpus(SourceFile(name, member.data, source.metadata))
        elif not refused_format:
            refused_format = True
            yield _failed(
                name if len(data_files) == 1 else f"{source.name}/{bundle.root}/",
                f"This bundle holds a {bundle.format or 'unnamed'} export, which cannot be "
                "imported yet; a JSONL bundle can (export with the format JSON Lines and a "
                "bundle, or export_corpus --format jsonl --bundle).",
            )


def _unverified(
    source: SourceFile, members: list[Member], bundle: Bundle, problems: list[str]
) -> Iterator[FileResult]:
    """Every file of a bundle that does not match its manifest, refused."""
    listed = "; ".join(problems)
    for member in members:
        name = f"{source.name}/{member.name}"
        relative = bundle.relative(member.name)
        if member.data is None:
            yield _failed(name, member.error)
        elif relative == MANIFEST:
            yield _failed(
                name,
                f"The bundle does not match its manifest ({_count(len(problems), 'problem')}), "
                "so nothing of it was imported.",
            )
        elif relative == TAXONOMY:
            yield _failed(name, "Not offered: the bundle does not match its manifest.")
        else:
            yield _failed(
                name,
                "Not imported: the bundle does not match its manifest, so its corpus is not "
                f"what was exported: {listed}",
            )


def _bundle_taxonomy(name: str, data: bytes, context: _Context) -> FileResult:
    """The report's row for a bundle's taxonomy; its missing categories loaded if asked."""
    try:
        file_data = taxonomy_file_data(data)
        specs = taxonomy_from_data(file_data)
    except TaxonomyError as error:
        return _failed(name, f"It is not a taxonomy that can be loaded: {error}")
    except ValueError as error:
        return _failed(name, str(error))
    existing = set(Category.objects.filter(project=context.project).values_list("code", flat=True))
    missing = tuple(spec.code for spec in specs if spec.code not in existing)
    offer = OfferedTaxonomy(categories=tuple(file_data["categories"]), missing=missing)
    if context.load_taxonomy and missing:
        try:
            created = bundle_taxonomy_load(
                project=context.project,
                categories=offer.categories,
                actor=context.imported_by,
                source=name,
            )
        except TaxonomyError as error:
            return _failed(name, f"Its categories could not be loaded: {error}")
        offer = OfferedTaxonomy(offer.categories, tuple(created), loaded=True)
    return FileResult(
        name, Outcome.NOTE, taxonomy_note(len(specs), offer.missing, offer.loaded), taxonomy=offer
    )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def taxonomy_note(total: int, missing: Sequence[str], loaded: bool) -> str:
    """What the report says of a bundle's taxonomy."""
    held = f"It holds {total} categor{'y' if total == 1 else 'ies'}"
    if not missing:
        return f"{held}, all of them already in this project."
    codes = ", ".join(missing)
    if loaded:
        return f"{held}; the {len(missing)} not yet in this project were loaded: {codes}."
    return f"{held}; {len(missing)} not yet in this project: {codes}."


@transaction.atomic
def bundle_taxonomy_load(
    *,
    project: Project,
    categories: Sequence[Mapping[str, Any]],
    actor: AbstractBaseUser | None,
    source: str,
) -> list[str]:
    """Create the categories of a bundle's taxonomy that the project lacks; return their codes.

    ``categories`` are in a taxonomy file's form (``taxonomy_file_data``) and are checked
    again here. A category the project has is never changed. Spans imported before, whose
    category code names one of the new categories, are linked to it.
    """
    specs = taxonomy_from_data({"categories": [dict(category) for category in categories]})
    report = taxonomy_load(project=project, specs=specs, update_existing=False)
    if report.created:
        ImportedSpan.objects.filter(
            document__project=project, category__isnull=True, category_code__in=report.created
        ).update(
            category=Subquery(
                Category.objects.filter(project=project, code=OuterRef("category_code")).values(
                    "pk"
                )[:1]
            )
        )
        audit_record(
            actor=actor,
            action="taxonomy.load",
            object_type="project",
            object_id=project.pk,
            project=project,
            after={"source": source, "created": report.created},
        )
    return report.created


def _document(source: SourceFile) -> FileResult | _Ready:
    try:
        extraction = extract(source.name, source.data)
    except ExtractionError as error:
        return _failed(source.name, str(error))
    canonical = canonicalize(extraction.text)
    if not canonical.text.strip():
        return _failed(source.name, "The file contains no text.")
    page_starts = (
        tuple(canonical_offsets(extraction.text, list(extraction.page_starts)))
        if extraction.page_starts
        else ()
    )
    return _Ready(
        source.name,
        NewDocument(
            filename=source.name,
            data=source.data,
            extraction=extraction,
            canonical=canonical,
            metadata=source.metadata,
            page_starts=page_starts,
        ),
    )


def _corpus(source: SourceFile) -> Iterator[FileResult | _Ready]:
    layer = f"import: {PurePath(source.name).name}"
    lines = 0
    for line in read_jsonl(source.data):
        lines += 1
        name = f"{source.name}, line {line.number}"
        if line.error:
            yield _failed(name, line.error)
            continue
        try:
            yield _Ready(name, _corpus_document(source, line, layer))
        except ValueError as error:
            yield _failed(name, f"Line {line.number}: {error}")
    if not lines:
        yield _failed(source.name, "The corpus holds no line with a document.")


def _corpus_document(source: SourceFile, line: CorpusLine, layer: str) -> NewDocument:
    """One line of a corpus as a document, its spans moved to the canonical text's offsets."""
    canonical = canonicalize(line.text)
    if line.text_sha256 and line.text_sha256 != canonical.sha256:
        raise ValueError(
            "its text_sha256 does not match its text: the text changed since it was exported."
        )
    bounds = [offset for span in line.spans for offset in (span.start, span.end)]
    mapped = canonical_offsets(line.text, bounds) if canonical.steps else bounds
    spans = []
    for index, span in enumerate(line.spans):
        start, end = mapped[2 * index], mapped[2 * index + 1]
        if end <= start:
            raise ValueError(
                f"span {index + 1} ({span.start}-{span.end}) covers only characters that "
                "normalisation removes (a byte-order mark or NUL), so nothing is left of it."
            )
        if canonicalize(line.text[span.start : span.end]).text != canonical.text[start:end]:
            raise ValueError(
                f"span {index + 1} ({span.start}-{span.end}) splits a character from its "
                "accents or a line ending, so it cannot be placed exactly in the normalised text."
            )
        spans.append(NewSpan(start, end, span.category, span.note, span.attributes))
    extraction = Extraction(
        text=line.text,
        extractor="jsonl",
        extractor_version=f"annotator {__version__}",
        content_type="application/jsonl",
        metadata={"title": line.metadata.get("title", "")},
    )
    return NewDocument(
        filename=source.name,
        data=line.raw,
        extraction=extraction,
        canonical=canonical,
        metadata={**source.metadata, **line.metadata, "source_line": line.number},
        spans=tuple(spans),
        layer=layer,
    )


def _write(
    project: Project, batch: list[tuple[int, _Ready]], imported_by: AbstractBaseUser | None
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
    fresh: list[tuple[int, _Ready]] = []
    first_of: dict[str, int] = {}
    repeats: list[tuple[int, _Ready, int]] = []
    for index, ready in batch:
        digest = ready.new.canonical.sha256
        if digest in existing:
            results.append((index, _duplicate(ready.name, existing[digest])))
        elif digest in first_of:
            repeats.append((index, ready, first_of[digest]))
        else:
            first_of[digest] = index
            fresh.append((index, ready))
    created = _create(project, fresh, imported_by)
    results.extend(created)
    ids = {index: result.document_id for index, result in created}
    for index, ready, first in repeats:
        if ids.get(first) is not None:
            results.append((index, _duplicate(ready.name, ids[first])))
        else:  # the first copy failed; this one is tried on its own
            results.extend(_create(project, [(index, ready)], imported_by))
    return sorted(results, key=lambda pair: pair[0])


def _create(
    project: Project, items: list[tuple[int, _Ready]], imported_by: AbstractBaseUser | None
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
                (index, _imported(ready, document))
                for (index, ready), document in zip(items, documents, strict=True)
            ]
    return [(index, _create_one(project, ready, imported_by)) for index, ready in items]


def _create_one(
    project: Project, ready: _Ready, imported_by: AbstractBaseUser | None
) -> FileResult:
    try:
        with transaction.atomic():
            document = documents_create(project=project, items=[ready.new], imported_by=imported_by)
    except ValidationError as error:
        return _failed(ready.name, _validation_message(error))
    except (DatabaseError, UnicodeError) as error:
        # Another import of the same text may have committed between our check and our
        # insert; otherwise the database refused something the checks above let through.
        existing = (
            Document.objects.filter(project=project, text_sha256=ready.new.canonical.sha256)
            .values_list("pk", flat=True)
            .first()
        )
        if existing is not None:
            return _duplicate(ready.name, existing)
        logger.warning("import of %s refused by the database: %s", ready.name, error)
        return _failed(ready.name, f"The database refused it ({type(error).__name__}: {error}).")
    return _imported(ready, document[0])


def _imported(ready: _Ready, document: Document) -> FileResult:
    logger.debug("imported %s as document %s", ready.name, document.pk)
    return FileResult(
        ready.name, Outcome.IMPORTED, document_id=document.pk, spans=len(ready.new.spans)
    )


def _duplicate(name: str, document_id: int) -> FileResult:
    return FileResult(
        name,
        Outcome.DUPLICATE,
        f"The same text is already in this project as document {document_id}.",
        document_id=document_id,
    )
