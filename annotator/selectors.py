"""Reads: what a user may see, fetched with a number of queries that does not grow with rows."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Substr

from annotator.models import Annotation, Category, Document, Membership, Project

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


def project_list(*, user: AbstractBaseUser) -> QuerySet[Project]:
    """The projects ``user`` is a member of, each with ``role`` and ``document_count``."""
    role = Membership.objects.filter(project=OuterRef("pk"), user=user).values("role")[:1]
    return (
        Project.objects.filter(memberships__user=user)
        .annotate(role=Subquery(role), document_count=Count("documents", distinct=True))
        .order_by("name", "pk")
    )


def project_for_member(*, user: AbstractBaseUser, slug: str) -> Project:
    """The project with ``slug``, with the user's ``role``; DoesNotExist if not a member."""
    role = Membership.objects.filter(project=OuterRef("pk"), user=user).values("role")[:1]
    return (
        Project.objects.filter(slug=slug, memberships__user=user)
        .annotate(role=Subquery(role))
        .get()
    )


def document_list(*, project: Project, query: str = "") -> QuerySet[Document]:
    """A project's documents in import order, optionally those whose title or text has ``query``."""
    documents = Document.objects.filter(project=project).only(*DOCUMENT_LIST_FIELDS)
    query = query.strip()
    if query:
        documents = documents.filter(Q(title__icontains=query) | Q(text__icontains=query))
    return documents.order_by("pk")


def document_for_member(*, project: Project, pk: int) -> Document:
    """One document of a project the caller already checked membership of."""
    return Document.objects.select_related("imported_by").get(project=project, pk=pk)


def category_list(*, project: Project) -> QuerySet[Category]:
    return (
        Category.objects.filter(project=project).select_related("parent").order_by("order", "code")
    )


def document_with_role(*, user: AbstractBaseUser, document_id: int) -> Document:
    """A document of one of the user's projects (without its text), with the user's ``role``.

    DoesNotExist when there is no such document or the user is not a member: the two
    cases look the same, so a document's existence is not leaked. Two plain queries: this
    runs on every API call, where a join with a subquery cost twice as much.
    """
    role = (
        Membership.objects.filter(user=user, project__documents=document_id)
        .values_list("role", flat=True)
        .first()
    )
    if role is None:
        raise Document.DoesNotExist
    document = Document.objects.select_related("project").defer("text").get(pk=document_id)
    document.role = role
    document.project.role = role
    return document


def document_text_slice(*, document_id: int, start: int, end: int) -> str:
    """``text[start:end]`` of a document (code points), read without loading the whole text."""
    return (
        Document.objects.filter(pk=document_id)
        .annotate(part=Substr("text", start + 1, end - start))
        .values_list("part", flat=True)
        .get()
    )


def annotation_of_owner(*, user: AbstractBaseUser, annotation_id: int) -> Annotation:
    """One of the user's own annotations, in a project they still belong to."""
    return (
        Annotation.objects.select_related("category", "document")
        .defer("document__text")
        .filter(
            pk=annotation_id,
            reviewer=user,
            document__project__memberships__user=user,
        )
        .get()
    )


def annotation_list(*, document: Document, reviewer: AbstractBaseUser) -> list[dict]:
    """One reviewer's layer of a document, in document order, as the API represents it.

    Plain rows rather than model instances: a long report has thousands of spans, and
    building an instance for each would cost more than the query.
    """
    rows = (
        Annotation.objects.filter(document=document, reviewer=reviewer)
        .order_by("start", "end", "pk")
        .values(
            "id",
            "document_id",
            "start",
            "end",
            "quote",
            "category__code",
            "note",
            "evidence_status",
            "source_type",
            "version",
            "created_at",
            "updated_at",
        )
    )
    result = []
    for row in rows:
        row["document"] = row.pop("document_id")
        row["category"] = row.pop("category__code")
        result.append(row)
    return result
