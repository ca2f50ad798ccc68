"""Writes on annotations: each checks its span against the text, and is audited.

A span with relations keeps them right: deleting it deletes its relations first, and a new
category that one of them does not allow is refused (``services.relation_rules``); the same
of the incidents it is part of (``services.incident_rules``: a span that is an incident's
act is not deleted, one that fills its slots leaves them)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db import models
from django.utils import timezone

from annotator.models import (
    Annotation,
    Assignment,
    Category,
    Document,
    EvidenceStatus,
    SourceType,
)
from annotator.selectors.annotations import annotation_record
from annotator.selectors.documents import document_text_slice
from annotator.selectors.projects import current_taxonomy_version_id
from annotator.services.audit import audit_record, audited
from annotator.services.incident_rules import incidents_of_span_check, incidents_of_span_delete
from annotator.services.relation_rules import relations_of_span_check, relations_of_span_delete
from annotator.text import SpanError, check_span_bounds, check_span_quote

NOTE_MAX_LENGTH = 10_000
EDITABLE_FIELDS = ("start", "end", "quote", "category", "note", "evidence_status", "source_type")


class AnnotationError(ValueError):
    """The change is not valid; the message says why, for the person making it."""


class AnnotationForbidden(AnnotationError):
    """The reviewer may not change this layer (not assigned, or already submitted)."""


class AnnotationGone(Exception):
    """The annotation does not exist (any more): deleted, perhaps by another tab meanwhile."""

    def __init__(self, annotation_id: int) -> None:
        self.annotation_id = annotation_id
        super().__init__(f"Annotation {annotation_id} does not exist (any more).")


class AnnotationConflict(Exception):
    """The change was based on an older version; ``current`` is what the server holds now."""

    def __init__(self, current: Annotation) -> None:
        self.current = current
        super().__init__(
            f"Annotation {current.pk} has changed since you loaded it (now version "
            f"{current.version}); reload it and make your change again."
        )


def annotation_defaults() -> dict[str, Any]:
    """The value each editable field takes when a new span does not give it, from the model:
    the editor and the API start new spans from these, never from a list of their own."""
    defaults: dict[str, Any] = {}
    for name in EDITABLE_FIELDS:
        field = Annotation._meta.get_field(name)
        if not isinstance(field, models.Field):
            continue
        if field.has_default():
            defaults[name] = field.get_default()
        elif getattr(field, "blank", False) and not field.is_relation:
            defaults[name] = ""
    return defaults


def annotation_snapshot(annotation: Annotation) -> dict[str, Any]:
    """What the audit log records of an annotation, before and after a change: the
    annotation's one shape (``annotation_record``), without its times, and its reviewer."""
    return {**annotation_record(annotation, times=False), "reviewer": annotation.reviewer_id}


def layer_lock(document_id: int, reviewer_id: int) -> None:
    """Lock the reviewer's layer of the document (their assignment row), refusing if it is
    not theirs to change.

    This is the first lock of every span and relation write, and submitting takes the same
    lock first
    (``review_submit``): a span write and the submission of its layer therefore happen one
    after the other, never interleaved, so a span is either in the layer that was submitted
    and aligned, or refused because the layer is submitted.
    """
    submitted = list(
        Assignment.objects.select_for_update()
        .filter(document_id=document_id, reviewer_id=reviewer_id)
        .values_list("submitted_at", flat=True)[:1]
    )
    if not submitted:
        raise AnnotationForbidden("You are not assigned to this document.")
    if submitted[0] is not None:
        raise AnnotationForbidden(
            "You have submitted this document, so your spans and relations are read-only; a "
            "moderator can reopen it for you."
        )


def _check(document: Document, annotation: Annotation) -> None:
    if annotation.category.project_id != document.project_id:
        raise AnnotationError(
            f"Category {annotation.category.code!r} is not in this document's project."
        )
    if annotation.evidence_status not in EvidenceStatus.values:
        raise AnnotationError(f"Unknown evidence status {annotation.evidence_status!r}.")
    if annotation.source_type not in SourceType.values:
        raise AnnotationError(f"Unknown source type {annotation.source_type!r}.")
    if len(annotation.note) > NOTE_MAX_LENGTH:
        raise AnnotationError(f"A note may have at most {NOTE_MAX_LENGTH} characters.")
    try:
        # The text can be megabytes: only the spanned part is read, by the database, which
        # counts code points as Python does.
        check_span_bounds(document.text_length, annotation.start, annotation.end)
        actual = document_text_slice(
            document_id=document.pk, start=annotation.start, end=annotation.end
        )
        check_span_quote(actual, annotation.start, annotation.end, annotation.quote)
    except SpanError as error:
        raise AnnotationError(str(error)) from error


