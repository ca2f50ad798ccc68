"""Export a project's annotated corpus: one format, one layer, filters, streamed.

``export_start`` checks the request, records it in the audit log and returns an ``Export``
whose ``chunks`` produce the file as it is read: documents are fetched 200 at a time and
written at once, so memory stays flat whatever the corpus size. Everything the file holds
is read in one snapshot of the database (``annotator.services.snapshot``), opened when the
stream starts and closed when it ends or is closed early, so that the file is the corpus at
one moment however long the download takes and whatever others save meanwhile.

A *bundle* is a ZIP of the data file(s), ``taxonomy.json`` (the categories with their
definitions) and ``manifest.json``: what was exported and how, the count of spans per
category, each document's text SHA-256 and the SHA-256 of every file in the bundle, which
``manage.py verify_export`` checks.

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

import datetime
import hashlib
import json
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from annotator import __version__, selectors
from annotator.formats import brat, conll, spacy_docbin, w3c
from annotator.formats.corpus import ExportCategory, ExportDocument
from annotator.formats.jsonl import jsonl_lines
from annotator.formats.tabular import ESCAPED_COLUMN, SPAN_COLUMNS, csv_lines, span_rows
from annotator.models import DocumentStatus, EvidenceStatus, Project, Role, SourceType
from annotator.selectors import ExportLayer
from annotator.services.audit import audit_record
from annotator.services.snapshot import read_snapshot

FORMATS = {
    # name: (file suffix, content type, label)
    "jsonl": (".jsonl", "application/jsonl; charset=utf-8", "JSON Lines (doccano-compatible)"),
    "csv": (".csv", "text/csv; charset=utf-8", "CSV, one row per span"),
    "w3c": (".jsonld", "application/ld+json; charset=utf-8", "W3C Web Annotation (JSON-LD)"),
    "brat": (".zip", "application/zip", "brat standoff (ZIP of .txt, .ann, annotation.conf)"),
    "conll": (".conll", "text/plain; charset=utf-8", "CoNLL IOB2 tokens"),
    "spacy": (".spacy", "application/octet-stream", "spaCy DocBin"),
}
ARCHIVES = {"brat"}
# What an export's summary counts, in the order it is shown; each format has some of these.
SUMMARY_COUNTS = {
    "spans_selected": "spans selected (layer and filters)",
    "spans_written": "spans written",
    "entities": "entities (doc.ents, which cannot overlap)",
    "dropped_overlapping": "dropped, overlapping a span kept before them",
    "dropped_without_tokens": "dropped, covering no token (whitespace only)",
    "dropped_line_breaks_only": "dropped, line breaks only (brat cannot mark them)",
    "not_in_entities": "not entities, overlapping a longer span (kept in the span group)",
    "widened": "widened to token boundaries",
    "fragmented": "split into fragments at line breaks",
}
# For the writers that report what they did: a summary count → the writer's own name for it.
# The other formats write every span they are given.
_WRITER_COUNTS = {
    "conll": {
        "spans_written": "spans_written",
        "dropped_overlapping": "spans_overlapping",
        "dropped_without_tokens": "spans_without_tokens",
        "widened": "spans_widened",
    },
    "spacy": {
        "spans_written": "spans",
        "entities": "entities",
        "dropped_without_tokens": "not_aligned",
        "not_in_entities": "not_in_entities",
        "widened": "expanded",
    },
    "brat": {
        "spans_written": "spans",
        "dropped_line_breaks_only": "skipped",
        "fragmented": "fragmented",
    },
}


class ExportError(ValueError):
    """The export cannot be made as asked; the message says why."""


@dataclass(frozen=True)
class ExportOptions:
    format: str
    layer: str = ExportLayer.GOLD
    status: str = ""
    category: str = ""
    since: datetime.date | None = None
    until: datetime.date | None = None
    names: bool = False
    bundle: bool = False
    bom: bool = False

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> ExportOptions:
        """The options named in ``values`` (a form's cleaned data, a command's options);
        other keys are ignored and missing ones keep their defaults."""
        return cls(**{f.name: values[f.name] for f in fields(cls) if f.name in values})

    def described(self) -> dict[str, Any]:
        described = asdict(self)
        for key in ("since", "until"):
            described[key] = described[key].isoformat() if described[key] else None
        return described


@dataclass(frozen=True)
class ExportSummary:
    """What an export's file holds, counted by the writer that made it.

    ``counts`` has the keys of ``SUMMARY_COUNTS`` that apply to the format, in that order:
    ``spans_selected`` (what the layer and filters hold), ``spans_written`` (in the file),
    and for CoNLL, spaCy and brat what was dropped, widened or split. ``categories`` has the
    same counts for each category code of the spans selected.
    """

    format: str
    layer: str
    documents: int
    counts: dict[str, int]
    categories: dict[str, dict[str, int]]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def labels(self) -> dict[str, str]:
        """The counts' keys, in order, with what each means."""
        return {key: SUMMARY_COUNTS[key] for key in self.counts}


