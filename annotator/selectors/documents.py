"""Reads about documents: a project's list of them, parts of a text, who is assigned, the
imported layers and the history."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Substr

from annotator.access import ProjectAccess, visible_documents
from annotator.models import (
    Assignment,
    AuditEvent,
    Document,
    GoldSpan,
    ImportedRelation,
    ImportedSpan,
    Project,
)
from annotator.selectors.common import subquery_count

# The columns a document list shows; the text itself can be megabytes and stays behind.
DOCUMENT_LIST_FIELDS = (
    "id",
    "project_id",
    "title",
    "text_length",
    "language",
    "direction",
    "status",
    "imported_at",
)


def document_list(
    *, access: ProjectAccess, query: str = "", status: str = ""
) -> QuerySet[Document]:
    """The documents the user may see, in import order, filtered by text and status.

    A reviewer's come with ``my_submitted_at`` (their own submission time, or None); for
    moderators and managers each comes with ``assigned_count`` and ``submitted_count``.
    Each comes with ``gold_count``, its gold spans (shown to a reviewer only where they may
    see the gold layer).
    """
    documents = visible_documents(access).only(*DOCUMENT_LIST_FIELDS)
    query = query.strip()
    if query:
        documents = documents.filter(Q(title__icontains=query) | Q(text__icontains=query))
    if status:
        documents = documents.filter(status=status)
    if access.is_reviewer:
        mine = Assignment.objects.filter(document=OuterRef("pk"), reviewer=access.user)
        documents = documents.annotate(my_submitted_at=Subquery(mine.values("submitted_at")[:1]))
    else:
        assignments = Assignment.objects.filter(document=OuterRef("pk"))
        documents = documents.annotate(
            assigned_count=subquery_count(assignments, "document"),
            submitted_count=subquery_count(
                assignments.filter(submitted_at__isnull=False), "document"
            ),
        )
    documents = documents.annotate(
        gold_count=subquery_count(GoldSpan.objects.filter(document=OuterRef("pk")), "document")
    )
    return documents.order_by("pk")


def document_summaries(
    *, access: ProjectAccess, query: str = "", status: str = ""
) -> QuerySet[Document, dict[str, Any]]:
    """``document_list`` as rows of its columns (dicts: no model instance is built, a
    page of 500 in a fraction of the time), with ``my_submitted_at`` for a reviewer and
    ``assigned_count`` and ``submitted_count`` for the others."""
    counts = ("my_submitted_at",) if access.is_reviewer else ("assigned_count", "submitted_count")
    return document_list(access=access, query=query, status=status).values(
        *DOCUMENT_LIST_FIELDS, *counts
    )


def assignment_list(*, document: Document) -> QuerySet[Assignment]:
    """Who is assigned to a document, for moderators and managers (never for reviewers)."""
    return (
        Assignment.objects.filter(document=document)
        .select_related("reviewer")
        .order_by("assigned_at", "pk")
    )


def document_assignment(*, document: Document, assignment_id: int) -> Assignment | None:
    """One assignment of this document, with its reviewer; None if it is not this
    document's (an assignment of another document is never reached through this one)."""
    return (
        Assignment.objects.filter(document=document, pk=assignment_id)
        .select_related("reviewer")
        .first()
    )


def next_document(*, project: Project, user: User) -> Document | None:
    """The reviewer's first assigned document they have not submitted yet."""
    return (
        Document.objects.filter(
            project=project, assignments__reviewer=user, assignments__submitted_at__isnull=True
        )
        .only("pk", "project_id")
        .order_by("pk")
        .first()
    )


def document_text_slice(*, document_id: int, start: int, end: int) -> str:
    """``text[start:end]`` of a document (code points), read without loading the whole text."""
    return (
        Document.objects.filter(pk=document_id)
        .annotate(part=Substr("text", start + 1, end - start))
        .values_list("part", flat=True)
        .get()
    )


def document_history(*, document: Document) -> QuerySet[AuditEvent]:
    """Every audit event about a document, oldest first."""
    return AuditEvent.objects.filter(document=document).select_related("actor").order_by("pk")


def imported_layers(*, document: Document) -> list[dict[str, Any]]:
    """The document's imported layers, each with its number of spans ``n`` and of
    relations ``relations``; a second query only when it has imported spans."""
    rows = [
        dict(row)
        for row in ImportedSpan.objects.filter(document=document)
        .values("layer")
        .annotate(n=Count("pk"))
        .order_by("layer")
    ]
    if rows:
        relations: dict[str, int] = dict(
            ImportedRelation.objects.filter(document=document)
            .values("layer")
            .annotate(n=Count("pk"))
            .values_list("layer", "n")
        )
        for row in rows:
            row["relations"] = relations.get(str(row["layer"]), 0)
    return rows


# The audit events that describe a document (its title and metadata), as its page lists
# them: the import that made it, and every correction since.
METADATA_ACTIONS = ("document.import", "document.retitle", "document.update")


def document_metadata_history(*, document: Document) -> QuerySet[AuditEvent]:
    """How a document's title and metadata were set and corrected, oldest first, with who
    did it; one query."""
    return (
        AuditEvent.objects.filter(document=document, action__in=METADATA_ACTIONS)
        .select_related("actor")
        .only("pk", "created_at", "action", "before", "after", "actor__username")
        .order_by("pk")
    )


def document_titles(*, document_ids: list[int]) -> dict[int, str]:
    """The titles of these documents, by id; one query."""
    return dict(Document.objects.filter(pk__in=document_ids).values_list("pk", "title"))
