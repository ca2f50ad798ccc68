"""What a source holds: an archive its files (or a bundle), a corpus its lines, any other
file one document; each extracted and checked, nothing written yet."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import PurePath

from django.core.files.uploadedfile import UploadedFile

from annotator.extractors import ARCHIVE_SUFFIXES, CORPUS_SUFFIXES, ExtractionError, extract
from annotator.formats.archive import ArchiveError, zip_members
from annotator.formats.bundle import find_bundle
from annotator.services.documents import NewDocument
from annotator.services.importing.bundles import bundle_entries
from annotator.services.importing.corpora import corpus
from annotator.services.importing.report import Context, FileResult, Ready, SourceFile, failed
from annotator.text import canonical_offsets, canonicalize


def uploaded_sources(files: Iterable[UploadedFile]) -> Iterator[SourceFile]:
    """Uploaded files as sources, read one at a time (a large upload is spooled to disk)."""
    for upload in files:
        name = PurePath((upload.name or "upload").replace("\\", "/")).name
        yield SourceFile(name=name, data=upload.read())


def expand(source: SourceFile, context: Context) -> Iterator[FileResult | Ready]:
    """What a source holds: results for what failed, ready documents for the rest."""
    limits = context.limits
    suffix = PurePath(source.name).suffix.lower()
    limit = limits.max_archive_bytes if suffix in ARCHIVE_SUFFIXES else limits.max_file_bytes
    if len(source.data) > limit:
        yield failed(
            source.name,
            f"The file is {len(source.data) / 1e6:,.1f} MB; the limit is {limit / 1e6:,.0f} MB.",
        )
    elif not source.data:
        yield failed(source.name, "The file is empty.")
    elif suffix in ARCHIVE_SUFFIXES:
        yield from archive(source, context)
    elif suffix in CORPUS_SUFFIXES:
        yield from corpus(source)
    else:
        yield document_of(source)


def archive(source: SourceFile, context: Context) -> Iterator[FileResult | Ready]:
    limits = context.limits
    try:
        members = zip_members(
            source.data,
            max_files=limits.max_archive_files,
            max_total_bytes=limits.max_archive_bytes,
            max_file_bytes=limits.max_file_bytes,
        )
    except ArchiveError as error:
        yield failed(source.name, str(error))
        return
    if not members:
        yield failed(source.name, "The archive holds no files.")
    bundle = find_bundle({m.name: m.data for m in members if m.data is not None})
    if bundle is not None:
        yield from bundle_entries(source, members, bundle, context)
        return
    for member in members:
        name = f"{source.name}/{member.name}"
        if member.data is None:
            yield failed(name, member.error)
        else:
            yield from expand(SourceFile(name, member.data, source.metadata), context)


def document_of(source: SourceFile) -> FileResult | Ready:
    try:
        extraction = extract(source.name, source.data)
    except ExtractionError as error:
        return failed(source.name, str(error))
    canonical = canonicalize(extraction.text)
    if not canonical.text.strip():
        return failed(source.name, "The file contains no text.")
    page_starts = (
        tuple(canonical_offsets(extraction.text, list(extraction.page_starts)))
        if extraction.page_starts
        else ()
    )
    return Ready(
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