@dataclass
class Export:
    filename: str
    content_type: str
    chunks: Iterator[bytes]
    documents: int
    manifest: dict[str, Any] = field(default_factory=dict)
    summary: ExportSummary | None = None
    """Set when the stream has been read to its end."""


def _checked(*, project: Project, options: ExportOptions, role: str) -> list[int]:
    """Refuse an export that cannot be made as asked; the ids of the documents it covers."""
    if options.format not in FORMATS:
        raise ExportError(f"Unknown format {options.format!r}; choose one of {', '.join(FORMATS)}.")
    if options.layer not in ExportLayer.CHOICES:
        raise ExportError(f"Unknown layer {options.layer!r}; choose gold, reviewers or all.")
    if options.status and options.status not in DocumentStatus.values:
        raise ExportError(f"Unknown document status {options.status!r}.")
    if options.names and role != Role.MANAGER:
        raise ExportError("Only a manager may export reviewers' names instead of pseudonyms.")
    if (
        options.category
        and not selectors.category_list(project=project).filter(code=options.category).exists()
    ):
        raise ExportError(f"The project has no category {options.category!r}.")
    if options.format == "spacy" and not spacy_docbin.spacy_available():
        raise ExportError(spacy_docbin.SPACY_MISSING)
    document_ids = selectors.export_document_ids(
        project=project, status=options.status, since=options.since, until=options.until
    )
    if not document_ids:
        raise ExportError("No document matches these filters.")
    span_count = selectors.export_span_count(
        document_ids=document_ids, layer=options.layer, category=options.category
    )
    if not span_count:
        raise ExportError(_empty_layer_message(options))
    return document_ids


def export_start(
    *,
    project: Project,
    options: ExportOptions,
    actor: AbstractBaseUser | None,
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
    suffix, content_type, _ = FORMATS[options.format]
    zipped = options.bundle or options.format in ARCHIVES
    export = Export(
        filename=f"{stem}{'-bundle' if options.bundle else ''}.zip" if zipped else stem + suffix,
        content_type="application/zip" if zipped else content_type,
        chunks=iter(()),
        documents=documents,
        manifest=manifest,
    )

    def produce() -> Iterator[bytes]:
        # Everything below reads in the snapshot: the documents, their spans and the
        # names, and the count the W3C collection announces.
        recorder = _Recorder(export, _documents(project, options, progress))
        entries = _entries(options, stem, recorder, _categories(project), project)
        if dry_run:
            for _, pieces in entries:
                for _ in pieces:
                    pass
        elif zipped:
            yield from _zip_stream(entries, manifest, options.bundle)
        else:
            for _, pieces in entries:
                yield from _encoded(pieces)

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
        ExportCategory(c.code, c.name, c.definition, c.parent.code if c.parent else "")
        for c in selectors.category_list(project=project)
    ]


def _documents(
    project: Project, options: ExportOptions, progress: Callable[[int], None] | None
) -> Iterator[ExportDocument]:
    document_ids = selectors.export_document_ids(
        project=project, status=options.status, since=options.since, until=options.until
    )
    names = selectors.export_reviewer_names(
        project=project, document_ids=document_ids, real_names=options.names
    )
    documents = selectors.export_documents(
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
    }[options.layer]
    hint = (
        " (the gold layer fills as moderators resolve items; choose --layer reviewers for the "
        "reviewers' own work)"
        if options.layer == ExportLayer.GOLD
        else ""
    )
    return f"{which} in the documents these filters select{hint}."


class _Recorder:
    """Passes documents to the writer, counting spans per category and noting each text's
    hash; once the writer is done, ``finish`` puts its summary on the export and in the
    manifest."""

    def __init__(self, export: Export, documents: Iterator[ExportDocument]) -> None:
        self.export = export
        self.manifest = export.manifest
        self._documents = documents
        self.categories: Counter[str] = Counter()
        self.hashes: list[dict[str, Any]] = []

    def __iter__(self) -> Iterator[ExportDocument]:
        for document in self._documents:
            self.categories.update(span.category for span in document.spans)
            self.hashes.append({"id": document.id, "text_sha256": document.text_sha256})
            yield document

    def finish(self, report: Mapping[str, Any] | None = None) -> None:
        """Record what the file holds. ``report`` is the writer's, for the writers that keep
        one (CoNLL, spaCy, brat); the others write every span they are given."""
        fmt = self.manifest["format"]
        selected = dict(sorted(self.categories.items()))
        per_category = report.get("categories", {}) if report is not None else {}

        def counts(spans: int, reported: Mapping[str, int]) -> dict[str, int]:
            if report is None:
                found = {"spans_selected": spans, "spans_written": spans}
            else:
                found = {"spans_selected": spans}
                found |= {key: reported.get(name, 0) for key, name in _WRITER_COUNTS[fmt].items()}
            return {key: found[key] for key in SUMMARY_COUNTS if key in found}

        summary = ExportSummary(
            format=fmt,
            layer=self.manifest["layer"],
            documents=len(self.hashes),
            counts=counts(sum(selected.values()), report or {}),
            categories={
                code: counts(spans, per_category.get(code, {})) for code, spans in selected.items()
            },
        )
        self.export.summary = summary
        self.manifest["documents"] = self.hashes
        self.manifest["document_count"] = len(self.hashes)
        self.manifest["spans_per_category"] = selected
        self.manifest["spans"] = sum(selected.values())
        if report is not None:
            self.manifest[fmt] = dict(report)
        self.manifest["summary"] = summary.as_dict()


