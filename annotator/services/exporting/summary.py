"""What an export's file holds: counted as the writer writes it, recorded at its end."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from annotator.formats.corpus import ExportDocument
from annotator.services.exporting.options import Export

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


@dataclass(frozen=True)
class ExportSummary:
    """What an export's file holds, counted by the writer that made it.

    ``counts`` has the keys of ``SUMMARY_COUNTS`` that apply to the format, in that order:
    ``spans_selected`` (what the layer and filters hold), ``spans_written`` (in the file),
    and for CoNLL, spaCy and brat what was dropped, widened or split. ``categories`` has the
    same counts for each category code of the spans selected. ``relations`` counts the
    relations between the spans selected (``selected``: reviewers' layers have them) and
    those the file holds (``written``): brat, JSONL and W3C write them, CSV in a bundle
    (as ``relations.csv``), CoNLL and spaCy cannot. ``incidents`` counts the same way the
    incidents whose act is among the spans selected and those the file holds: JSONL, W3C,
    brat and HURIDOCS write them, CSV in a bundle (as ``incidents.csv``), CoNLL and spaCy
    cannot.
    """

    format: str
    layer: str
    documents: int
    counts: dict[str, int]
    categories: dict[str, dict[str, int]]
    relations: dict[str, int] = field(default_factory=dict)
    incidents: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def labels(self) -> dict[str, str]:
        """The counts' keys, in order, with what each means."""
        return {key: SUMMARY_COUNTS[key] for key in self.counts}


class Recorder:
    """Passes documents to the writer, counting spans per category and noting each text's
    hash; once the writer is done, ``finish`` puts its summary on the export and in the
    manifest.

    ``writer_counts`` maps summary counts to the names in the writer's own report, for the
    writers that keep one (CoNLL, spaCy, brat); the others write every span they are given.
    """

    def __init__(
        self,
        export: Export,
        documents: Iterator[ExportDocument],
        writer_counts: Mapping[str, str],
    ) -> None:
        self.export = export
        self.manifest = export.manifest
        self._documents = documents
        self._writer_counts = writer_counts
        self.categories: Counter[str] = Counter()
        self.relations = 0
        """How many relations the documents passed so far hold."""
        self.incidents = 0
        """How many incidents the documents passed so far hold."""
        self.hashes: list[dict[str, Any]] = []

    def __iter__(self) -> Iterator[ExportDocument]:
        for document in self._documents:
            self.categories.update(span.category for span in document.spans)
            self.relations += len(document.relations)
            self.incidents += len(document.incidents)
            self.hashes.append({"id": document.id, "text_sha256": document.text_sha256})
            yield document

    def finish(
        self,
        report: Mapping[str, Any] | None = None,
        *,
        relations_written: int | None = None,
        incidents_written: int | None = None,
    ) -> None:
        """Record what the file holds; ``report`` is the writer's own, if it keeps one.
        ``relations_written`` is how many relations the file holds; by default the report's
        ``relations`` (brat counts them), else none. ``incidents_written`` likewise, by
        default the report's ``incidents``."""
        if relations_written is None:
            relations_written = int((report or {}).get("relations", 0))
        if incidents_written is None:
            incidents_written = int((report or {}).get("incidents", 0))
        fmt = self.manifest["format"]
        selected = dict(sorted(self.categories.items()))
        per_category = report.get("categories", {}) if report is not None else {}

        def counts(spans: int, reported: Mapping[str, int]) -> dict[str, int]:
            if report is None:
                found = {"spans_selected": spans, "spans_written": spans}
            else:
                found = {"spans_selected": spans}
                found |= {key: reported.get(name, 0) for key, name in self._writer_counts.items()}
            return {key: found[key] for key in SUMMARY_COUNTS if key in found}

        summary = ExportSummary(
            format=fmt,
            layer=self.manifest["layer"],
            documents=len(self.hashes),
            counts=counts(sum(selected.values()), report or {}),
            categories={
                code: counts(spans, per_category.get(code, {})) for code, spans in selected.items()
            },
            relations={"selected": self.relations, "written": relations_written},
            incidents={"selected": self.incidents, "written": incidents_written},
        )
        self.export.summary = summary
        self.manifest["documents"] = self.hashes
        self.manifest["document_count"] = len(self.hashes)
        self.manifest["spans_per_category"] = selected
        self.manifest["spans"] = sum(selected.values())
        self.manifest["relations"] = self.relations
        self.manifest["incidents"] = self.incidents
        if report is not None:
            self.manifest[fmt] = dict(report)
        self.manifest["summary"] = summary.as_dict()
