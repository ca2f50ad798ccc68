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
not at all. A document whose text is longer than the limits (``IMPORT_MAX_TEXT_CHARACTERS``)
fails alone, before anything of it is written.

An import started with ``via`` (the import page, the command, the API) is recorded as an
``ImportRun``: its report is written as each batch commits, so that an import that dies
half way (a request cut by its server's timeout, a killed process) leaves a report of what
it committed (``runs``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.contrib.auth.models import User

from annotator.models import ImportVia, Project
from annotator.services.importing import runs, writing
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
    text_too_long,
)
from annotator.services.importing.runs import import_row_taxonomy_load
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
    "import_row_taxonomy_load",
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
    via: ImportVia | None = None,
) -> ImportReport:
    """Import files (archives and corpora expanded), and report on every file, in order.

    With ``load_taxonomy``, the categories, relation types and incident roles of a bundle's
    taxonomy that the project lacks are created before its corpus is imported (existing ones
    are never changed). With ``via``,
    the report is kept as an ``ImportRun`` (its id in ``ImportReport.run_id``), written as
    the import goes and marked interrupted if an exception stops it.
    """
    limits = limits or ImportLimits.from_settings()
    context = Context(
        project=project, limits=limits, imported_by=imported_by, load_taxonomy=load_taxonomy
    )
    recorder = (
        runs.RunRecorder(
            runs.import_run_start(project=project, started_by=imported_by, via=via),
            rows_per_write=BATCH_SIZE,
        )
        if via
        else None
    )
    results: list[FileResult | None] = []
    batch: list[tuple[int, Ready]] = []

    def record(index: int, result: FileResult) -> None:
        results[index] = result
        if progress:
            progress(result)
        if recorder:
            recorder.add(index, result)

    def flush() -> None:
        for index, result in writing.write(project, batch, imported_by):
            record(index, result)
        batch.clear()
        if recorder:  # the batch has committed: its rows now, in a transaction of their own
            recorder.write()

    try:
        for source in sources:
            for item in expand(source, context):
                results.append(None)
                index = len(results) - 1
                refused = item if isinstance(item, FileResult) else text_too_long(item, limits)
                if refused is not None:
                    record(index, refused)
                elif isinstance(item, Ready):
                    batch.append((index, item))
                    if len(batch) >= BATCH_SIZE:
                        flush()
            if recorder:
                recorder.write(if_many=True)
        flush()
    except BaseException:
        if recorder:
            recorder.interrupt()
        raise
    if recorder:
        recorder.finish()
    return ImportReport(
        results=[result for result in results if result is not None],
        run_id=recorder.run.pk if recorder else None,
    )


def document_import(
    *, project: Project, source: SourceFile, imported_by: User | None
) -> FileResult:
    """Import one file that is one document; never raises on bad input."""
    report = documents_import(project=project, sources=[source], imported_by=imported_by)
    return report.results[0]
