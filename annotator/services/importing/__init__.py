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

from collections.abc import Callable, Iterable

from django.contrib.auth.models import User

from annotator.models import Project
from annotator.services.importing import writing
from annotator.services.importing.bundles import bundle_taxonomy_load, taxonomy_note
from annotator.services.importing.report import (
    Context,
    FileResult,
    ImportLimits,
    ImportReport,
    OfferedTaxonomy,
    Outcome,
    Ready,
    SourceFile,
)
from annotator.services.importing.sources import expand, uploaded_sources

__all__ = [
    "BATCH_SIZE",
    "FileResult",
    "ImportLimits",
    "ImportReport",
    "OfferedTaxonomy",
    "Outcome",
    "SourceFile",
    "bundle_taxonomy_load",
    "document_import",
    "documents_import",
    "taxonomy_note",
    "uploaded_sources",
]

BATCH_SIZE = 500


def documents_import(
    *,
    project: Project,
    sources: Iterable[SourceFile],
    imported_by: User | None,
    limits: ImportLimits | None = None,
    progress: Callable[[FileResult], None] | None = None,
    load_taxonomy: bool = False,
) -> ImportReport:
    """Import files (archives and corpora expanded), and report on every file, in order.

    With ``load_taxonomy``, the categories of a bundle's taxonomy that the project lacks are
    created before its corpus is imported (existing ones are never changed).
    """
    context = Context(
        project=project,
        limits=limits or ImportLimits.from_settings(),
        imported_by=imported_by,
        load_taxonomy=load_taxonomy,
    )
    results: list[FileResult | None] = []
    batch: list[tuple[int, Ready]] = []

    def flush() -> None:
        for index, result in writing.write(project, batch, imported_by):
            results[index] = result
            if progress:
                progress(result)
        batch.clear()

    for source in sources:
        for item in expand(source, context):
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
    *, project: Project, source: SourceFile, imported_by: User | None
) -> FileResult:
    """Import one file that is one document; never raises on bad input."""
    report = documents_import(project=project, sources=[source], imported_by=imported_by)
    return report.results[0]
