"""Reads about projects: a user's projects, a project's taxonomy and reviewers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict

from django.contrib.auth.models import User
from django.db.models import Case, Count, Max, Min, OuterRef, Q, QuerySet, Subquery, When

from annotator.models import (
    Annotation,
    Assignment,
    Category,
    Document,
    GoldSpan,
    ImportedSpan,
    Membership,
    ModerationItem,
    Project,
    Role,
    TaxonomyVersion,
)
from annotator.queries import first
from annotator.selectors.annotations import submitted_annotations
from annotator.selectors.common import subquery_count
from annotator.taxonomy import CategorySpec

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class _Membership(TypedDict):
    role: str
    document_count: int
    taxonomy_version: int | None


def project_list(*, user: User) -> QuerySet[WithAnnotations[Project, _Membership]]:
    """The projects ``user`` is a member of, each with ``role``, ``document_count`` and its
    current ``taxonomy_version``.

    A reviewer's count is of the documents assigned to them: it is all they can see.
    """
    role = Membership.objects.filter(project=OuterRef("pk"), user=user).values("role")[:1]
    documents = Document.objects.filter(project=OuterRef("pk"))
    return (
        Project.objects.filter(memberships__user=user)
        .annotate(role=Subquery(role))
        .annotate(
            taxonomy_version=Subquery(
                TaxonomyVersion.objects.filter(project=OuterRef("pk"))
                .order_by("-number")
                .values("number")[:1]
            ),
            document_count=Case(
                When(
                    role=Role.REVIEWER,
                    then=subquery_count(documents.filter(assignments__reviewer=user), "project"),
                ),
                default=subquery_count(documents, "project"),
            ),
        )
        .order_by("name", "pk")
    )


def category_list(*, project: Project) -> QuerySet[Category]:
    return (
        Category.objects.filter(project=project).select_related("parent").order_by("order", "code")
    )


def project_reviewers(*, project: Project) -> QuerySet[User]:
    """The users with the reviewer role in a project, by username."""
    return User.objects.filter(
        memberships__project=project, memberships__role=Role.REVIEWER
    ).order_by("username")


def category_in_use(category: Category) -> bool:
    """Whether anything names the category: a span (a reviewer's, gold or imported), a
    moderation item, a relation type's end or an incident role. Its code then never changes
    and it is never deleted (deleting it would silently widen the relation type or role to
    any category)."""
    code = category.code
    return (
        Annotation.objects.filter(category=category).exists()
        or _named_by_relation_types(Category.objects.filter(pk=category.pk)).exists()
        or GoldSpan.objects.filter(category=category).exists()
        or ImportedSpan.objects.filter(document__project_id=category.project_id)
        .filter(Q(category=category) | Q(category_code=code))
        .exists()
        or ModerationItem.objects.filter(
            document__project_id=category.project_id, category_codes__contains=f",{code},"
        ).exists()
    )


def _named_by_relation_types(categories: QuerySet[Category]) -> QuerySet[Category]:
    """Those a relation type's end or an incident role names."""
    return categories.filter(
        Q(relation_types_as_source__isnull=False)
        | Q(relation_types_as_target__isnull=False)
        | Q(incident_roles__isnull=False)
    ).order_by()


def category_by_code(*, project_id: int, code: str) -> Category | None:
    """The project's category with ``code`` that new spans may take: None if there is none,
    or if it is retired (a retired category stays on the spans that have it, no more)."""
    return first(Category.objects.filter(project_id=project_id, code=code, retired=False))


def usernames(*, user_ids: list[int]) -> dict[int, str]:
    """The user names of these accounts, by id."""
    return dict(User.objects.filter(pk__in=user_ids).values_list("pk", "username"))


# --- Project administration: the taxonomy page, versions, members ----------------------


def taxonomy_specs(*, project: Project) -> list[CategorySpec]:
    """The project's categories in a taxonomy file's terms (parents by code), in one query:
    what the download writes and each taxonomy version keeps."""
    rows = list(
        Category.objects.filter(project=project)
        .order_by("order", "code")
        .values_list(
            "pk",
            "code",
            "name",
            "definition",
            "colour",
            "shortcut",
            "parent_id",
            "order",
            "retired",
            "group",
        )
    )
    codes = {row[0]: row[1] for row in rows}
    return [
        CategorySpec(
            code=code,
            name=name,
            definition=definition,
            colour=colour,
            shortcut=shortcut,
            parent=codes.get(parent_id) if parent_id else None,
            order=order,
            retired=retired,
            group=group,
        )
        for _, code, name, definition, colour, shortcut, parent_id, order, retired, group in rows
    ]


def categories_in_use(*, project: Project) -> set[int]:
    """The ids of the project's categories that something names (see ``category_in_use``),
    in five queries whatever the number of categories."""
    codes = dict(Category.objects.filter(project=project).values_list("code", "pk"))
    named = _named_by_relation_types(Category.objects.filter(project=project))
    used: set[int] = set(
        Annotation.objects.filter(document__project=project)
        .order_by()
        .values_list("category_id", flat=True)
        .distinct()
    )
    used.update(named.values_list("pk", flat=True).distinct())
    used.update(
        GoldSpan.objects.filter(document__project=project)
        .order_by()
        .values_list("category_id", flat=True)
        .distinct()
    )
    for category_id, code in (
        ImportedSpan.objects.filter(document__project=project)
        .order_by()
        .values_list("category_id", "category_code")
        .distinct()
    ):
        if category_id is not None:
            used.add(category_id)
        if code in codes:
            used.add(codes[code])
    for listed in (
        ModerationItem.objects.filter(document__project=project)
        .order_by()
        .values_list("category_codes", flat=True)
        .distinct()
    ):
        used.update(codes[code] for code in listed.split(",") if code in codes)
    return used


@dataclass(frozen=True)
class TaxonomyRow:
    """One category as the taxonomy page lists it: in the file's order, indented by depth."""

    category: Category
    depth: int
    first: bool  # first among its siblings: it cannot move up
    last: bool
    in_use: bool
    has_children: bool


def taxonomy_rows(*, project: Project) -> list[TaxonomyRow]:
    """The project's categories as a tree, each parent before its children; six queries."""
    categories = list(category_list(project=project))
    used = categories_in_use(project=project)
    children: dict[int | None, list[Category]] = {}
    for category in categories:
        children.setdefault(category.parent_id, []).append(category)
    rows: list[TaxonomyRow] = []

    def visit(parent_id: int | None, depth: int) -> None:
        siblings = children.get(parent_id, [])
        for index, category in enumerate(siblings):
            rows.append(
                TaxonomyRow(
                    category=category,
                    depth=depth,
                    first=index == 0,
                    last=index == len(siblings) - 1,
                    in_use=category.pk in used,
                    has_children=category.pk in children,
                )
            )
            visit(category.pk, depth + 1)

    visit(None, 0)
    return rows


def taxonomy_version_list(*, project: Project) -> QuerySet[TaxonomyVersion]:
    """The project's taxonomy versions, newest first, with who made each (without their
    data, which the list does not show)."""
    return (
        TaxonomyVersion.objects.filter(project=project)
        .select_related("created_by")
        .defer("taxonomy", "guidelines")
        .order_by("-number")
    )


def taxonomy_version_get(*, project: Project, number: int) -> TaxonomyVersion | None:
    return first(TaxonomyVersion.objects.filter(project=project, number=number))


def current_taxonomy_version_id(*, project_id: int) -> int | None:
    """The id of the project's latest taxonomy version: the one new spans are made under."""
    latest = (
        TaxonomyVersion.objects.filter(project_id=project_id)
        .order_by("-number")
        .values_list("pk", flat=True)[:1]
    )
    return next(iter(latest), None)


@dataclass(frozen=True)
class VersionRange:
    """Which taxonomy versions some spans were made under."""

    first: int | None
    last: int | None
    unrecorded: int  # spans made before versions were kept
    current: int | None

    def described(self) -> str:
        """For example "taxonomy versions 3–5", "taxonomy version 2"."""
        if self.first is None:
            text = "no taxonomy version recorded"
        elif self.first == self.last:
            text = f"taxonomy version {self.first}"
        else:
            text = f"taxonomy versions {self.first}–{self.last}"
        if self.unrecorded:
            spans = f"{self.unrecorded} span{'s' if self.unrecorded != 1 else ''}"
            text += f" ({spans} from before versions were kept)"
        return text

    def as_dict(self) -> dict[str, Any]:
        return {
            "first": self.first,
            "last": self.last,
            "current": self.current,
            "spans_without_version": self.unrecorded,
            "described": self.described(),
        }


def taxonomy_version_range(*, project: Project, annotations: QuerySet[Annotation]) -> VersionRange:
    """The taxonomy versions ``annotations`` (spans of ``project``) were made under, and
    the project's current one; two queries."""
    figures = annotations.order_by().aggregate(
        first=Min("taxonomy_version__number"),
        last=Max("taxonomy_version__number"),
        unrecorded=Count("pk", filter=Q(taxonomy_version__isnull=True)),
    )
    current = TaxonomyVersion.objects.filter(project=project).aggregate(n=Max("number"))["n"]
    return VersionRange(
        first=figures["first"],
        last=figures["last"],
        unrecorded=figures["unrecorded"] or 0,
        current=current,
    )


class _Member(TypedDict):
    open_assignments: int
    submitted_assignments: int


def member_list(*, project: Project) -> QuerySet[WithAnnotations[Membership, _Member]]:
    """The project's members with their accounts, managers first, then moderators and
    reviewers, each by user name; with each member's open and submitted assignments. One
    query."""
    assignments = Assignment.objects.filter(document__project=project, reviewer=OuterRef("user"))
    order = Case(
        When(role=Role.MANAGER, then=0),
        When(role=Role.MODERATOR, then=1),
        default=2,
    )
    return (
        Membership.objects.filter(project=project)
        .select_related("user")
        .annotate(
            open_assignments=subquery_count(assignments.filter(submitted_at=None), "reviewer"),
            submitted_assignments=subquery_count(
                assignments.exclude(submitted_at=None), "reviewer"
            ),
        )
        .order_by(order, "user__username")
    )


def membership_get(*, project: Project, pk: int) -> Membership | None:
    """One membership of the project, with its user; None if it is not this project's."""
    return first(Membership.objects.filter(project=project, pk=pk).select_related("user"))


def membership_of(*, project: Project, username: str) -> Membership | None:
    """The membership of the user with this user name, with the user; None if none."""
    return first(
        Membership.objects.filter(project=project, user__username=username).select_related("user")
    )


def manager_count(*, project: Project) -> int:
    return Membership.objects.filter(project=project, role=Role.MANAGER).count()


def user_by_username(*, username: str) -> User | None:
    """The account with this user name (as typed: user names are case-sensitive)."""
    return first(User.objects.filter(username=username))


def project_by_slug(*, slug: str) -> Project | None:
    return first(Project.objects.filter(slug=slug))


def all_projects() -> QuerySet[Project]:
    """Every project, for staff (who may create projects) and the command line."""
    return Project.objects.order_by("name", "pk")


def submitted_version_range(
    *, project: Project, documents: QuerySet[Document] | list[int]
) -> VersionRange:
    """The taxonomy versions under which the submitted spans of these documents (of
    ``project``; a query or their ids) were made: what a corpus of them, or figures about
    them, rest on. Two queries (one more per 1,000 ids)."""
    if isinstance(documents, QuerySet):
        return taxonomy_version_range(
            project=project,
            annotations=submitted_annotations().filter(document__in=documents.values("pk")),
        )
    ranges = [
        taxonomy_version_range(
            project=project,
            annotations=submitted_annotations().filter(document_id__in=documents[i : i + 1000]),
        )
        for i in range(0, len(documents), 1000)
    ] or [taxonomy_version_range(project=project, annotations=Annotation.objects.none())]
    firsts = [r.first for r in ranges if r.first is not None]
    lasts = [r.last for r in ranges if r.last is not None]
    return VersionRange(
        first=min(firsts, default=None),
        last=max(lasts, default=None),
        unrecorded=sum(r.unrecorded for r in ranges),
        current=ranges[0].current,
    )
