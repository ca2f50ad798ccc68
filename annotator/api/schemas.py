"""Every schema of the JSON API, in one module: what goes in and what comes out."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from ninja import Field, Schema

from annotator.models import EvidenceStatus, SourceType
from annotator.services.annotations import NOTE_MAX_LENGTH
from annotator.services.exporting import SUMMARY_COUNTS


class ErrorOut(Schema):
    detail: str


class CategoryOut(Schema):
    code: str
    name: str
    definition: str
    colour: str
    shortcut: str
    parent: str | None


class DocumentOut(Schema):
    id: int
    project: str
    title: str
    text: str
    text_sha256: str
    text_length: int = Field(description="Length in Unicode code points.")
    language: str
    direction: str
    source_sha256: str


class AnnotationOut(Schema):
    id: int
    document: int
    start: int = Field(description="Code-point offset where the span starts.")
    end: int = Field(description="Code-point offset just after the span (half-open).")
    quote: str
    category: str
    note: str
    evidence_status: EvidenceStatus
    source_type: SourceType
    version: int
    created_at: datetime
    updated_at: datetime


class ConflictOut(Schema):
    detail: str
    current: AnnotationOut


class AnnotationIn(Schema):
    start: int = Field(ge=0, description="Code-point offset where the span starts.")
    end: int = Field(gt=0, description="Code-point offset just after the span.")
    quote: str = Field(min_length=1, description="Exactly the text between start and end.")
    category: str = Field(min_length=1, max_length=64, description="The category's code.")
    note: str = Field("", max_length=NOTE_MAX_LENGTH)
    evidence_status: EvidenceStatus = EvidenceStatus.UNKNOWN
    source_type: SourceType = SourceType.OTHER


class AnnotationPatch(Schema):
    version: int = Field(ge=1, description="The version the change is based on.")
    start: int | None = Field(None, ge=0)
    end: int | None = Field(None, gt=0)
    quote: str | None = Field(None, min_length=1, description="Required when moving a boundary.")
    category: str | None = Field(None, min_length=1, max_length=64)
    note: str | None = Field(None, max_length=NOTE_MAX_LENGTH)
    evidence_status: EvidenceStatus | None = None
    source_type: SourceType | None = None


class ImportResultOut(Schema):
    name: str = Field(description="The file (or archive member, or corpus line).")
    outcome: Literal["imported", "duplicate", "failed", "note"] = Field(
        description="imported, duplicate or failed; note for a file that is no document and "
        "nothing wrong: a bundle's manifest.json (verified) or taxonomy.json (its categories, "
        "and those the project lacks, loaded with load_taxonomy)."
    )
    reason: str
    document: int | None = Field(description="The new document, or the one it duplicates.")
    spans: int = Field(description="Spans imported with it into its import layer.")


class ImportReportOut(Schema):
    imported: int
    duplicates: int
    failed: int
    notes: int = Field(description="Rows that are notes (see outcome).")
    results: list[ImportResultOut]


class ExportQuery(Schema):
    format: str = Field(description="jsonl, csv, w3c, brat, conll or spacy.")
    layer: str = Field("gold", description="gold, reviewers (every submitted layer) or all.")
    status: str = Field("", description="Only documents with this status.")
    category: str = Field("", description="Only spans of this category code.")
    since: date | None = Field(None, description="Imported on or after this day.")
    until: date | None = Field(None, description="Imported on or before this day.")
    names: bool = Field(False, description="User names instead of pseudonyms (managers).")
    bundle: bool = Field(False, description="A ZIP with the taxonomy and a manifest.")
    bom: bool = Field(False, description="CSV: start with a UTF-8 byte-order mark.")


class ExportSummaryOut(Schema):
    format: str
    layer: str
    documents: int = Field(description="Documents in the file.")
    counts: dict[str, int] = Field(
        description="Spans, in all: "
        + "; ".join(f"{key}: {label}" for key, label in SUMMARY_COUNTS.items())
        + ". Each format has the counts that apply to it: spans_selected and spans_written "
        "always; CoNLL, spaCy and brat also what they dropped, widened or split."
    )
    categories: dict[str, dict[str, int]] = Field(
        description="The same counts for each category code of the spans selected."
    )