def annotation_create(
    *,
    document: Document,
    reviewer: User,
    category: Category,
    start: int,
    end: int,
    quote: str,
    note: str = "",
    evidence_status: str = EvidenceStatus.UNKNOWN,
    source_type: str = SourceType.OTHER,
) -> Annotation:
    """Tag ``document.text[start:end]`` (code points) in the reviewer's own layer."""
    annotation = Annotation(
        document=document,
        reviewer=reviewer,
        category=category,
        start=start,
        end=end,
        quote=quote,
        note=note,
        evidence_status=evidence_status,
        source_type=source_type,
    )
    # Checked before the transaction, as a document's text never changes: the layer is
    # locked (and, on SQLite, the database) only for the writes themselves.
    _check(document, annotation)
    return _create(annotation)


@audited
def _create(annotation: Annotation) -> Annotation:
    document = annotation.document
    layer_lock(document.pk, annotation.reviewer_id)
    # The guidelines and taxonomy the reviewer worked with: the project's current version.
    annotation.taxonomy_version_id = current_taxonomy_version_id(project_id=document.project_id)
    annotation.save()
    audit_record(
        actor=annotation.reviewer,
        action="annotation.create",
        object_type="annotation",
        object_id=annotation.pk,
        project=document.project,
        document=document,
        after=annotation_snapshot(annotation),
    )
    return annotation


def _locked(annotation_id: int) -> Annotation:
    """The annotation, locked, after its layer: the lock order of every span write."""
    layer = (
        Annotation.objects.filter(pk=annotation_id)
        .values_list("document_id", "reviewer_id")
        .first()
    )
    if layer is None:
        raise AnnotationGone(annotation_id)
    layer_lock(*layer)
    annotation = (
        Annotation.objects.select_for_update(of=("self",))
        .select_related("category", "document__project")
        .defer("document__text")
        .filter(pk=annotation_id)
        .first()
    )
    if annotation is None:  # deleted while this change waited for the layer
        raise AnnotationGone(annotation_id)
    return annotation


@audited
def annotation_update(
    *,
    annotation_id: int,
    actor: User,
    version: int,
    changes: dict[str, Any],
) -> Annotation:
    """Change an annotation if it is still at ``version``; otherwise raise AnnotationConflict.

    Moving a boundary needs the new ``quote`` as well, which is checked against the text.
    """
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise AnnotationError(f"These fields cannot be changed: {', '.join(sorted(unknown))}.")
    annotation = _locked(annotation_id)
    if annotation.version != version:
        raise AnnotationConflict(annotation)
    moves = {"start", "end"} & set(changes)
    if moves and "quote" not in changes:
        raise AnnotationError("Moving a boundary needs the new quote too, to check the offsets.")
    before = annotation_snapshot(annotation)
    before_category = annotation.category_id
    for name, value in changes.items():
        setattr(annotation, name, value)
    _check(annotation.document, annotation)
    if annotation.category_id != before_category:
        relations_of_span_check(annotation=annotation, category=annotation.category)
        incidents_of_span_check(annotation=annotation, category=annotation.category)
    if annotation_snapshot(annotation) == before:
        return annotation  # nothing changed: no new version, no event
    annotation.version += 1
    annotation.updated_at = timezone.now()
    annotation.save()
    audit_record(
        actor=actor,
        action="annotation.update",
        object_type="annotation",
        object_id=annotation.pk,
        project=annotation.document.project,
        document=annotation.document,
        before=before,
        after=annotation_snapshot(annotation),
    )
    return annotation


@audited
def annotation_delete(*, annotation_id: int, actor: User, version: int) -> None:
    """Delete an annotation if it is still at ``version``; otherwise raise AnnotationConflict.
    Its relations and incident slots are deleted first, in the same transaction, each with
    its own event; a span that is an incident's act is refused (``IncidentError``)."""
    annotation = _locked(annotation_id)
    if annotation.version != version:
        raise AnnotationConflict(annotation)
    before = annotation_snapshot(annotation)
    document = annotation.document
    incidents_of_span_delete(annotation=annotation, actor=actor)
    relations_of_span_delete(annotation=annotation, actor=actor)
    annotation.delete()
    audit_record(
        actor=actor,
        action="annotation.delete",
        object_type="annotation",
        object_id=before["id"],
        project=document.project,
        document=document,
        before=before,
    )
