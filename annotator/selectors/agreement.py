"""Reads for agreement: the documents it is computed on, their layers, how reviewers are
named to moderators."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db.models import F, OuterRef, Q, QuerySet

from annotator.models import (
    Annotation,
    Assignment,
    Category,
    Document,
    DocumentStatus,
    GoldSpan,
    ItemStatus,
    ModerationItem,
    Project,
    Relation,
    RelationType,
)
from annotator.selectors.common import subquery_count


def agreement_documents(
    *, project: Project, query: str = "", status: str = "", language: str = ""
) -> QuerySet[Document]:
    """The project's documents (filtered) that at least two reviewers have submitted."""
    submitted = Assignment.objects.filter(document=OuterRef("pk"), submitted_at__isnull=False)
    documents = Document.objects.filter(project=project)
    query = query.strip()
    if query:
        documents = documents.filter(Q(title__icontains=query) | Q(text__icontains=query))
    if status:
        documents = documents.filter(status=status)
    if language:
        documents = documents.filter(language=language)
    return documents.annotate(layer_count=subquery_count(submitted, "document")).filter(
        layer_count__gte=2
    )


def agreement_layers(*, project: Project, documents: QuerySet[Document]) -> list[dict[str, Any]]:
    """Everything agreement is computed from, one dict per document, in five queries.

    Each dict has ``id``, ``title``, ``text``, ``layers`` (submitted reviewer id → list of
    ``(start, end, category code, evidence status, source type)``; a reviewer who marked
    nothing has an empty list) and ``gold`` (the gold layer's ``(start, end, category code)``
    if the document is reconciled, else None).
    """
    rows: dict[int, dict] = {}
    for pk, title, text, status in documents.order_by("pk").values_list(
        "pk", "title", "text", "status"
    ):
        reconciled = status == DocumentStatus.RECONCILED
        rows[pk] = {
            "id": pk,
            "title": title,
            "text": text,
            "layers": {},
            "gold": [] if reconciled else None,
        }
    document_ids = documents.values("pk")
    for document_id, reviewer_id in Assignment.objects.filter(
        document__in=document_ids, submitted_at__isnull=False
    ).values_list("document_id", "reviewer_id"):
        rows[document_id]["layers"][reviewer_id] = []
    codes = dict(Category.objects.filter(project=project).values_list("pk", "code"))
    spans = Annotation.objects.filter(document__in=document_ids).values_list(
        "document_id",
        "reviewer_id",
        "start",
        "end",
        "category_id",
        "evidence_status",
        "source_type",
    )
    for document_id, reviewer_id, start, end, category_id, status, source in spans:
        layer = rows[document_id]["layers"].get(reviewer_id)
        if layer is not None:
            layer.append((start, end, codes[category_id], status, source))
    for document_id, start, end, category_id in GoldSpan.objects.filter(
        document__in=document_ids
    ).values_list("document_id", "start", "end", "category_id"):
        gold = rows[document_id]["gold"]
        if gold is not None:
            gold.append((start, end, codes[category_id]))
    return list(rows.values())


def agreement_relations(
    *, project: Project, documents: QuerySet[Document]
) -> tuple[dict[int, dict[int, list[tuple]]], set[str]]:
    """The reviewers' relations of the documents, by document and reviewer, each
    ``((start, end), (start, end), type code)`` (its source and target spans), and the codes
    of the project's symmetric relation types: two queries. Whose layers count (submitted
    ones) is the figures' business: they read only the reviewers of ``agreement_layers``."""
    relations: dict[int, dict[int, list[tuple]]] = {}
    rows = Relation.objects.filter(document__in=documents.values("pk")).values_list(
        "document_id",
        "reviewer_id",
        "source__start",
        "source__end",
        "target__start",
        "target__end",
        "relation_type__code",
    )
    for document_id, reviewer_id, s0, s1, t0, t1, code in rows.order_by("pk"):
        relations.setdefault(document_id, {}).setdefault(reviewer_id, []).append(
            ((s0, s1), (t0, t1), code)
        )
    symmetric = set(
        RelationType.objects.filter(project=project, symmetric=True).values_list("code", flat=True)
    )
    return relations, symmetric


def agreement_document_rows(*, documents: QuerySet[Document]) -> QuerySet[Document]:
    """Documents from least to most agreement (undefined last), with ``open_items``."""
    items = ModerationItem.objects.filter(document=OuterRef("pk"), status=ItemStatus.OPEN)
    return (
        documents.only("id", "project_id", "title", "agreement", "status")
        .annotate(open_items=subquery_count(items, "document"))
        .order_by(F("agreement").asc(nulls_last=True), "pk")
    )


def agreement_document_values(*, documents: QuerySet[Document]) -> list[dict[str, Any]]:
    """The rows of ``agreement_document_rows`` as plain dicts, for downloads."""
    rows = documents.values("id", "title", "agreement", "open_items")  # type: ignore[misc]
    return [dict(row) for row in rows]


def reviewer_names(*, project: Project, reviewer_ids: list[int]) -> dict[int, str]:
    """How reviewers are shown to moderators: by name, or as Reviewer 1, 2, … when the project
    moderates anonymously (numbered in order of id, so stable for the project)."""
    if project.anonymous_moderation:
        return {pk: f"Reviewer {n}" for n, pk in enumerate(sorted(reviewer_ids), start=1)}
    names = User.objects.filter(pk__in=reviewer_ids).values_list("pk", "username")
    return dict(names)
