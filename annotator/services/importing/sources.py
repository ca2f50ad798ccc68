"""What a source holds: an archive its files (or a bundle), a corpus its lines, any other
file one document; each extracted and checked, nothing written yet."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import PurePath

from django.core.files.uploadedfile import UploadedFile

from annotator.extractors import (
    ARCHIVE_SUFFIXES,
    COMPANION_FILE_NAMES,
    CORPUS_SUFFIXES,
    ExtractionError,
    extract,
)
from annotator.formats.archive import ArchiveError, zip_members
from annotator.formats.bundle import find_bundle
from annotator.formats.companions import TYPESYSTEM, companions_of
from annotator.services.documents import NewDocument
from annotator.services.importing.bundles import bundle_entries
from annotator.services.importing.corpora import corpus, is_conll_text
from annotator.services.importing.report import (
    Context,
    FileResult,
    ImportLimits,
    Ready,
    SourceFile,
    failed,
)
from annotator.text import canonical_offsets, canonicalize


@dataclass(frozen=True)
class OversizedUpload(SourceFile):
    """An uploaded file over its size limit, left unread: it fails by name alone."""

    size: int = 0
    limit: int = 0


def size_limit(name: str, limits: ImportLimits) -> int:
    """How large the file ``name`` may be: an archive's limit or one file's, by suffix."""
    suffix = PurePath(name).suffix.lower()
    return limits.max_archive_bytes if suffix in ARCHIVE_SUFFIXES else limits.max_file_bytes


def too_large(name: str, size: int, limit: int) -> FileResult:
    return failed(name, f"The file is {size / 1e6:,.1f} MB; the limit is {limit / 1e6:,.0f} MB.")


def uploaded_sources(
    files: Iterable[UploadedFile],
    *,
    limits: ImportLimits | None = None,
    offset_unit: str = "",
) -> Iterator[SourceFile]:
    """Uploaded files as sources, read one at a time (a large upload streamed to a temporary
    file as it arrived). Each is checked against its size limit first: one over it is never
    read into memory, and fails alone, by name.

    Files that are read together are paired by name: a brat ``x.ann`` with ``x.txt`` (one
    source, the ``.txt`` with its ``.ann``), an XMI with a ``TypeSystem.xml`` uploaded with it.
    ``offset_unit`` is the unit the person importing said offsets count (see ``SourceFile``).
    """
    limits = limits or ImportLimits.from_settings()
    uploads = list(files)
    names = [PurePath((upload.name or "upload").replace("\\", "/")).name for upload in uploads]
    lowered = {name.lower(): index for index, name in enumerate(names)}
    partner: dict[int, int] = {}  # a .txt's upload -> its .ann's
    for index, name in enumerate(names):
        if PurePath(name).suffix.lower() == ".ann":
            txt = lowered.get(str(PurePath(name).with_suffix(".txt")).lower())
            if txt is not None:
                partner[txt] = index
    typesystem = lowered.get(TYPESYSTEM)
    held: dict[int, bytes] = {}

    def read(index: int) -> bytes | None:
        if index not in held:
            upload = uploads[index]
            if (upload.size or 0) > size_limit(names[index], limits):
                return None
            # One byte past the limit at most, whatever the size said: expand() refuses it.
            held[index] = upload.read(size_limit(names[index], limits) + 1)
        return held[index]

    consumed = set(partner.values())
    for index, upload in enumerate(uploads):
        name = names[index]
        if index in consumed:
            continue
        limit = size_limit(name, limits)
        size = upload.size or 0
        if size > limit:
            yield OversizedUpload(name=name, data=b"", size=size, limit=limit)
            continue
        companions: dict[str, bytes] = {}
        if index in partner:
            ann = read(partner[index])
            if ann is None:
                yield OversizedUpload(
                    name=names[partner[index]],
                    data=b"",
                    size=uploads[partner[index]].size or 0,
                    limit=size_limit(names[partner[index]], limits),
                )
                continue
            companions["ann"] = ann
        elif PurePath(name).suffix.lower() == ".xmi" and typesystem is not None:
            data = read(typesystem)
            if data is not None:
                companions[TYPESYSTEM] = data
        data = read(index) or b""
        held.pop(index, None)
        yield SourceFile(name=name, data=data, offset_unit=offset_unit, companions=companions)


def expand(source: SourceFile, context: Context) -> Iterator[FileResult | Ready]:
    """What a source holds: results for what failed, ready documents for the rest."""
    suffix = PurePath(source.name).suffix.lower()
    limit = size_limit(source.name, context.limits)
    if isinstance(source, OversizedUpload):
        yield too_large(source.name, source.size, source.limit)
    elif len(source.data) > limit:
        yield too_large(source.name, len(source.data), limit)
    elif not source.data:
        yield failed(source.name, "The file is empty.")
    elif suffix in ARCHIVE_SUFFIXES:
        yield from archive(source, context)
    elif (
        suffix in CORPUS_SUFFIXES
        or source.companions
        or PurePath(source.name).name.lower() in COMPANION_FILE_NAMES
        or is_conll_text(source)
    ):
        yield from corpus(source, context)
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
    companions, consumed = companions_of(
        {member.name: member.data for member in members if member.data is not None}
    )
    for member in members:
        name = f"{source.name}/{member.name}"
        if member.data is None:
            yield failed(name, member.error)
        elif member.name not in consumed:  # a brat .ann is read with its .txt
            yield from expand(
                SourceFile(
                    name,
                    member.data,
                    source.metadata,
                    source.offset_unit,
                    companions.get(member.name, {}),
                ),
                context,
            )


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
    # A PDF's footnotes link each reference to its note by offsets into the extracted text;
    # they are mapped to the canonical text as the page starts are.
    notes = extraction.metadata.get("notes")
    if notes:
        ends = ("reference", "note")
        offsets = [
            offset for link in notes for key in ends if link.get(key) for offset in link[key]
        ]
        mapped = iter(canonical_offsets(extraction.text, offsets))
        notes = [
            {**link, **{key: [next(mapped), next(mapped)] for key in ends if link.get(key)}}
            for link in notes
        ]
        extraction = dataclasses.replace(
            extraction, metadata={**extraction.metadata, "notes": notes}
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