def _single(
    options: ExportOptions,
    documents: _Recorder,
    categories: list[ExportCategory],
    project: Project,
) -> Iterator[str | bytes]:
    """The one data file of a format, as text or bytes pieces."""
    if options.format == "jsonl":
        label_layer = "gold" if options.layer != ExportLayer.REVIEWERS else ""
        yield from jsonl_lines(documents, label_layer=label_layer)
        documents.finish()
    elif options.format == "csv":
        yield from csv_lines(
            SPAN_COLUMNS, span_rows(documents), bom=options.bom, escaped_column=ESCAPED_COLUMN
        )
        documents.finish()
    elif options.format == "w3c":
        yield from w3c.w3c_collection_chunks(
            documents,
            collection_id=f"urn:annotator:{project.slug}:export:{options.layer}",
            label=f"{project.name}: {options.layer} layer",
            generated=documents.manifest["created"],
            document_iri=lambda document: f"urn:annotator:{project.slug}:document:{document.id}",
            total=_span_count(project, options),
            organization=project.name,
            category_names={category.code: category.name for category in categories},
        )
        documents.finish()
    elif options.format == "conll":
        report = conll.ConllReport()
        yield from conll.conll_lines(documents, report=report)
        documents.finish(report.as_dict())
    elif options.format == "spacy":
        data, stats = spacy_docbin.docbin_bytes(documents)
        documents.finish(stats)
        yield data


def _span_count(project: Project, options: ExportOptions) -> int:
    """How many spans the export holds, read in its snapshot like the spans themselves."""
    document_ids = selectors.export_document_ids(
        project=project, status=options.status, since=options.since, until=options.until
    )
    return selectors.export_span_count(
        document_ids=document_ids, layer=options.layer, category=options.category
    )


def _entries(
    options: ExportOptions,
    stem: str,
    documents: _Recorder,
    categories: list[ExportCategory],
    project: Project,
) -> Iterator[tuple[str, Iterable[str | bytes]]]:
    """The files of the export: the data file(s), then (for bundles) the taxonomy."""
    if options.format == "brat":
        report = brat.BratReport()
        attributes = {"evidence_status": EvidenceStatus.values, "source_type": SourceType.values}
        for name, content in brat.brat_files(documents, categories, attributes, report=report):
            yield f"{stem}/{name}", [content]
        documents.finish(report.as_dict())
    else:
        suffix = FORMATS[options.format][0]
        yield f"{stem}/corpus{suffix}", _single(options, documents, categories, project)
    if options.bundle:
        taxonomy = [asdict(category) for category in categories]
        yield f"{stem}/taxonomy.json", [json.dumps(taxonomy, ensure_ascii=False, indent=1)]


class _Sink:
    """A write-only file for ``zipfile`` whose bytes are taken away as they come."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def write(self, data: bytes) -> int:
        self._buffer += data
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = bytes(self._buffer)
        self._buffer.clear()
        return data


def _zip_stream(
    entries: Iterator[tuple[str, Iterable[str | bytes]]], manifest: dict[str, Any], bundle: bool
) -> Iterator[bytes]:
    """A ZIP produced entry by entry; a bundle ends with its manifest of file hashes."""
    sink = _Sink()
    files: dict[str, str] = {}
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:  # type: ignore[arg-type]
        root = ""
        for name, pieces in entries:
            root = name.split("/", 1)[0]
            digest = hashlib.sha256()
            with archive.open(name, "w", force_zip64=True) as entry:
                for piece in pieces:
                    data = piece.encode("utf-8") if isinstance(piece, str) else piece
                    digest.update(data)
                    entry.write(data)
                    if len(sink._buffer) > 1 << 16:
                        yield sink.take()
            files[name.split("/", 1)[1]] = digest.hexdigest()
            yield sink.take()
        if bundle:
            manifest["files"] = files
            archive.writestr(
                f"{root}/manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1)
            )
    yield sink.take()


def _encoded(pieces: Iterable[str | bytes]) -> Iterator[bytes]:
    """Pieces as bytes, gathered into blocks of about 64 KiB for the network."""
    block: list[bytes] = []
    size = 0
    for piece in pieces:
        data = piece.encode("utf-8") if isinstance(piece, str) else piece
        block.append(data)
        size += len(data)
        if size >= 1 << 16:
            yield b"".join(block)
            block, size = [], 0
    if block:
        yield b"".join(block)
