"""The JSON API: parse and validate, authorise, call a service or selector, respond.

Browsers authenticate with their session (and must send the CSRF token in the
``X-CSRFToken`` header); scripts send ``Authorization: Bearer <token>`` with a token from
``manage.py create_api_token``. The OpenAPI schema is at ``/api/v1/openapi.json`` and
its documentation at ``/api/v1/docs``.

Offsets are Unicode code points into the document's canonical text. Errors are JSON
objects with a ``detail`` message: 400 invalid input, 401 not authenticated, 403 not
allowed, 404 not found (or not yours to see), 409 changed by someone else since loaded.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from ninja import Field, File, Form, NinjaAPI, Query, Schema, Status, UploadedFile
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer, SessionAuth

from annotator import selectors
from annotator.models import (
    Annotation,
    Category,
    Document,
    EvidenceStatus,
    Project,
    Role,
    SourceType,
)
from annotator.services.annotations import (
    NOTE_MAX_LENGTH,
    AnnotationConflict,
    AnnotationError,
    AnnotationForbidden,
    annotation_create,
    annotation_delete,
    annotation_update,
)
from annotator.services.exporting import (
    SUMMARY_COUNTS,
    ExportError,
    ExportOptions,
    export_start,
    export_summary,
)
from annotator.services.importing import documents_import, uploaded_sources
from annotator.services.tokens import api_token_authenticate


class BrowserSessionAuth(SessionAuth):
    """The browser's session, with Django's CSRF check, only when a session cookie is sent.

    Ninja's cookie authentication checks CSRF before looking for the cookie, which refuses
    a script that sends only its token (and no cookie at all) with "CSRF check Failed".
    """

    def _get_key(self, request: HttpRequest) -> str | None:
        if self.param_name not in request.COOKIES:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return super().authenticate(request, key) if key else None


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_authenticate(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="annotator API",
    version="1",
    description=__doc__,
    auth=[BrowserSessionAuth(), TokenAuth()],
    urls_namespace="api",
    # The schema and its documentation are for logged-in users, like every page.
    docs_decorator=login_required,
)


# Schemas ---------------------------------------------------------------------------------


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


def annotation_out(annotation: Annotation) -> dict[str, Any]:
    return {
        "id": annotation.pk,
        "document": annotation.document_id,
        "start": annotation.start,
        "end": annotation.end,
        "quote": annotation.quote,
        "category": annotation.category.code,
        "note": annotation.note,
        "evidence_status": annotation.evidence_status,
        "source_type": annotation.source_type,
        "version": annotation.version,
        "created_at": annotation.created_at,
        "updated_at": annotation.updated_at,
    }


# Errors ----------------------------------------------------------------------------------


@api.exception_handler(ValidationError)
def invalid_input(request: HttpRequest, error: ValidationError) -> HttpResponse:
    problems = []
    for item in error.errors:
        where = ".".join(str(part) for part in item.get("loc", ()) if part not in ("body",))
        problems.append(f"{where}: {item.get('msg', 'invalid')}" if where else item.get("msg"))
    return api.create_response(
        request,
        {"detail": "Invalid input. " + "; ".join(problems), "errors": error.errors},
        status=400,
    )


# The services' refusals, mapped once here rather than in each endpoint.


@api.exception_handler(AnnotationError)
def invalid_annotation(request: HttpRequest, error: AnnotationError) -> HttpResponse:
    return api.create_response(request, {"detail": str(error)}, status=400)


@api.exception_handler(AnnotationForbidden)
def layer_closed(request: HttpRequest, error: AnnotationForbidden) -> HttpResponse:
    return api.create_response(request, {"detail": str(error)}, status=403)


@api.exception_handler(AnnotationConflict)
def stale_version(request: HttpRequest, conflict: AnnotationConflict) -> HttpResponse:
    return api.create_response(
        request,
        {"detail": str(conflict), "current": annotation_out(conflict.current)},
        status=409,
    )


@api.exception_handler(AuthenticationError)
def not_authenticated(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request,
        {"detail": "Log in, or send an API token as 'Authorization: Bearer <token>'."},
        status=401,
    )


def _document(request: HttpRequest, document_id: int) -> Document:
    try:
        return selectors.document_with_role(user=request.user, document_id=document_id)
    except Document.DoesNotExist:
        raise HttpError(404, "No such document in your projects.") from None


def _own_annotation(request: HttpRequest, annotation_id: int) -> Annotation:
    try:
        return selectors.annotation_of_owner(user=request.user, annotation_id=annotation_id)
    except Annotation.DoesNotExist:
        raise HttpError(404, "No such annotation of yours.") from None


def _category(project_id: int, code: str) -> Category:
    category = Category.objects.filter(project_id=project_id, code=code).first()
    if category is None:
        raise HttpError(400, f"Category {code!r} is not in this document's project.")
    return category


# Endpoints -------------------------------------------------------------------------------


@api.get("/projects/{slug}/categories", response=list[CategoryOut], tags=["taxonomy"])
def list_categories(request: HttpRequest, slug: str) -> list[dict[str, Any]]:
    """The project's taxonomy, in its order, with the definitions reviewers see."""
    try:
        project = selectors.project_for_member(user=request.user, slug=slug)
    except Project.DoesNotExist:
        raise HttpError(404, "No such project of yours.") from None
    return [
        {
            "code": category.code,
            "name": category.name,
            "definition": category.definition,
            "colour": category.colour,
            "shortcut": category.shortcut,
            "parent": category.parent.code if category.parent else None,
        }
        for category in selectors.category_list(project=project)
    ]


