"""Who may do what: a user's access to a project or a document, resolved once and typed.

Every page, API endpoint and command asks here, and nowhere else, what a user may see and
do. The answer is a frozen value (``ProjectAccess``, ``DocumentAccess``) that carries the
project or document together with the user's role in it, so that no code bolts a role onto
a model instance, and each question ("may this user moderate here?") has one answer.

Two refusals, which Django and the API turn into responses by themselves:

- ``NoAccess`` (a 404): no such project or document *for this user*. A project the user
  is not a member of, and for a reviewer a document not assigned to them (blind
  annotation), look exactly like ones that do not exist, so that their existence is not
  leaked.
- ``Forbidden`` (a 403): a member whose role does not allow the action; the message says
  which role it needs.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.http import Http404, HttpRequest

from annotator.models import Assignment, Document, DocumentStatus, Membership, Project, Role
from annotator.queries import first

MODERATING_ROLES: tuple[Role, ...] = (Role.MODERATOR, Role.MANAGER)


class AuthenticatedHttpRequest(HttpRequest):
    """A request from a logged-in user: every page but the login page, and every API call
    that passed authentication. Services take ``User``, never ``AnonymousUser``."""

    user: User


class NoAccess(Http404):
    """No such project or document for this user; looks the same as none at all."""


class Forbidden(PermissionDenied):
    """The user is a member, but their role does not allow this."""


def _role_names(roles: tuple[Role, ...]) -> str:
    return " or ".join(Role(role).label.lower() for role in roles)


@dataclass(frozen=True)
class ProjectAccess:
    """A member's access to a project: the project and their role in it."""

    project: Project
    user: User
    role: Role

    @property
    def is_manager(self) -> bool:
        return self.role == Role.MANAGER

    @property
    def is_moderator(self) -> bool:
        return self.role == Role.MODERATOR

    @property
    def is_reviewer(self) -> bool:
        return self.role == Role.REVIEWER

    @property
    def moderates(self) -> bool:
        """Moderators and managers: they see every document, who is assigned, and the
        reviewers' layers once submitted; they reconcile, measure and export."""
        return self.role in MODERATING_ROLES

    def require(self, *roles: Role, to: str = "") -> None:
        """Refuse (``Forbidden``) unless the user has one of ``roles`` here."""
        if self.role not in roles:
            doing = f" to {to}" if to else ""
            raise Forbidden(
                f"You need the role of {_role_names(roles)} in this project{doing}; "
                f"you are a {self.role.label.lower()}."
            )


@dataclass(frozen=True)
class DocumentAccess:
    """A member's access to one document of a project they may see it in.

    For a reviewer, ``submitted_at`` is when they submitted their own layer (None while it
    is open); for moderators and managers it is None.
    """

    document: Document
    project_access: ProjectAccess
    submitted_at: datetime.datetime | None = None

    @property
    def project(self) -> Project:
        return self.project_access.project

    @property
    def user(self) -> User:
        return self.project_access.user

    @property
    def role(self) -> Role:
        return self.project_access.role

    @property
    def moderates(self) -> bool:
        return self.project_access.moderates

    @property
    def is_manager(self) -> bool:
        return self.project_access.is_manager

    @property
    def is_reviewer(self) -> bool:
        return self.project_access.is_reviewer

    @property
    def layer_submitted(self) -> bool:
        return self.submitted_at is not None

    @property
    def sees_gold(self) -> bool:
        return sees_gold(
            self.project_access, status=self.document.status, submitted_at=self.submitted_at
        )

    def require(self, *roles: Role, to: str = "") -> None:
        self.project_access.require(*roles, to=to)

    def require_gold(self) -> None:
        """Refuse (``Forbidden``) a reader who may not see the gold layer yet, saying when."""
        if not self.sees_gold:
            raise Forbidden(
                "The gold layer is shown to reviewers once the document is reconciled and "
                "their own layer submitted."
            )


def sees_gold(
    access: ProjectAccess, *, status: str, submitted_at: datetime.datetime | None
) -> bool:
    """Whether a member sees a document's gold layer: moderators and managers at any time;
    a reviewer once the document is reconciled and their own layer submitted (when
    ``submitted_at`` is set), never while their work or the moderation could be swayed."""
    if access.moderates:
        return True
    return access.is_reviewer and submitted_at is not None and status == DocumentStatus.RECONCILED


