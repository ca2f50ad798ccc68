"""Every schema of the JSON API, in one module: what goes in and what comes out."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import AfterValidator, field_validator
from pydantic_core import PydanticCustomError

from annotator.models import EvidenceStatus, SourceType
from annotator.services.annotations import NOTE_MAX_LENGTH
from annotator.services.exporting import SUMMARY_COUNTS

# The largest id the database holds (a signed 64-bit integer, Django's BigAutoField). A
# larger number in a URL is refused as invalid input before any query: SQLite cannot even
# bind it (OverflowError, a 500).
LARGEST_ID = 2**63 - 1
NUL_MESSAGE = "contains the NUL character (U+0000), which cannot be stored"


def without_nul(value: str) -> str:
    """``value`` unchanged; refused when it holds U+0000, which PostgreSQL cannot store in
    text (it would fail deep in a query with a DataError, a 500)."""
    if "\x00" in value:
        raise PydanticCustomError("nul_character", NUL_MESSAGE)
    return value


Id = Annotated[int, Field(ge=1, le=LARGEST_ID)]
Version = Annotated[
    int, Field(ge=1, le=LARGEST_ID, description="The version the change is based on.")
]
# Project slugs in URLs: only NUL is refused here; any other slug is simply not found.
Slug = Annotated[str, AfterValidator(without_nul)]


class ErrorOut(Schema):
    detail: str


class InputSchema(Schema):
    """What a caller sends: no text field may hold U+0000."""

    @field_validator("*")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if isinstance(value, str):
            without_nul(value)
        return value


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


class AnnotationIn(InputSchema):
    start: int = Field(ge=0, le=LARGEST_ID, description="Code-point offset where the span starts.")
    end: int = Field(gt=0, le=LARGEST_ID, description="Code-point offset just after the span.")
    quote: str = Field(min_length=1, description="Exactly the text between start and end.")
    category: str = Field(min_length=1, max_length=64, description="The category's code.")
    note: str = Field("", max_length=NOTE_MAX_LENGTH)
    evidence_status: EvidenceStatus = EvidenceStatus.UNKNOWN
    source_type: SourceType = SourceType.OTHER


class AnnotationPatch(InputSchema):
    version: Version
    start: int | None = Field(None, ge=0, le=LARGEST_ID)
    end: int | None = Field(None, gt=0, le=LARGEST_ID)
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
    run: int = Field(description="The import run that keeps this report.")
    report_url: str = Field(
        description="The run's report page (for the project's managers), kept after the "
        "request: what each file became, also when an import was cut short."
    )
    imported: int
    duplicates: int
    failed: int
    notes: int = Field(description="Rows that are notes (see outcome).")
    results: list[ImportResultOut]


class ExportQuery(InputSchema):
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


def responses(
    success: dict[int, Any],
    *,
    forbidden: bool = False,
    conflict: bool = False,
    too_large: bool = False,
) -> dict[int, Any]:
    """Every status an operation answers, for its OpenAPI description: ``success``, and the
    errors (a JSON object with ``detail``) that any operation can give, 400 invalid input,
    401 not authenticated and 404 not found (or not yours to see); with ``forbidden`` 403
    (not allowed, or a browser's missing CSRF token), with ``conflict`` 409 (a stale
    version, with the current annotation), with ``too_large`` 413 (a body or an upload over
    the limits)."""
    statuses: dict[int, Any] = {**success, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut}
    if forbidden:
        statuses[403] = ErrorOut
    if conflict:
        statuses[409] = ConflictOut
    if too_large:
        statuses[413] = ErrorOut
    return dict(sorted(statuses.items()))
