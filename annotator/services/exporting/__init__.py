"""Export a project's annotated corpus: one format, one layer, filters, streamed.

``export_start`` checks the request, records it in the audit log and returns an ``Export``
whose ``chunks`` produce the file as it is read: documents are fetched 200 at a time and
written at once, so memory stays flat whatever the corpus size. Everything the file holds
is read in one snapshot of the database (``annotator.services.snapshot``), opened when the
stream starts and closed when it ends or is closed early, so that the file is the corpus at
one moment however long the download takes and whatever others save meanwhile.

A *bundle* is a ZIP of the data file(s), ``taxonomy.json`` (the categories with their
definitions and groups, the relation types and the incident roles) and ``manifest.json``:
what was exported and how, the count of spans per category, each document's text SHA-256
and the SHA-256 of every file in the bundle, which
``manage.py verify_export`` checks.

Reviewers' layers carry their relations and incident records: JSONL, W3C and brat write
both, CSV in a bundle (``relations.csv``, ``incidents.csv``), and ``huridocs`` writes the
incidents as HURIDOCS-style events citing their evidence spans.

Not every format can hold every span: CoNLL drops overlapping spans, spaCy's entities
cannot overlap, brat splits spans at line breaks. When the stream ends, ``Export.summary``
says what the file holds: documents, spans selected and written, and what was dropped,
widened to token boundaries or split, in all and per category (a bundle's manifest records
it too). ``export_summary`` computes the same without keeping the file (a dry run through
the same writers), for the export page's preview and the API.

Reviewers appear as "Reviewer 1", "Reviewer 2"… and the moderators who decided gold spans
as "Moderator 1", "Moderator 2"…, unless a manager asks for names: people who annotate
human-rights material can be at risk.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import asdict
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from annotator import __version__
from annotator.formats.corpus import ExportCategory, ExportDocument
from annotator.models import DocumentStatus, Project, Role
from annotator.selectors.exporting import (
    ExportLayer,
    export_document_ids,
    export_documents,
    export_incident_count,
    export_incident_roles,
    export_reviewer_names,
    export_span_count,
)
from annotator.selectors.incidents import incident_role_specs
from annotator.selectors.projects import category_list, submitted_version_range
from annotator.selectors.relations import (
    export_relation_count,
    export_relation_types,
    relation_type_specs,
)
from annotator.services.audit import audit_record
from annotator.services.exporting.formats import FORMATS, ExportFormat, Files, WriteContext
from annotator.services.exporting.options import Export, ExportError, ExportOptions
from annotator.services.exporting.stream import encoded, zip_stream
from annotator.services.exporting.summary import SUMMARY_COUNTS, ExportSummary, Recorder
from annotator.services.snapshot import read_snapshot
from annotator.taxonomy_incidents import incident_roles_data
from annotator.taxonomy_relations import relation_types_data

__all__ = [
    "FORMATS",
    "SUMMARY_COUNTS",
    "Export",
    "ExportError",
    "ExportFormat",
    "ExportOptions",
    "ExportSummary",
    "export_start",
    "export_summary",
]


def _checked(*, project: Project, options: ExportOptions, role: str) -> list[int]:
    """Refuse an export that cannot be made as asked; the ids of the documents it covers."""
    fmt = FORMATS.get(options.format)
    if fmt is None:
        raise ExportError(f"Unknown format {options.format!r}; choose one of {', '.join(FORMATS)}.")
    if options.layer not in ExportLayer.values:
        raise ExportError(f"Unknown layer {options.layer!r}; choose gold, reviewers or all.")
    if options.status and options.status not in DocumentStatus.values:
        raise ExportError(f"Unknown document status {options.status!r}.")
    if options.names and role != Role.MANAGER:
        raise ExportError("Only a manager may export reviewers' names instead of pseudonyms.")
    if (
        options.category
        and not category_list(project=project).filter(code=options.category).exists()
    ):
        raise ExportError(f"The project has no category {options.category!r}.")
    missing = fmt.unavailable() if fmt.unavailable else ""
    if missing:
        raise ExportError(missing)
    document_ids = export_document_ids(
        project=project, status=options.status, since=options.since, until=options.until
    )
    if not document_ids:
        raise ExportError("No document matches these filters.")
    span_count = export_span_count(
        document_ids=document_ids, layer=options.layer, category=options.category
    )
    if not span_count:
        raise ExportError(_empty_layer_message(options))
    return document_ids


def export_start(
    *,
    project: Project,
    options: ExportOptions,
    actor: User | None,
    role: str = Role.MANAGER,
    progress: Callable[[int], None] | None = None,
) -> Export:
    """Check an export request, audit it, and return its stream (not yet produced)."""
    document_ids = _checked(project=project, options=options, role=role)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="corpus.export",
            object_type="project",
            object_id=project.pk,
            project=project,
            after={**options.described(), "documents": len(document_ids)},
        )
    return _export(project, options, len(document_ids), progress, dry_run=False)


def export_summary(
    *, project: Project, options: ExportOptions, role: str = Role.MANAGER
) -> ExportSummary:
    """What the export asked for would hold, without keeping it: a dry run through the same
    writers, so the numbers are those of the file. Takes as long as the export itself, and
    is not in the audit log: nothing but these counts leaves the database."""
    document_ids = _checked(project=project, options=options, role=role)
    export = _export(project, options, len(document_ids), None, dry_run=True)
    for _ in export.chunks:
        pass
    if export.summary is None:
        raise RuntimeError("The export's stream ended without its summary.")
    return export.summary


def _export(
    project: Project,
    options: ExportOptions,
    documents: int,
    progress: Callable[[int], None] | None,
    *,
    dry_run: bool,
) -> Export:
    created = timezone.now()
    stem = f"{project.slug}-{options.layer}-{created:%Y%m%dT%H%M%SZ}"
    manifest: dict[str, Any] = {
        "product": f"annotator {__version__}",
        "project": {"slug": project.slug, "name": project.name},
        "format": options.format,
        "layer": options.layer,
        "filters": {
            key: value
            for key, value in options.described().items()
            if key in ("status", "category", "since", "until")
        },
        "reviewers": _naming(options),
        "created": created.isoformat(),
        "offsets": "Unicode code points into each document's canonical text, half-open",
    }
    fmt = FORMATS[options.format]
    zipped = options.bundle or fmt.archive
    export = Export(
        filename=f"{stem}{'-bundle' if options.bundle else ''}.zip"
        if zipped
        else stem + fmt.suffix,
        content_type="application/zip" if zipped else fmt.content_type,
        chunks=iter(()),
        documents=documents,
        manifest=manifest,
    )

    def produce() -> Iterator[bytes]:
        # Everything below reads in the snapshot: the documents, their spans and the
        # names, and the count the W3C collection announces.
        recorder = Recorder(export, _documents(project, options, progress), fmt.writer_counts)
        # Which guidelines and taxonomy the reviewers worked under ("versions 3–5").
        manifest["taxonomy_versions"] = submitted_version_range(
            project=project, documents=_document_ids(project, options)
        ).as_dict()
        context = WriteContext(
            project=project,
            options=options,
            documents=recorder,
            categories=_categories(project),
            span_count=lambda: _span_count(project, options),
            relation_count=lambda: _relation_count(project, options),
            relation_types=export_relation_types(project=project),
            incident_count=lambda: _incident_count(project, options),
            incident_roles=export_incident_roles(project=project),
        )
        entries = _entries(fmt, context, stem)
        if dry_run:
            for _, pieces in entries:
                for _ in pieces:
                    pass
        elif zipped:
            yield from zip_stream(entries, manifest, options.bundle)
        else:
            for _, pieces in entries:
                yield from encoded(pieces)

    export.chunks = _in_snapshot(produce)
    return export


def _in_snapshot(produce: Callable[[], Iterator[bytes]]) -> Iterator[bytes]:
    """The chunks of ``produce()``, read in one snapshot that begins with the first chunk
    asked for and ends with the last, or when the stream is closed before then."""
    with read_snapshot():
        yield from produce()


def _naming(options: ExportOptions) -> str:
    if options.names:
        return (
            "user names, as a manager asked: reviewers in reviewer and proposed_by, "
            "moderators in decided_by"
        )
    return (
        "pseudonyms: reviewers (reviewer, proposed_by) are Reviewer 1, 2, … numbered by "
        "account among the people who annotated these documents; moderators (decided_by) are "
        "Moderator 1, 2, … numbered by account among the people who decided their gold spans; "
        "someone who did both has one pseudonym in each role, not linked"
    )


def _categories(project: Project) -> list[ExportCategory]:
    return [
        ExportCategory(
            c.code, c.name, c.definition, c.parent.code if c.parent else "", group=c.group
        )
        for c in category_list(project=project)
    ]


def _documents(
    project: Project, options: ExportOptions, progress: Callable[[int], None] | None
) -> Iterator[ExportDocument]:
    document_ids = export_document_ids(
        project=project, status=options.status, since=options.since, until=options.until
    )
    names = export_reviewer_names(
        project=project, document_ids=document_ids, real_names=options.names
    )
    documents = export_documents(
        project=project,
        document_ids=document_ids,
        layer=options.layer,
        names=names,
        category=options.category,
    )
    for n, document in enumerate(documents, start=1):
        yield document
        if progress:
            progress(n)


def _empty_layer_message(options: ExportOptions) -> str:
    which = {
        ExportLayer.GOLD: "The gold layer has no spans",
        ExportLayer.REVIEWERS: "No submitted reviewer layer has spans",
        ExportLayer.ALL: "No layer has spans",
    }[ExportLayer(options.layer)]
    hint = (
        " (the gold layer fills as moderators resolve items; choose --layer reviewers for the "
        "reviewers' own work)"
        if options.layer == ExportLayer.GOLD
        else ""
    )
    return f"{which} in the documents these filters select{hint}."


def _document_ids(project: Project, options: ExportOptions) -> list[int]:
    return export_document_ids(
        project=project, status=options.status, since=options.since, until=options.until
    )


def _span_count(project: Project, options: ExportOptions) -> int:
    """How many spans the export holds, read in its snapshot like the spans themselves."""
    document_ids = export_document_ids(
        project=project, status=options.status, since=options.since, until=options.until
    )
    return export_span_count(
        document_ids=document_ids, layer=options.layer, category=options.category
    )


def _relation_count(project: Project, options: ExportOptions) -> int:
    """How many relations the export holds, read in its snapshot like the relations."""
    return export_relation_count(
        document_ids=_document_ids(project, options),
        layer=options.layer,
        category=options.category,
    )


def _incident_count(project: Project, options: ExportOptions) -> int:
    """How many incidents the export holds, read in its snapshot like the incidents."""
    return export_incident_count(
        document_ids=_document_ids(project, options),
        layer=options.layer,
        category=options.category,
    )


def _entries(fmt: ExportFormat, context: WriteContext, stem: str) -> Files:
    """The files of the export, under its folder: the data file(s), then (for bundles) the
    taxonomy."""
    for name, pieces in fmt.write(context):
        yield f"{stem}/{name}", pieces
    if context.options.bundle:
        taxonomy = _bundle_taxonomy(context)
        yield f"{stem}/taxonomy.json", [json.dumps(taxonomy, ensure_ascii=False, indent=1)]


def _bundle_taxonomy(context: WriteContext) -> dict[str, Any]:
    """A bundle's ``taxonomy.json``: its categories (code, name, definition, parent, group),
    and the relation types and incident roles as a taxonomy file lists them, read in the
    export's snapshot. (Bundles made before there were relation types in it hold the bare
    list of categories; ``annotator.formats.bundle.taxonomy_file_data`` reads both.)"""
    return {
        "categories": [asdict(category) for category in context.categories],
        "relation_types": relation_types_data(relation_type_specs(project=context.project)),
        "incident_roles": incident_roles_data(incident_role_specs(project=context.project)),
    }
