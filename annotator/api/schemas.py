"""Every schema of the JSON API, in one module: what goes in and what comes out."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import AfterValidator, field_validator
from pydantic_core import PydanticCustomError

from annotator.models import (
    EvidenceStatus,
    GoldOrigin,
    ItemStatus,
    Resolution,
    ResolutionReason,
    SourceType,
)
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
    retired: bool = Field(False, description="Offered for no new span; kept on old ones.")


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
    status: str
    publisher: str
    source_url: str
    published_on: date | None
    source_filename: str
    content_type: str
    imported_at: datetime
    metadata: dict[str, str] = Field(description="The free metadata fields.")


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


# --- Moderation and the gold layer -------------------------------------------------------

RATIONALE_MAX_LENGTH = 5000
ProposedSpan = Annotated[
    list[Any],
    Field(
        description="[start, end, category, evidence status, source type, note]: one span of "
        "a reviewer's version."
    ),
]


class ItemOut(Schema):
    id: int
    document: int
    start: int = Field(description="Where the item's passage starts (code points).")
    end: int
    kinds: list[str] = Field(
        description="What the versions differ in, a set: label, boundary, missing, attributes."
    )
    status: ItemStatus
    version: int
    resolution: str = Field(description="How it was resolved; empty while open.")
    reason: str
    rationale: str
    resolved_by: str | None
    resolved_at: datetime | None
    contestedness: int
    versions: dict[str, list[ProposedSpan]] = Field(
        description="Each reviewer's version, keyed by their letter (A, B…), never a user id."
    )


class GoldOut(Schema):
    id: int
    document: int
    start: int = Field(description="Code-point offset where the span starts.")
    end: int = Field(description="Code-point offset just after the span (half-open).")
    quote: str
    category: str
    evidence_status: EvidenceStatus
    source_type: SourceType
    note: str
    origin: GoldOrigin
    proposed_by: list[str] = Field(
        description="Letters of the reviewers who proposed exactly this span, attributes included."
    )
    proposed_by_shown: list[str] = Field(
        description="The same reviewers as you may see them: user names, or pseudonyms."
    )
    matched_by: list[str] = Field(
        description="Letters of the reviewers who proposed its boundaries and category."
    )
    matched_by_shown: list[str]
    item: int | None = Field(description="The moderation item it settles, if any.")
    decided_by: str | None
    decided_at: datetime
    reason: str
    rationale: str
    version: int


class ItemConflictOut(Schema):
    detail: str
    current: ItemOut


class GoldConflictOut(Schema):
    detail: str
    current: GoldOut


class SpanIn(InputSchema):
    start: int = Field(ge=0, le=LARGEST_ID, description="Code-point offset where the span starts.")
    end: int = Field(gt=0, le=LARGEST_ID, description="Code-point offset just after the span.")
    category: str = Field(min_length=1, max_length=64, description="The category's code.")
    evidence_status: EvidenceStatus = EvidenceStatus.UNKNOWN
    source_type: SourceType = SourceType.OTHER
    note: str = Field("", max_length=NOTE_MAX_LENGTH)


class ResolveIn(InputSchema):
    version: Version
    resolution: Resolution = Field(
        description="accept_reviewer (send reviewer), accept_spans (send some of the spans "
        "proposed), custom (any spans) or reject (none: keep nothing, which must be said)."
    )
    reviewer: str = Field("", max_length=8, description="accept_reviewer: their letter.")
    spans: list[SpanIn] = Field(default_factory=list, max_length=1000)
    reason: ResolutionReason = ResolutionReason.NONE
    rationale: str = Field("", max_length=RATIONALE_MAX_LENGTH)


class ReopenIn(InputSchema):
    version: Version
    rationale: str = Field("", max_length=RATIONALE_MAX_LENGTH)


class GoldIn(SpanIn):
    quote: str = Field(min_length=1, description="Exactly the text between start and end.")
    reason: ResolutionReason = ResolutionReason.NONE
    rationale: str = Field("", max_length=RATIONALE_MAX_LENGTH)


class GoldPatch(InputSchema):
    version: Version
    start: int | None = Field(None, ge=0, le=LARGEST_ID)
    end: int | None = Field(None, gt=0, le=LARGEST_ID)
    quote: str | None = Field(None, min_length=1, description="Required when moving a boundary.")
    category: str | None = Field(None, min_length=1, max_length=64)
    evidence_status: EvidenceStatus | None = None
    source_type: SourceType | None = None
    note: str | None = Field(None, max_length=NOTE_MAX_LENGTH)
    reason: ResolutionReason | None = None
    rationale: str | None = Field(None, max_length=RATIONALE_MAX_LENGTH)


class ItemsQuery(InputSchema):
    status: Literal["", "open", "resolved"] = Field("", description="Only items in this state.")


class ResolvedOut(Schema):
    item: ItemOut
    gold: list[GoldOut] = Field(description="The gold spans the decision made.")


class ReopenedOut(Schema):
    item: ItemOut
    removed_gold: list[int] = Field(description="Ids of the gold spans the undo removed.")


class GoldDeleteQuery(InputSchema):
    version: Version
    rationale: str = Field("", max_length=RATIONALE_MAX_LENGTH)


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
    conflict: bool | type[Schema] = False,
    too_large: bool = False,
) -> dict[int, Any]:
    """Every status an operation answers, for its OpenAPI description: ``success``, and the
    errors (a JSON object with ``detail``) that any operation can give, 400 invalid input,
    401 not authenticated and 404 not found (or not yours to see); with ``forbidden`` 403
    (not allowed, or a browser's missing CSRF token), with ``conflict`` 409 (a stale
    version, with the current annotation, or with what ``conflict`` names), with
    ``too_large`` 413 (a body or an upload over
    the limits)."""
    statuses: dict[int, Any] = {**success, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut}
    if forbidden:
        statuses[403] = ErrorOut
    if conflict:
        statuses[409] = ConflictOut if conflict is True else conflict
    if too_large:
        statuses[413] = ErrorOut
    return dict(sorted(statuses.items()))


# --- Project administration: projects, taxonomy, members, documents, assignments --------
#
# Names and free text go through ``InputSchema`` (no U+0000). Users appear by user name.

Username = Annotated[
    str,
    Field(min_length=1, max_length=150, description="A user name."),
    AfterValidator(without_nul),
]
RoleName = Literal["manager", "moderator", "reviewer"]
StatusName = Literal["new", "in_annotation", "awaiting_moderation", "in_moderation", "reconciled"]
DirectionName = Literal["auto", "ltr", "rtl"]


class ProjectOut(Schema):
    slug: str
    name: str = Field(description="The project's title.")
    description: str
    guidelines: str
    reviewers_per_document: int
    blind_annotation: bool
    anonymous_moderation: bool
    auto_accept_unanimous: bool
    created_at: datetime
    role: RoleName | None = Field(description="Your role in the project.")
    taxonomy_version: int | None = Field(description="The current taxonomy version.")


class ProjectIn(InputSchema):
    slug: str = Field(min_length=1, max_length=64, pattern=r"^[-a-zA-Z0-9_]+$")
    name: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=20_000)
    guidelines: str = Field("", max_length=200_000)
    reviewers_per_document: int = Field(2, ge=1, le=100)
    blind_annotation: bool = True
    anonymous_moderation: bool = False
    auto_accept_unanimous: bool = True
    managers: list[Username] = Field(
        default_factory=list,
        max_length=50,
        description="Other managers, by user name; you become a manager yourself.",
    )


class ProjectPatch(InputSchema):
    slug: str | None = Field(None, min_length=1, max_length=64, pattern=r"^[-a-zA-Z0-9_]+$")
    name: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=20_000)
    guidelines: str | None = Field(None, max_length=200_000)
    reviewers_per_document: int | None = Field(None, ge=1, le=100)
    blind_annotation: bool | None = None
    anonymous_moderation: bool | None = None
    auto_accept_unanimous: bool | None = None


class TaxonomyOut(Schema):
    version: int | None = Field(description="The current taxonomy version.")
    categories: list[dict[str, Any]] = Field(
        description="The taxonomy file's data: each category's code, name, colour and, when "
        "they have one, shortcut, definition, retired and nested children. PUT it back "
        "(changed) to change the taxonomy."
    )


class TaxonomyIn(InputSchema):
    categories: list[dict[str, Any]] = Field(
        max_length=5000, description="As GET returns it (or with parent codes instead of nesting)."
    )
    retire_missing: bool = Field(
        True, description="Retire the categories the file does not list (never deleted)."
    )
    dry_run: bool = Field(False, description="Say what would change, changing nothing.")


class FieldChangeOut(Schema):
    field: str
    before: Any
    after: Any


class TaxonomyChangeOut(Schema):
    applied: bool = Field(description="False for a dry run, or when nothing changes.")
    version: int | None = Field(description="The taxonomy version made, if one was.")
    created: list[str]
    updated: dict[str, list[FieldChangeOut]] = Field(
        description="For each category updated, each field that changes."
    )
    unchanged: list[str]
    retired: list[str] = Field(description="Categories not in the file, retired.")
    reordered: bool = Field(description="Whether the categories come in a new order.")


class TaxonomyVersionOut(Schema):
    number: int
    created_at: datetime
    created_by: str | None


class TaxonomyVersionDataOut(TaxonomyVersionOut):
    guidelines: str
    taxonomy: dict[str, Any]


class MemberOut(Schema):
    username: str
    role: RoleName
    since: datetime
    is_active: bool
    has_password: bool = Field(description="False until the account's owner sets one.")
    last_login: datetime | None
    open_assignments: int
    submitted_assignments: int


class MemberIn(InputSchema):
    username: Username
    role: RoleName = "reviewer"


class MemberPatch(InputSchema):
    role: RoleName


class MemberRemovedOut(Schema):
    username: str
    unassigned: list[int] = Field(description="Documents they had not started: unassigned.")
    kept: list[int] = Field(description="Documents with their work in them: still theirs.")


class UserIn(InputSchema):
    username: Username
    email: str = Field("", max_length=254)
    role: RoleName = "reviewer"


class NewUserOut(Schema):
    username: str
    role: RoleName
    set_password_url: str = Field(
        description="A one-time link with which the account's owner sets their password "
        "(three days; shown only in this answer)."
    )


class DocumentSummaryOut(Schema):
    id: int
    title: str
    status: StatusName
    language: str
    direction: DirectionName
    text_length: int
    imported_at: datetime
    assigned: int | None = Field(description="Reviewers assigned (moderators and managers).")
    submitted: int | None = Field(description="Layers submitted (moderators and managers).")


class DocumentPageOut(Schema):
    count: int
    page: int
    pages: int
    results: list[DocumentSummaryOut]


class DocumentsQuery(InputSchema):
    q: str = Field("", max_length=200, description="Title or text contains.")
    status: StatusName | Literal[""] = ""
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(50, ge=1, le=500)


class DocumentPatch(InputSchema):
    title: str | None = Field(None, min_length=1, max_length=500)
    publisher: str | None = Field(None, max_length=300)
    source_url: str | None = Field(None, max_length=2000)
    published_on: date | None = None
    language: str | None = Field(None, max_length=35)
    direction: DirectionName | None = None
    metadata: dict[str, str] | None = Field(
        None,
        max_length=200,
        description="The free metadata fields, replacing the ones there (an empty value "
        "removes one); what the product records itself stays.",
    )


class AssignmentOut(Schema):
    id: int
    document: int
    reviewer: str
    state: Literal["assigned", "in progress", "submitted"]
    assigned_at: datetime
    submitted_at: datetime | None


class AssignmentPageOut(Schema):
    count: int
    page: int
    pages: int
    results: list[AssignmentOut]


class AssignmentsQuery(InputSchema):
    document: Id | None = None
    reviewer: Username | None = None
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(100, ge=1, le=1000)


class AssignmentsIn(InputSchema):
    documents: list[Id] = Field(min_length=1, max_length=10_000)
    reviewer: Username


class AssignmentsDeleteIn(AssignmentsIn):
    pass


class AssignmentsReportOut(Schema):
    changed: list[int] = Field(description="The documents assigned (or unassigned).")
    skipped: dict[str, str] = Field(description="The documents left alone, and why.")


class PlanPair(Schema):
    document: Id
    reviewer: Username


class AutoAssignIn(InputSchema):
    dry_run: bool = Field(False, description="Return the plan, assigning nothing.")
    plan: list[PlanPair] | None = Field(
        None,
        max_length=100_000,
        description="A plan a dry run returned, to apply exactly (all or nothing).",
    )


class AutoAssignOut(Schema):
    applied: bool
    plan: list[PlanPair]
    short: dict[str, int] = Field(description="Documents that still lack reviewers: how many.")


class SubmittedOut(Schema):
    document: int
    submitted_at: datetime


class ReopenedLayerOut(Schema):
    assignment: int
    document: int


class AgreementQuery(InputSchema):
    status: StatusName | Literal[""] = ""
    language: str = Field("", max_length=35)
    q: str = Field("", max_length=200)


class AgreementOut(Schema):
    project: str
    filters: dict[str, str]
    computed_at: str
    reviewers: dict[str, str]
    figures: dict[str, Any]
    documents: list[dict[str, Any]]
    taxonomy_versions: dict[str, Any] = Field(
        description="Which taxonomy versions the submitted spans were made under."
    )


class PasswordSetIn(InputSchema):
    uid: str = Field(min_length=1, max_length=64, description="The link's first part.")
    token: str = Field(min_length=1, max_length=128, description="The link's second part.")
    password: str = Field(min_length=1, max_length=4096)
    api_token: str = Field(
        "", max_length=100, description="If given, make an API token with this name."
    )


class PasswordSetOut(Schema):
    username: str
    api_token: str | None = Field(description="The new API token, shown only here.")
