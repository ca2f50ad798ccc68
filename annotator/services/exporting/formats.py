"""The export formats, one registry: each format's name, file suffix, content type, label,
and the writer that turns the corpus into its file(s).

A writer gets a ``WriteContext`` and yields the export's data files as ``(name, pieces)``,
``name`` inside the export and ``pieces`` the file's text or bytes as they are made; when a
file is complete it calls ``context.documents.finish`` with its report (or none), so the
export's summary is what the file holds. Adding a format is one writer and one entry here.

CSV holds one table a file: the spans' is the export (``corpus.csv``), and in a bundle the
relations' travels beside it as ``relations.csv``, and the incidents' as ``incidents.csv``.
A plain CSV download stays one file of spans, as spreadsheets and scripts expect; its
summary says how many relations and incidents it left out.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from annotator.formats import brat, conll, huridocs, spacy_docbin, w3c
from annotator.formats.corpus import (
    ExportCategory,
    ExportDocument,
    ExportIncidentRole,
    ExportRelationType,
)
from annotator.formats.jsonl import jsonl_lines
from annotator.formats.tabular import (
    ESCAPED_COLUMN,
    RELATION_COLUMNS,
    SPAN_COLUMNS,
    csv_lines,
    incident_columns,
    incident_records,
    incident_row,
    relation_rows,
    span_rows,
)
from annotator.models import EvidenceStatus, Project, SourceType
from annotator.selectors.exporting import ExportLayer
from annotator.services.exporting.options import ExportOptions
from annotator.services.exporting.summary import Recorder

Files = Iterator[tuple[str, Iterable[str | bytes]]]


@dataclass(frozen=True)
class WriteContext:
    project: Project
    options: ExportOptions
    documents: Recorder
    categories: list[ExportCategory]
    span_count: Callable[[], int]
    """How many spans the export holds, read in its snapshot (W3C announces it first)."""
    relation_types: list[ExportRelationType] = field(default_factory=list)
    """The taxonomy's relation types, for the formats that declare them (brat)."""
    relation_count: Callable[[], int] = lambda: 0
    """How many relations the export holds, read in its snapshot (W3C announces them)."""
    incident_roles: list[ExportIncidentRole] = field(default_factory=list)
    """The taxonomy's incident roles, for the formats that declare or name them."""
    incident_count: Callable[[], int] = lambda: 0
    """How many incidents the export holds, read in its snapshot (W3C announces them)."""


@dataclass(frozen=True)
class ExportFormat:
    name: str
    suffix: str
    content_type: str
    label: str
    write: Callable[[WriteContext], Files]
    archive: bool = False
    """Always a ZIP of several files (brat), bundle or not."""
    binary: bool = False
    """Bytes rather than text (spaCy): never written to a terminal."""
    writer_counts: Mapping[str, str] = field(default_factory=dict)
    """Summary counts → the names in the writer's own report, for writers that keep one."""
    unavailable: Callable[[], str] | None = None
    """Why the format cannot be made on this installation, or an empty string."""


def _corpus(context: WriteContext, pieces: Iterable[str | bytes]) -> Files:
    fmt = FORMATS[context.options.format]
    yield f"corpus{fmt.suffix}", pieces


def _jsonl(context: WriteContext) -> Files:
    def lines() -> Iterator[str]:
        label_layer = "gold" if context.options.layer != ExportLayer.REVIEWERS else ""
        yield from jsonl_lines(context.documents, label_layer=label_layer)
        context.documents.finish(
            relations_written=context.documents.relations,
            incidents_written=context.documents.incidents,
        )

    return _corpus(context, lines())


def _csv(context: WriteContext) -> Files:
    if not context.options.bundle:
        yield from _corpus(context, _span_lines(context, context.documents, bundle=False))
        return
    # The relations and incidents are met with their documents, while the spans' file is
    # written; they wait on disk past a megabyte (one JSON row a line) so that memory stays
    # flat. The files last as long as this generator: until the last table is written or
    # the export is closed.
    with _spooled() as waiting, _spooled() as incidents:
        roles = [role.code for role in context.incident_roles]

        def documents() -> Iterator[ExportDocument]:
            for document in context.documents:
                for row in relation_rows(document):
                    waiting.write(json.dumps(row, ensure_ascii=False) + "\n")
                for record in incident_records(document):
                    roles.extend(role for role in record["roles"] if role not in roles)
                    incidents.write(json.dumps(record, ensure_ascii=False) + "\n")
                yield document

        def relation_lines() -> Iterator[str]:
            waiting.seek(0)
            yield from csv_lines(
                RELATION_COLUMNS,
                (json.loads(line) for line in waiting),
                bom=context.options.bom,
                escaped_column=ESCAPED_COLUMN,
            )

        def incident_lines() -> Iterator[str]:
            incidents.seek(0)
            yield from csv_lines(
                incident_columns(roles),
                (incident_row(json.loads(line), roles) for line in incidents),
                bom=context.options.bom,
                escaped_column=ESCAPED_COLUMN,
            )

        yield from _corpus(context, _span_lines(context, documents(), bundle=True))
        yield "relations.csv", relation_lines()
        yield "incidents.csv", incident_lines()


