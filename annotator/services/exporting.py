"""Export a project's annotated corpus: one format, one layer, filters, streamed.

``export_start`` checks the request, records it in the audit log and returns an ``Export``
whose ``chunks`` produce the file as it is read: documents are fetched 200 at a time and
written at once, so memory stays flat whatever the corpus size. A *bundle* is a ZIP of the
data file(s), ``taxonomy.json`` (the categories with their definitions) and
``manifest.json``: what was exported and how, the count of spans per category, each
document's text SHA-256 and the SHA-256 of every file in the bundle, which
``manage.py verify_export`` checks. Reviewers appear as "Reviewer 1", "Reviewer 2"… unless a
manager asks for names: people who annotate human-rights material can be at risk.
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
from annotator.formats.tabular import SPAN_COLUMNS, csv_lines, span_rows
from annotator.models import DocumentStatus, EvidenceStatus, Project, Role, SourceType
from annotator.selectors import ExportLayer
from annotator.services.audit import audit_record

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


@dataclass
class Export:
    filename: str
    content_type: str
    chunks: Iterator[bytes]
    documents: int
    manifest: dict[str, Any] = field(default_factory=dict)


def export_start(
    *,
    project: Project,
    options: ExportOptions,
    actor: AbstractBaseUser | None,
    role: str = Role.MANAGER,
    progress: Callable[[int], None] | None = None,
) -> Export:
    """Check an export request, audit it, and return its stream (not yet produced)."""
    if options.format not in FORMATS:
        raise ExportError(f"Unknown format {options.format!r}; choose one of {', '.join(FORMATS)}.")
    if options.layer not in ExportLayer.CHOICES:
        raise ExportError(f"Unknown layer {options.layer!r}; choose gold, reviewers or all.")
    if options.status and options.status not in DocumentStatus.values:
        raise ExportError(f"Unknown document status {options.status!r}.")
    if options.names and role != Role.MANAGER:
        raise ExportError("Only a manager may export reviewers' names instead of pseudonyms.")
    categories = [
        ExportCategory(c.code, c.name, c.definition, c.parent.code if c.parent else "")
        for c in selectors.category_list(project=project).select_related("parent")
    ]
    if options.category and options.category not in {c.code for c in categories}:
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
    names = selectors.export_reviewer_names(
        project=project, document_ids=document_ids, real_names=options.names
    )
    created = timezone.now()
    stem = f"{project.slug}-{options.layer}-{created:%Y%m%dT%H%M%SZ}"
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="corpus.export",
            object_type="project",
            object_id=project.pk,
            project=project,
            after={**options.described(), "documents": len(document_ids)},
        )

    def documents() -> Iterator[ExportDocument]:
        for n, document in enumerate(
            selectors.export_documents(
                project=project,
                document_ids=document_ids,
                layer=options.layer,
                names=names,
                category=options.category,
            ),
            start=1,
        ):
            yield document
            if progress:
                progress(n)

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
        "reviewers": "names" if options.names else "pseudonyms (Reviewer 1, 2, … in this export)",
        "created": created.isoformat(),
        "offsets": "Unicode code points into each document's canonical text, half-open",
    }
    export = Export(filename="", content_type="", chunks=iter(()), documents=len(document_ids))
    export.manifest = manifest
    counted = _Counting(documents(), manifest, span_count)
    suffix, content_type, _ = FORMATS[options.format]
    if options.bundle or options.format in ARCHIVES:
        export.filename = f"{stem}{'-bundle' if options.bundle else ''}.zip"
        export.content_type = "application/zip"
        export.chunks = _zip_stream(
            _entries(options, stem, counted, categories, project), manifest, options.bundle
        )
    else:
        export.filename = f"{stem}{suffix}"
        export.content_type = content_type
        export.chunks = _encoded(_single(options, counted, categories, project))
    return export


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


class _Counting:
    """Passes documents through, counting spans per category and noting each text's hash."""

    def __init__(
        self, documents: Iterator[ExportDocument], manifest: dict[str, Any], spans: int
    ) -> None:
        self._documents = documents
        self.expected_spans = spans
        self.categories: Counter[str] = Counter()
        self.hashes: list[dict[str, Any]] = []
        self.manifest = manifest

    def __iter__(self) -> Iterator[ExportDocument]:
        for document in self._documents:
            self.categories.update(span.category for span in document.spans)
            self.hashes.append({"id": document.id, "text_sha256": document.text_sha256})
            yield document
        self.manifest["documents"] = self.hashes
        self.manifest["document_count"] = len(self.hashes)
        self.manifest["spans_per_category"] = dict(sorted(self.categories.items()))
        self.manifest["spans"] = sum(self.categories.values())


def _single(
    options: ExportOptions,
    documents: _Counting,
    categories: list[ExportCategory],
    project: Project,
) -> Iterator[str | bytes]:
    """The one data file of a format, as text or bytes pieces."""
    if options.format == "jsonl":
        label_layer = "gold" if options.layer != ExportLayer.REVIEWERS else ""
        yield from jsonl_lines(documents, label_layer=label_layer)
    elif options.format == "csv":
        yield from csv_lines(SPAN_COLUMNS, span_rows(documents), bom=options.bom)
    elif options.format == "w3c":
        yield from w3c.w3c_collection_chunks(
            documents,
            collection_id=f"urn:annotator:{project.slug}:export:{options.layer}",
            label=f"{project.name}: {options.layer} layer",
            generated=documents.manifest["created"],
            document_iri=lambda document: f"urn:annotator:{project.slug}:document:{document.id}",
            total=documents.expected_spans,
            organization=project.name,
            category_names={category.code: category.name for category in categories},
        )
    elif options.format == "conll":
        report = conll.ConllReport()
        yield from conll.conll_lines(documents, report=report)
        documents.manifest["conll"] = report.as_dict()
    elif options.format == "spacy":
        data, stats = spacy_docbin.docbin_bytes(documents)
        documents.manifest["spacy"] = stats
        yield data


def _entries(
    options: ExportOptions,
    stem: str,
    documents: _Counting,
    categories: list[ExportCategory],
    project: Project,
) -> Iterator[tuple[str, Iterable[str | bytes]]]:
    """The files of a ZIP: the data file(s), then (for bundles) the taxonomy."""
    if options.format == "brat":
        report = brat.BratReport()
        attributes = {"evidence_status": EvidenceStatus.values, "source_type": SourceType.values}
        for name, content in brat.brat_files(documents, categories, attributes, report=report):
            yield f"{stem}/{name}", [content]
        documents.manifest["brat"] = report.as_dict()
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
