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
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from ninja import Field, File, NinjaAPI, Schema, Status, UploadedFile
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
from annotator.services.exporting import ExportError, ExportOptions, export_start
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
    outcome: str = Field(description="imported, duplicate or failed.")
    reason: str
    document: int | None = Field(description="The new document, or the one it duplicates.")
    spans: int = Field(description="Spans imported with it into its import layer.")


class ImportReportOut(Schema):
    imported: int
    duplicates: int
    failed: int
    results: list[ImportResultOut]


@api.post(
    "/projects/{slug}/documents",
    response={200: ImportReportOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    tags=["documents"],
)
def import_documents(
    request: HttpRequest, slug: str, files: File[list[UploadedFile]] = None
) -> dict[str, Any]:
    """Import files (multipart field ``files``, one or many) into a project; managers only.

    Text, Markdown, HTML, PDF, DOCX, JSONL corpora (one document a line, with doccano's or
    this product's spans) and ZIP archives of these. Each file is imported on its own: the
    report says for every file (archive member, corpus line) whether it was imported, was a
    duplicate of a text already in the project, or failed, and why. The status is 200 even
    when some files failed; 400 only when no file was sent.
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
    )
    return {
        "imported": report.imported,
        "duplicates": report.duplicates,
        "failed": report.failed,
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


@api.get(
    "/projects/{slug}/export",
    response={200: None, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    tags=["export"],
)
def export_corpus(
    request: HttpRequest,
    slug: str,
    format: str,  # the name scripts and the command line use
    layer: str = "gold",
    status: str = "",
    category: str = "",
    since: date | None = None,
    until: date | None = None,
    names: bool = False,
    bundle: bool = False,
    bom: bool = False,
) -> HttpResponse:
    """The project's corpus in ``format`` (jsonl, csv, w3c, brat, conll, spacy), streamed.

    ``layer`` is gold, reviewers (every submitted reviewer's layer) or all. Reviewers appear as
    "Reviewer 1", "Reviewer 2"… unless a manager asks for ``names``. ``bundle`` gives a ZIP
    with the taxonomy and a manifest of SHA-256 hashes. Managers and moderators only.
    """
    try:
        project = selectors.project_for_member(user=request.user, slug=slug)
    except Project.DoesNotExist:
        raise HttpError(404, "No such project of yours.") from None
    if project.role not in (Role.MANAGER, Role.MODERATOR):
        raise HttpError(403, "Only the project's managers and moderators export the corpus.")
    options = ExportOptions(
        format=format,
        layer=layer,
        status=status,
        category=category,
        since=since,
        until=until,
        names=names,
        bundle=bundle,
        bom=bom,
    )
    try:
        export = export_start(
            project=project, options=options, actor=request.user, role=project.role
        )
    except ExportError as error:
        raise HttpError(400, str(error)) from None
    response = StreamingHttpResponse(export.chunks, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response