def _user(user: AbstractBaseUser | AnonymousUser) -> User:
    if not isinstance(user, User) or not user.is_authenticated:
        raise NoAccess("Log in to see this.")
    return user


def project_access(*, user: AbstractBaseUser | AnonymousUser, slug: str) -> ProjectAccess:
    """The user's access to the project with ``slug``; ``NoAccess`` if not a member."""
    member = _user(user)
    membership = first(
        Membership.objects.select_related("project")
        .filter(user=member, project__slug=slug)
        .only("role", "project")
    )
    if membership is None:
        raise NoAccess("No such project of yours.")
    return ProjectAccess(project=membership.project, user=member, role=Role(membership.role))


def visible_documents(access: ProjectAccess) -> QuerySet[Document]:
    """The documents of the project the user may see: reviewers only those assigned to
    them, moderators and managers every one."""
    documents = Document.objects.filter(project=access.project)
    if access.is_reviewer:
        documents = documents.filter(assignments__reviewer=access.user)
    return documents


def document_access(
    access: ProjectAccess, *, pk: int, with_text: bool = True, for_page: bool = True
) -> DocumentAccess:
    """The user's access to document ``pk`` of a project whose access was resolved;
    ``NoAccess`` if it is not there or (for a reviewer) not assigned to them.

    Without ``with_text`` the document's text, which can be megabytes, is not read; with
    ``for_page`` the importer is read too, as the document's pages show it.
    """
    documents = Document.objects.filter(project=access.project, pk=pk)
    if for_page:
        documents = documents.select_related("imported_by")
    if not with_text:
        documents = documents.defer("text")
    if access.is_reviewer:
        # Blind annotation: a document not assigned to the reviewer does not exist for them.
        mine = Assignment.objects.filter(document=OuterRef("pk"), reviewer=access.user)
        documents = documents.filter(Exists(mine)).annotate(
            own_submitted_at=Subquery(mine.values("submitted_at")[:1])
        )
    document = first(documents)
    if document is None:
        raise NoAccess("No such document of yours.")
    submitted_at = getattr(document, "own_submitted_at", None)
    document.project = access.project
    return DocumentAccess(document=document, project_access=access, submitted_at=submitted_at)


def member_document_access(
    *, user: AbstractBaseUser | AnonymousUser, project_slug: str, pk: int
) -> DocumentAccess:
    """``document_access`` for a page's URL: the project by its slug, then the document."""
    return document_access(project_access(user=user, slug=project_slug), pk=pk)


def document_access_by_id(
    *, user: AbstractBaseUser | AnonymousUser, document_id: int, with_text: bool = False
) -> DocumentAccess:
    """The user's access to a document given by id alone (the API's URLs); ``NoAccess``
    when there is none. One query (the document, its project, the user's role there and
    their assignment): this runs on every API call."""
    member = _user(user)
    mine = Assignment.objects.filter(document=OuterRef("pk"), reviewer=member)
    role = Membership.objects.filter(project=OuterRef("project_id"), user=member)
    documents = (
        Document.objects.filter(pk=document_id)
        .select_related("project")
        .annotate(
            member_role=Subquery(role.values("role")[:1]),
            own_assigned=Exists(mine),
            own_submitted_at=Subquery(mine.values("submitted_at")[:1]),
        )
    )
    if not with_text:
        documents = documents.defer("text")
    document = first(documents)
    # The annotations, read by name: they are not fields the type checker knows.
    role_here = getattr(document, "member_role", None)
    if document is None or role_here is None:
        raise NoAccess("No such document in your projects.")
    access = ProjectAccess(project=document.project, user=member, role=Role(role_here))
    if access.is_reviewer and not getattr(document, "own_assigned"):  # noqa: B009
        raise NoAccess("No such document in your projects.")  # blind: unassigned is invisible
    submitted_at = getattr(document, "own_submitted_at") if access.is_reviewer else None  # noqa: B009
    return DocumentAccess(document=document, project_access=access, submitted_at=submitted_at)


def moderated_projects(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[Project]:
    """The projects in which the user moderates (moderators and managers)."""
    return Project.objects.filter(
        memberships__user=_user(user), memberships__role__in=MODERATING_ROLES
    ).order_by("name")