def _spooled() -> tempfile.SpooledTemporaryFile[str]:
    """A text file in memory up to a megabyte, then on disk."""
    return tempfile.SpooledTemporaryFile(max_size=1 << 20, mode="w+", encoding="utf-8")


def _span_lines(
    context: WriteContext, documents: Iterable[ExportDocument], *, bundle: bool
) -> Iterator[str]:
    yield from csv_lines(
        SPAN_COLUMNS,
        span_rows(documents),
        bom=context.options.bom,
        escaped_column=ESCAPED_COLUMN,
    )
    relations, incidents = context.documents.relations, context.documents.incidents
    context.documents.finish(
        relations_written=relations if bundle else 0,
        incidents_written=incidents if bundle else 0,
    )


def _w3c(context: WriteContext) -> Files:
    project, layer = context.project, context.options.layer

    def chunks() -> Iterator[str]:
        yield from w3c.w3c_collection_chunks(
            context.documents,
            collection_id=f"urn:annotator:{project.slug}:export:{layer}",
            label=f"{project.name}: {layer} layer",
            generated=context.documents.manifest["created"],
            document_iri=lambda document: f"urn:annotator:{project.slug}:document:{document.id}",
            total=context.span_count() + context.relation_count() + context.incident_count(),
            organization=project.name,
            category_names={category.code: category.name for category in context.categories},
            relation_names={kind.code: kind.name for kind in context.relation_types},
            role_names={role.code: role.name for role in context.incident_roles},
        )
        context.documents.finish(
            relations_written=context.documents.relations,
            incidents_written=context.documents.incidents,
        )

    return _corpus(context, chunks())


def _conll(context: WriteContext) -> Files:
    def lines() -> Iterator[str]:
        report = conll.ConllReport()
        yield from conll.conll_lines(context.documents, report=report)
        context.documents.finish(report.as_dict())

    return _corpus(context, lines())


def _spacy(context: WriteContext) -> Files:
    def data() -> Iterator[bytes]:
        serialised, stats = spacy_docbin.docbin_bytes(context.documents)
        context.documents.finish(stats)
        yield serialised

    return _corpus(context, data())


def _brat(context: WriteContext) -> Files:
    report = brat.BratReport()
    attributes = {"evidence_status": EvidenceStatus.values, "source_type": SourceType.values}
    for name, content in brat.brat_files(
        context.documents,
        context.categories,
        attributes,
        report=report,
        relation_types=context.relation_types,
        incident_roles=context.incident_roles,
    ):
        yield name, [content]
    context.documents.finish(report.as_dict())


def _huridocs(context: WriteContext) -> Files:
    def chunks() -> Iterator[str]:
        report = huridocs.HuridocsReport()
        yield from huridocs.huridocs_chunks(
            context.documents,
            generated=context.documents.manifest["created"],
            project=context.project.name,
            category_names={category.code: category.name for category in context.categories},
            role_names={role.code: role.name for role in context.incident_roles},
            report=report,
        )
        context.documents.finish(report.as_dict(), relations_written=0)

    return _corpus(context, chunks())


def _spacy_missing() -> str:
    return "" if spacy_docbin.spacy_available() else spacy_docbin.SPACY_MISSING


FORMATS: dict[str, ExportFormat] = {
    fmt.name: fmt
    for fmt in (
        ExportFormat(
            "jsonl",
            ".jsonl",
            "application/jsonl; charset=utf-8",
            "JSON Lines (doccano-compatible)",
            _jsonl,
        ),
        ExportFormat("csv", ".csv", "text/csv; charset=utf-8", "CSV, one row per span", _csv),
        ExportFormat(
            "w3c",
            ".jsonld",
            "application/ld+json; charset=utf-8",
            "W3C Web Annotation (JSON-LD)",
            _w3c,
        ),
        ExportFormat(
            "brat",
            ".zip",
            "application/zip",
            "brat standoff (ZIP of .txt, .ann, annotation.conf)",
            _brat,
            archive=True,
            writer_counts={
                "spans_written": "spans",
                "dropped_line_breaks_only": "skipped",
                "fragmented": "fragmented",
            },
        ),
        ExportFormat(
            "conll",
            ".conll",
            "text/plain; charset=utf-8",
            "CoNLL IOB2 tokens",
            _conll,
            writer_counts={
                "spans_written": "spans_written",
                "dropped_overlapping": "spans_overlapping",
                "dropped_without_tokens": "spans_without_tokens",
                "widened": "spans_widened",
            },
        ),
        ExportFormat(
            "spacy",
            ".spacy",
            "application/octet-stream",
            "spaCy DocBin",
            _spacy,
            binary=True,
            writer_counts={
                "spans_written": "spans",
                "entities": "entities",
                "dropped_without_tokens": "not_aligned",
                "not_in_entities": "not_in_entities",
                "widened": "expanded",
            },
            unavailable=_spacy_missing,
        ),
        ExportFormat(
            "huridocs",
            ".json",
            "application/json; charset=utf-8",
            "HURIDOCS-style events (JSON: incidents with their acts, victims, perpetrators, "
            "places, dates and sources, each citing its evidence spans)",
            _huridocs,
            writer_counts={"spans_written": "spans"},
        ),
    )
}