@api.get("/documents/{document_id}", response={200: DocumentOut, 404: ErrorOut}, tags=["documents"])
def get_document(request: HttpRequest, document_id: int) -> dict[str, Any]:
    """A document's canonical text, its hashes and what offsets into it mean."""
    document = _document(request, document_id)
    return {
        "id": document.pk,
        "project": document.project.slug,
        "title": document.title,
        "text": document.text,
        "text_sha256": document.text_sha256,
        "text_length": document.text_length,
        "language": document.language,
        "direction": document.direction,
        "source_sha256": document.source_sha256,
    }


@api.get(
    "/documents/{document_id}/annotations",
    response={200: list[AnnotationOut], 404: ErrorOut},
    tags=["annotations"],
)
def list_annotations(request: HttpRequest, document_id: int) -> list[dict[str, Any]]:
    """Your own annotations of a document, in document order."""
    document = _document(request, document_id)
    return selectors.annotation_list(document=document, reviewer=request.user)


@api.post(
    "/documents/{document_id}/annotations",
    response={201: AnnotationOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    tags=["annotations"],
)
def create_annotation(request: HttpRequest, document_id: int, payload: AnnotationIn) -> Status:
    """Tag a span in your own layer. The quote must be exactly the text at the offsets."""
    document = _document(request, document_id)
    if document.role != Role.REVIEWER:
        raise HttpError(
            403, f"Only reviewers annotate documents; in this project you are a {document.role}."
        )
    annotation = annotation_create(
        document=document,
        reviewer=request.user,
        category=_category(document.project_id, payload.category),
        start=payload.start,
        end=payload.end,
        quote=payload.quote,
        note=payload.note,
        evidence_status=payload.evidence_status,
        source_type=payload.source_type,
    )
    return Status(201, annotation_out(annotation))


@api.get(
    "/annotations/{annotation_id}",
    response={200: AnnotationOut, 404: ErrorOut},
    tags=["annotations"],
)
def get_annotation(request: HttpRequest, annotation_id: int) -> dict[str, Any]:
    return annotation_out(_own_annotation(request, annotation_id))


@api.patch(
    "/annotations/{annotation_id}",
    response={200: AnnotationOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ConflictOut},
    tags=["annotations"],
)
def update_annotation(
    request: HttpRequest, annotation_id: int, payload: AnnotationPatch
) -> dict[str, Any]:
    """Change your annotation. Send the version you loaded; a stale version gets 409."""
    annotation = _own_annotation(request, annotation_id)
    changes = payload.dict(exclude_unset=True, exclude={"version"})
    changes = {name: value for name, value in changes.items() if value is not None}
    if "category" in changes:
        changes["category"] = _category(annotation.document.project_id, changes["category"])
    annotation = annotation_update(
        annotation_id=annotation.pk,
        actor=request.user,
        version=payload.version,
        changes=changes,
    )
    return annotation_out(annotation)


@api.delete(
    "/annotations/{annotation_id}",
    response={204: None, 403: ErrorOut, 404: ErrorOut, 409: ConflictOut},
    tags=["annotations"],
)
def delete_annotation(request: HttpRequest, annotation_id: int, version: int) -> Status:
    """Delete your annotation at the version you loaded; a stale version gets 409."""
    annotation = _own_annotation(request, annotation_id)
    annotation_delete(annotation_id=annotation.pk, actor=request.user, version=version)
    return Status(204, None)


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


@api.post(
    "/projects/{slug}/documents",
    response={200: ImportReportOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    tags=["documents"],
)
def import_documents(
    request: HttpRequest,
    slug: str,
    files: File[list[UploadedFile]] = None,
    load_taxonomy: Form[bool] = False,
) -> dict[str, Any]:
    """Import files (multipart field ``files``, one or many) into a project; managers only.

    Text, Markdown, HTML, PDF, DOCX, JSONL corpora (one document a line, with doccano's or
    this product's spans), ZIP archives of these, and this product's JSONL export bundles
    (verified against their manifest; a bundle that does not verify is refused). Each file
    is imported on its own: the report says for every file (archive member, corpus line)
    whether it was imported, was a duplicate of a text already in the project, or failed,
    and why; a bundle's manifest and taxonomy are notes. With the multipart field
    ``load_taxonomy`` true, the categories of a bundle's taxonomy that the project lacks are
    created first (existing ones are never changed). The status is 200 even when some files
    failed; 400 only when no file was sent.
    """
    try:
        project = selectors.project_for_member(user=request.user, slug=slug)
    except Project.DoesNotExist:
        raise HttpError(404, "No such project of yours.") from None
    if project.role != Role.MANAGER:
        raise HttpError(403, "Only the project's managers import documents.")
    if not files:
        raise HttpError(400, 'Send the files to import as the multipart field "files".')
    report = documents_import(
        project=project,
        sources=uploaded_sources(files),
        imported_by=request.user,
        load_taxonomy=load_taxonomy,
    )
    return {
        "imported": report.imported,
        "duplicates": report.duplicates,
        "failed": report.failed,
        "notes": report.notes,
        "results": [
            {
                "name": result.name,
                "outcome": str(result.outcome),
                "reason": result.reason,
                "document": result.document_id,
                "spans": result.spans,
            }
            for result in report.results
        ],
    }


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


def _export_request(
    request: HttpRequest, slug: str, query: ExportQuery
) -> tuple[Project, ExportOptions]:
    """The project (if the user may export it) and the export options asked for."""
    try:
        project = selectors.project_for_member(user=request.user, slug=slug)
    except Project.DoesNotExist:
        raise HttpError(404, "No such project of yours.") from None
    if project.role not in (Role.MANAGER, Role.MODERATOR):
        raise HttpError(403, "Only the project's managers and moderators export the corpus.")
    return project, ExportOptions.from_values(query.dict())


@api.get(
    "/projects/{slug}/export",
    response={200: None, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    tags=["export"],
)
def export_corpus(request: HttpRequest, slug: str, query: Query[ExportQuery]) -> HttpResponse:
    """The project's corpus in ``format`` (jsonl, csv, w3c, brat, conll, spacy), streamed.

    ``layer`` is gold, reviewers (every submitted reviewer's layer) or all. Reviewers appear as
    "Reviewer 1", "Reviewer 2"… and moderators as "Moderator 1"… unless a manager asks for
    ``names``. ``bundle`` gives a ZIP with the taxonomy and a manifest of SHA-256 hashes.
    ``/export/summary`` with the same parameters says first what the file will hold.
    Managers and moderators only.
    """
    project, options = _export_request(request, slug, query)
    try:
        export = export_start(
            project=project, options=options, actor=request.user, role=project.role
        )
    except ExportError as error:
        raise HttpError(400, str(error)) from None
    response = StreamingHttpResponse(export.chunks, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response


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


@api.get(
    "/projects/{slug}/export/summary",
    response={200: ExportSummaryOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    tags=["export"],
)
def export_corpus_summary(
    request: HttpRequest, slug: str, query: Query[ExportQuery]
) -> dict[str, Any]:
    """What ``/export`` with the same parameters would hold, without the file: a dry run
    through the same writers, so the numbers are exactly the file's (CoNLL's overlapping
    spans dropped, spaCy's entities, brat's fragments…). It takes as long as the export and
    is not in the audit log. Managers and moderators only.
    """
    project, options = _export_request(request, slug, query)
    try:
        summary = export_summary(project=project, options=options, role=project.role)
    except ExportError as error:
        raise HttpError(400, str(error)) from None
    return summary.as_dict()
