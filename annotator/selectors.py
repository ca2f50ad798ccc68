"""Reads: what a user may see, fetched with a number of queries that does not grow with rows."""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection
from django.db.models import (
    Case,
    Count,
    DateTimeField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
    When,
)
from django.db.models.functions import Cast, Coalesce, Substr

from annotator.formats.corpus import ExportDocument, ExportSpan
from annotator.models import (
    Annotation,
    Assignment,
    AuditEvent,
    Category,
    Document,
    DocumentStatus,
    GoldSpan,
    ImportedSpan,
    ItemStatus,
    Membership,
    ModerationItem,
    Project,
    Role,
)

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


def _subquery_count(rows: QuerySet, outer_key: str) -> Coalesce:
    """How many ``rows`` (filtered by an OuterRef on ``outer_key``) there are, as a subquery.

    Unlike a join with GROUP BY, a subquery is left out of a paginator's count and runs only
    for the rows of the page shown.
    """
    counted = rows.order_by().values(outer_key).annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def project_list(*, user: AbstractBaseUser) -> QuerySet[Project]:
    """The projects ``user`` is a member of, each with ``role`` and ``document_count``.

    A reviewer's count is of the documents assigned to them: it is all they can see.
    """
    role = Membership.objects.filter(project=OuterRef("pk"), user=user).values("role")[:1]
    documents = Document.objects.filter(project=OuterRef("pk"))
    return (
        Project.objects.filter(memberships__user=user)
        .annotate(role=Subquery(role))
        .annotate(
            document_count=Case(
                When(
                    role=Role.REVIEWER,
                    then=_subquery_count(documents.filter(assignments__reviewer=user), "project"),
                ),
                default=_subquery_count(documents, "project"),
            )
        )
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


def visible_documents(*, project: Project, user: AbstractBaseUser) -> QuerySet[Document]:
    """The documents of a project that ``user`` (with ``project.role``) may see.

    Reviewers see only the documents assigned to them, each with ``my_submitted_at`` (their
    own submission time, or None); moderators and managers see every document.
    """
    documents = Document.objects.filter(project=project)
    if project.role != Role.REVIEWER:
        return documents
    mine = Assignment.objects.filter(document=OuterRef("pk"), reviewer=user)
    return documents.filter(Exists(mine)).annotate(
        my_submitted_at=Subquery(mine.values("submitted_at")[:1])
    )


def document_list(
    *, project: Project, user: AbstractBaseUser, query: str = "", status: str = ""
) -> QuerySet[Document]:
    """The documents ``user`` may see, in import order, filtered by text and status.

    For moderators and managers each comes with ``assigned_count`` and ``submitted_count``.
    """
    documents = visible_documents(project=project, user=user).only(*DOCUMENT_LIST_FIELDS)
    query = query.strip()
    if query:
        documents = documents.filter(Q(title__icontains=query) | Q(text__icontains=query))
    if status:
        documents = documents.filter(status=status)
    if project.role != Role.REVIEWER:
        assignments = Assignment.objects.filter(document=OuterRef("pk"))
        documents = documents.annotate(
            assigned_count=_subquery_count(assignments, "document"),
            submitted_count=_subquery_count(
                assignments.filter(submitted_at__isnull=False), "document"
            ),
        )
    return documents.order_by("pk")


def document_for_member(*, project: Project, user: AbstractBaseUser, pk: int) -> Document:
    """One document the user may see in a project whose membership was already checked."""
    return visible_documents(project=project, user=user).select_related("imported_by").get(pk=pk)


def assignment_list(*, document: Document) -> QuerySet[Assignment]:
    """Who is assigned to a document, for moderators and managers (never for reviewers)."""
    return (
        Assignment.objects.filter(document=document)
        .select_related("reviewer")
        .order_by("assigned_at", "pk")
    )


def project_reviewers(*, project: Project) -> QuerySet:
    """The users with the reviewer role in a project, by username."""
    return (
        get_user_model()
        .objects.filter(memberships__project=project, memberships__role=Role.REVIEWER)
        .order_by("username")
    )


def next_document(*, project: Project, user: AbstractBaseUser) -> Document | None:
    """The reviewer's first assigned document they have not submitted yet."""
    return (
        Document.objects.filter(
            project=project, assignments__reviewer=user, assignments__submitted_at__isnull=True
        )
        .only("pk", "project_id")
        .order_by("pk")
        .first()
    )


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
    if (
        role == Role.REVIEWER
        and not Assignment.objects.filter(document_id=document_id, reviewer=user).exists()
    ):
        raise Document.DoesNotExist  # blind: an unassigned document does not exist for them
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


MODERATING_ROLES = (Role.MODERATOR, Role.MANAGER)


def moderated_projects(*, user: AbstractBaseUser) -> QuerySet[Project]:
    """The projects in which the user moderates (moderators and managers)."""
    return Project.objects.filter(
        memberships__user=user, memberships__role__in=MODERATING_ROLES
    ).order_by("name")


def moderation_queue(
    *,
    user: AbstractBaseUser,
    project_slug: str = "",
    document_id: int | None = None,
    category: str = "",
    kind: str = "",
    order: str = "position",
) -> QuerySet[ModerationItem]:
    """Open items of the user's moderated projects, filtered, with their passage's text.

    ``order`` is ``position`` (document, then place in it), ``contested`` (most contested
    first) or ``agreement`` (documents whose reviewers agreed least first; documents whose
    agreement is undefined last). Give the page shown to ``with_passages`` for the text of
    each passage: reading it here would make the count read every item's document text.
    """
    items = ModerationItem.objects.filter(
        status=ItemStatus.OPEN,
        document__project__in=moderated_projects(user=user),
    )
    if project_slug:
        items = items.filter(document__project__slug=project_slug)
    if document_id:
        items = items.filter(document_id=document_id)
    if category:
        items = items.filter(category_codes__contains=f",{category},")
    if kind in ("label", "boundary", "missing"):
        items = items.filter(**{f"is_{kind}": True})
    orderings = {
        "contested": ("-contestedness", "document_id", "start", "pk"),
        "agreement": (
            F("document__agreement").asc(nulls_last=True),
            "document_id",
            "start",
            "pk",
        ),
    }
    ordering = orderings.get(order, ("document_id", "start", "end", "pk"))
    return items.select_related("document__project").defer("document__text").order_by(*ordering)


def with_passages(items: list[ModerationItem]) -> list[ModerationItem]:
    """Attach ``passage`` (the item's text, read by the database) to a page of items."""
    passages = dict(
        ModerationItem.objects.filter(pk__in=[item.pk for item in items])
        .annotate(passage=Substr("document__text", F("start") + 1, F("end") - F("start")))
        .values_list("pk", "passage")
    )
    for item in items:
        item.passage = passages.get(item.pk, "")
    return items


def moderation_counts(items: QuerySet[ModerationItem]) -> dict[str, int]:
    """How many items there are in all and of each kind, in one query."""
    return items.order_by().aggregate(
        total=Count("pk"),
        label=Count("pk", filter=Q(is_label=True)),
        boundary=Count("pk", filter=Q(is_boundary=True)),
        missing=Count("pk", filter=Q(is_missing=True)),
    )


def item_for_moderator(*, user: AbstractBaseUser, item_id: int) -> ModerationItem:
    """An item of a project the user moderates; DoesNotExist otherwise."""
    return (
        ModerationItem.objects.select_related("document__project", "resolved_by")
        .defer("document__text")
        .filter(document__project__in=moderated_projects(user=user))
        .get(pk=item_id)
    )


def next_open_item(*, user: AbstractBaseUser, after: ModerationItem) -> ModerationItem | None:
    """The next open item in queue order after ``after`` (its document first)."""
    items = moderation_queue(user=user)
    later = items.filter(
        Q(document_id=after.document_id, start__gt=after.start)
        | Q(document_id=after.document_id, start=after.start, pk__gt=after.pk)
        | Q(document_id__gt=after.document_id)
    )
    return later.first() or items.exclude(pk=after.pk).first()


def reviewer_feedback(*, document: Document, reviewer: AbstractBaseUser) -> dict[str, list]:
    """A reviewer's spans against the gold layer of a reconciled document.

    ``kept``: their spans that are in the gold layer exactly; ``dropped``: theirs that are
    not; ``missed``: gold spans they did not have.
    """
    own = {
        (row["start"], row["end"], row["category"]): row
        for row in annotation_list(document=document, reviewer=reviewer)
    }
    gold = {
        (span.start, span.end, span.category.code): span
        for span in GoldSpan.objects.filter(document=document).select_related("category")
    }
    return {
        "kept": [own[key] for key in sorted(own.keys() & gold.keys())],
        "dropped": [own[key] for key in sorted(own.keys() - gold.keys())],
        "missed": [gold[key] for key in sorted(gold.keys() - own.keys())],
    }


def document_history(*, document: Document) -> QuerySet[AuditEvent]:
    """Every audit event about a document, oldest first."""
    return AuditEvent.objects.filter(document=document).select_related("actor").order_by("pk")


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
    return documents.annotate(layer_count=_subquery_count(submitted, "document")).filter(
        layer_count__gte=2
    )


def agreement_layers(*, project: Project, documents: QuerySet[Document]) -> list[dict]:
    """Everything agreement is computed from, one dict per document, in five queries.

    Each dict has ``id``, ``title``, ``text``, ``layers`` (submitted reviewer id → list of
    ``(start, end, category code)``; a reviewer who marked nothing has an empty list) and
    ``gold`` (the gold layer's spans if the document is reconciled, else None).
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
    for document_id, reviewer_id, start, end, category_id in Annotation.objects.filter(
        document__in=document_ids
    ).values_list("document_id", "reviewer_id", "start", "end", "category_id"):
        layer = rows[document_id]["layers"].get(reviewer_id)
        if layer is not None:
            layer.append((start, end, codes[category_id]))
    for document_id, start, end, category_id in GoldSpan.objects.filter(
        document__in=document_ids
    ).values_list("document_id", "start", "end", "category_id"):
        gold = rows[document_id]["gold"]
        if gold is not None:
            gold.append((start, end, codes[category_id]))
    return list(rows.values())


def agreement_document_rows(*, documents: QuerySet[Document]) -> QuerySet[Document]:
    """Documents from least to most agreement (undefined last), with ``open_items``."""
    items = ModerationItem.objects.filter(document=OuterRef("pk"), status=ItemStatus.OPEN)
    return (
        documents.only("id", "project_id", "title", "agreement", "status")
        .annotate(open_items=_subquery_count(items, "document"))
        .order_by(F("agreement").asc(nulls_last=True), "pk")
    )


def agreement_document_values(*, documents: QuerySet[Document]) -> list[dict]:
    """The rows of ``agreement_document_rows`` as plain dicts, for downloads."""
    return list(documents.values("id", "title", "agreement", "open_items"))


def reviewer_names(*, project: Project, reviewer_ids: list[int]) -> dict[int, str]:
    """How reviewers are shown to moderators: by name, or as Reviewer 1, 2, … when the project
    moderates anonymously (numbered in order of id, so stable for the project)."""
    if project.anonymous_moderation:
        return {pk: f"Reviewer {n}" for n, pk in enumerate(sorted(reviewer_ids), start=1)}
    names = get_user_model().objects.filter(pk__in=reviewer_ids).values_list("pk", "username")
    return dict(names)


def imported_layers(*, document: Document) -> list[dict]:
    """The document's imported layers, each with its number of spans ``n``."""
    return list(
        ImportedSpan.objects.filter(document=document)
        .values("layer")
        .annotate(n=Count("pk"))
        .order_by("layer")
    )


EXPORT_CHUNK = 200


class ExportLayer:
    GOLD = "gold"
    REVIEWERS = "reviewers"
    ALL = "all"
    CHOICES = (GOLD, REVIEWERS, ALL)


def export_document_ids(
    *,
    project: Project,
    status: str = "",
    since: datetime.date | None = None,
    until: datetime.date | None = None,
) -> list[int]:
    """The ids of the documents an export covers, in import order."""
    documents = Document.objects.filter(project=project)
    if status:
        documents = documents.filter(status=status)
    if since:
        documents = documents.filter(imported_at__date__gte=since)
    if until:
        documents = documents.filter(imported_at__date__lte=until)
    return list(documents.order_by("pk").values_list("pk", flat=True))


def submitted_annotations() -> QuerySet[Annotation]:
    """Annotations in submitted layers only: work in progress is neither final nor exported."""
    submitted = Assignment.objects.filter(
        document_id=OuterRef("document_id"),
        reviewer_id=OuterRef("reviewer_id"),
        submitted_at__isnull=False,
    )
    return Annotation.objects.filter(Exists(submitted))


def export_span_count(*, document_ids: list[int], layer: str, category: str = "") -> int:
    """How many spans ``layer`` has in these documents (of ``category``, if given)."""
    by_category = Q(category__code=category) if category else Q()
    count = 0
    if layer in (ExportLayer.GOLD, ExportLayer.ALL):
        count += GoldSpan.objects.filter(by_category, document_id__in=document_ids).count()
    if layer in (ExportLayer.REVIEWERS, ExportLayer.ALL):
        rows = submitted_annotations().filter(by_category, document_id__in=document_ids)
        count += rows.count()
    if layer == ExportLayer.ALL:
        imported = Q(category_code=category) if category else Q()
        count += ImportedSpan.objects.filter(imported, document_id__in=document_ids).count()
    return count


@dataclass(frozen=True)
class ExportNames:
    """How people appear in an export: reviewers (who made spans or proposed gold ones) and
    moderators (who decided gold spans), each by account id."""

    reviewers: dict[int, str]
    moderators: dict[int, str]

    def reviewer(self, pk: int) -> str:
        return self.reviewers.get(pk, "Reviewer ?")

    def moderator(self, pk: int) -> str:
        return self.moderators.get(pk, "Moderator ?")


def export_reviewer_names(
    *, project: Project, document_ids: list[int], real_names: bool
) -> ExportNames:
    """How people appear in an export of these documents: their user names when a manager
    asked for names, otherwise pseudonyms numbered by account within the export, each role
    on its own: "Reviewer 1", "Reviewer 2"… among the people who annotated the documents
    (or proposed their gold spans), "Moderator 1", "Moderator 2"… among the people who
    decided their gold spans. Someone who did both has one pseudonym in each role, and the
    export does not say that the two are the same person."""
    # Without the models' default ordering, which DISTINCT would otherwise have to select.
    gold = GoldSpan.objects.filter(document_id__in=document_ids).order_by()
    reviewer_ids = set(
        Annotation.objects.filter(document_id__in=document_ids)
        .order_by()
        .values_list("reviewer_id", flat=True)
        .distinct()
    )
    # A handful of distinct lists, whatever the number of gold spans.
    for proposers in gold.values_list("proposed_by", flat=True).distinct():
        reviewer_ids.update(int(pk) for pk in _json(proposers) or ())
    moderator_ids = set(
        gold.exclude(decided_by=None).values_list("decided_by_id", flat=True).distinct()
    )
    if real_names:
        users = get_user_model().objects.filter(pk__in=reviewer_ids | moderator_ids)
        usernames = dict(users.values_list("pk", "username"))
        return ExportNames(
            reviewers={pk: usernames[pk] for pk in reviewer_ids if pk in usernames},
            moderators={pk: usernames[pk] for pk in moderator_ids if pk in usernames},
        )
    return ExportNames(
        reviewers={pk: f"Reviewer {n}" for n, pk in enumerate(sorted(reviewer_ids), start=1)},
        moderators={pk: f"Moderator {n}" for n, pk in enumerate(sorted(moderator_ids), start=1)},
    )


def export_documents(
    *,
    project: Project,
    document_ids: list[int],
    layer: str,
    names: ExportNames,
    category: str = "",
) -> Iterator[ExportDocument]:
    """The documents with their spans in ``layer``, read 200 documents at a time.

    ``gold`` is the gold layer; ``reviewers`` every submitted reviewer's layer (work in
    progress is not exported); ``all`` both, and the layers imported with a corpus.
    """
    codes = dict(Category.objects.filter(project=project).values_list("pk", "code"))
    wanted = {pk for pk, code in codes.items() if code == category} if category else None
    for offset in range(0, len(document_ids), EXPORT_CHUNK):
        chunk = document_ids[offset : offset + EXPORT_CHUNK]
        spans: dict[int, list[ExportSpan]] = {pk: [] for pk in chunk}
        if layer in (ExportLayer.GOLD, ExportLayer.ALL):
            _gold_spans(chunk, codes, wanted, names, spans)
        if layer in (ExportLayer.REVIEWERS, ExportLayer.ALL):
            _reviewer_spans(chunk, codes, wanted, names, spans)
        if layer == ExportLayer.ALL:
            _imported_spans(chunk, category, spans)
        rows = Document.objects.filter(pk__in=chunk).order_by("pk")
        for document in rows.values(
            "pk",
            "title",
            "text",
            "text_sha256",
            "source_sha256",
            "language",
            "direction",
            "metadata",
            "page_starts",
            "source_filename",
            "source_url",
            "publisher",
            "published_on",
            "imported_at",
        ):
            metadata = {
                **document["metadata"],
                "source_filename": document["source_filename"],
                "source_url": document["source_url"],
                "publisher": document["publisher"],
                "published_on": document["published_on"].isoformat()
                if document["published_on"]
                else "",
                "imported_at": document["imported_at"].isoformat(),
            }
            if document["page_starts"]:
                metadata["page_starts"] = document["page_starts"]
            yield ExportDocument(
                id=document["pk"],
                title=document["title"],
                text=document["text"],
                text_sha256=document["text_sha256"],
                source_sha256=document["source_sha256"],
                language=document["language"],
                direction=document["direction"],
                metadata={k: v for k, v in metadata.items() if v not in ("", None)},
                spans=tuple(
                    sorted(spans[document["pk"]], key=lambda s: (s.start, -s.end, s.layer))
                ),
            )


def _rows(queryset: QuerySet, *fields: str) -> list[tuple]:
    """The rows of ``queryset.values_list(*fields)`` as the database driver returns them.

    Django converts every value of every row (datetimes parsed and made aware, JSON
    decoded), which costs more than the rest of an export; the few fields an export needs
    are converted by ``_iso`` and ``_json`` below instead.
    """
    # Times are read as text: parsing them into datetimes only to print them again costs
    # more than anything else an export does.
    texts = {
        name: Cast(name, output_field=TextField())
        for name in fields
        if isinstance(queryset.model._meta.get_field(name), DateTimeField)
    }
    queryset = queryset.annotate(**{f"{name}_text": cast for name, cast in texts.items()})
    fields = tuple(f"{name}_text" if name in texts else name for name in fields)
    sql, params = queryset.values_list(*fields).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _iso(value: datetime.datetime | str) -> str:
    """A time read as text, as ISO 8601 in UTC.

    SQLite holds Django's times as UTC text without an offset (``2026-11-28 22:29:22.5``);
    PostgreSQL prints them in the connection's time zone, which Django sets to UTC
    (``2026-11-28 22:29:22.5+00``).
    """
    if not isinstance(value, str):
        return value.isoformat()
    value = value.replace(" ", "T", 1)
    if value.endswith("+00"):
        return value + ":00"
    return value if "+" in value[10:] else value + "+00:00"


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _gold_spans(
    chunk: list[int],
    codes: dict[int, str],
    wanted: set[int] | None,
    names: ExportNames,
    spans: dict[int, list[ExportSpan]],
) -> None:
    rows = GoldSpan.objects.filter(document_id__in=chunk)
    if wanted is not None:
        rows = rows.filter(category_id__in=wanted)
    for document_id, start, end, category_id, quote, origin, proposed, decider, decided in _rows(
        rows.order_by(),
        "document_id",
        "start",
        "end",
        "category_id",
        "quote",
        "origin",
        "proposed_by",
        "decided_by_id",
        "decided_at",
    ):
        proposed = [] if proposed in ("[]", None) else _json(proposed)
        attributes = {
            "origin": origin,
            "proposed_by": [names.reviewer(int(r)) for r in proposed],
        }
        if decider:
            attributes["decided_by"] = names.moderator(decider)
        when = _iso(decided)
        spans[document_id].append(
            ExportSpan(
                start, end, codes[category_id], quote, "gold", "", "", attributes, when, when
            )
        )


def _reviewer_spans(
    chunk: list[int],
    codes: dict[int, str],
    wanted: set[int] | None,
    names: ExportNames,
    spans: dict[int, list[ExportSpan]],
) -> None:
    rows = submitted_annotations().filter(document_id__in=chunk)
    if wanted is not None:
        rows = rows.filter(category_id__in=wanted)
    for row in _rows(
        rows.order_by(),
        "document_id",
        "reviewer_id",
        "start",
        "end",
        "category_id",
        "quote",
        "note",
        "evidence_status",
        "source_type",
        "created_at",
        "updated_at",
    ):
        document_id, reviewer, start, end, category_id, quote, note, evidence, source = row[:9]
        spans[document_id].append(
            ExportSpan(
                start,
                end,
                codes[category_id],
                quote,
                "reviewer",
                names.reviewer(reviewer),
                note,
                {"evidence_status": evidence, "source_type": source},
                _iso(row[9]),
                _iso(row[10]),
            )
        )


def _imported_spans(chunk: list[int], category: str, spans: dict[int, list[ExportSpan]]) -> None:
    rows = ImportedSpan.objects.filter(document_id__in=chunk)
    if category:
        rows = rows.filter(category_code=category)
    for document_id, layer, code, start, end, quote, note, attributes, created in _rows(
        rows.order_by(),
        "document_id",
        "layer",
        "category_code",
        "start",
        "end",
        "quote",
        "note",
        "attributes",
        "created_at",
    ):
        when = _iso(created)
        spans[document_id].append(
            ExportSpan(start, end, code, quote, layer, "", note, _json(attributes), when, when)
        )
