"""API: a reviewer's own annotations (the editor saves through these)."""

from __future__ import annotations

from typing import Any

from ninja import Router, Status
from ninja.errors import HttpError

from annotator.access import AuthenticatedHttpRequest, Forbidden, NoAccess, document_access_by_id
from annotator.api.schemas.annotations import (
    AnnotationIn,
    AnnotationOut,
    AnnotationPatch,
    ConflictOut,
)
from annotator.api.schemas.base import Id, Version, responses
from annotator.models import Annotation, Category
from annotator.selectors.annotations import annotation_list, annotation_of_owner, annotation_record
from annotator.selectors.projects import category_by_code
from annotator.services.annotations import annotation_create, annotation_delete, annotation_update

router = Router(tags=["annotations"])


def _own_annotation(request: AuthenticatedHttpRequest, annotation_id: int) -> Annotation:
    annotation = annotation_of_owner(user=request.user, annotation_id=annotation_id)
    if annotation is None:
        raise NoAccess("No such annotation of yours.")
    return annotation


def _category(project_id: int, code: str) -> Category:
    category = category_by_code(project_id=project_id, code=code)
    if category is None:
        raise HttpError(400, f"Category {code!r} is not in this document's project.")
    return category


@router.get("/documents/{document_id}/annotations", response=responses({200: list[AnnotationOut]}))
def list_annotations(request: AuthenticatedHttpRequest, document_id: Id) -> list[dict[str, Any]]:
    """Your own annotations of a document, in document order."""
    access = document_access_by_id(user=request.user, document_id=document_id)
    return annotation_list(document=access.document, reviewer=request.user)


@router.post(
    "/documents/{document_id}/annotations",
    response=responses({201: AnnotationOut}, forbidden=True, too_large=True),
)
def create_annotation(
    request: AuthenticatedHttpRequest, document_id: Id, payload: AnnotationIn
) -> Status:
    """Tag a span in your own layer. The quote must be exactly the text at the offsets."""
    access = document_access_by_id(user=request.user, document_id=document_id)
    if not access.is_reviewer:
        raise Forbidden(
            "Only reviewers annotate documents; in this project you are a "
            f"{access.role.label.lower()}."
        )
    annotation = annotation_create(
        document=access.document,
        reviewer=request.user,
        category=_category(access.project.pk, payload.category),
        start=payload.start,
        end=payload.end,
        quote=payload.quote,
        note=payload.note,
        evidence_status=payload.evidence_status,
        source_type=payload.source_type,
    )
    return Status(201, annotation_record(annotation))


@router.get("/annotations/{annotation_id}", response=responses({200: AnnotationOut}))
def get_annotation(request: AuthenticatedHttpRequest, annotation_id: Id) -> dict[str, Any]:
    return annotation_record(_own_annotation(request, annotation_id))


@router.patch(
    "/annotations/{annotation_id}",
    response=responses({200: AnnotationOut}, forbidden=True, conflict=ConflictOut, too_large=True),
)
def update_annotation(
    request: AuthenticatedHttpRequest, annotation_id: Id, payload: AnnotationPatch
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
    return annotation_record(annotation)


@router.delete(
    "/annotations/{annotation_id}",
    response=responses({204: None}, forbidden=True, conflict=ConflictOut),
)
def delete_annotation(
    request: AuthenticatedHttpRequest, annotation_id: Id, version: Version
) -> Status:
    """Delete your annotation at the version you loaded; a stale version gets 409."""
    annotation = _own_annotation(request, annotation_id)
    annotation_delete(annotation_id=annotation.pk, actor=request.user, version=version)
    return Status(204, None)
