"""Reads about projects: a user's projects, a project's taxonomy and reviewers."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict

from django.contrib.auth.models import User
from django.db.models import Case, OuterRef, Q, QuerySet, Subquery, When

from annotator.models import (
    Annotation,
    Category,
    Document,
    GoldSpan,
    ImportedSpan,
    Membership,
    ModerationItem,
    Project,
    Role,
)
from annotator.queries import first
from annotator.selectors.common import subquery_count

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class _Membership(TypedDict):
    role: str
    document_count: int


def project_list(*, user: User) -> QuerySet[WithAnnotations[Project, _Membership]]:
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
                    then=subquery_count(documents.filter(assignments__reviewer=user), "project"),
                ),
                default=subquery_count(documents, "project"),
            )
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
    """Whether anything names the category: a span (a reviewer's, gold or imported), or a
    moderation item. Its code then never changes and it is never deleted."""
    code = category.code
    return (
        Annotation.objects.filter(category=category).exists()
        or GoldSpan.objects.filter(category=category).exists()
        or ImportedSpan.objects.filter(document__project_id=category.project_id)
        .filter(Q(category=category) | Q(category_code=code))
        .exists()
        or ModerationItem.objects.filter(
            document__project_id=category.project_id, category_codes__contains=f",{code},"
        ).exists()
    )


def category_by_code(*, project_id: int, code: str) -> Category | None:
    """The project's category with ``code``, if there is one."""
    return first(Category.objects.filter(project_id=project_id, code=code))


def usernames(*, user_ids: list[int]) -> dict[int, str]:
    """The user names of these accounts, by id."""
    return dict(User.objects.filter(pk__in=user_ids).values_list("pk", "username"))
