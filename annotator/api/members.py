"""API: a project's members (list, add, change role, remove) and new accounts (with the
one-time link that sets their password). Managers only; users appear by user name."""

from __future__ import annotations

from typing import Any

from ninja import Router, Status

from annotator.access import AuthenticatedHttpRequest, NoAccess, ProjectAccess, project_access
from annotator.api.schemas.base import Slug, Username, responses
from annotator.api.schemas.projects import (
    MemberIn,
    MemberOut,
    MemberPatch,
    MemberRemovedOut,
    NewUserOut,
    UserIn,
)
from annotator.models import Membership, Role
from annotator.selectors.projects import member_list, membership_of
from annotator.services.accounts import user_create
from annotator.services.projects import member_add, membership_remove, membership_set

router = Router(tags=["members"])


def _managing(request: AuthenticatedHttpRequest, slug: str) -> ProjectAccess:
    access = project_access(user=request.user, slug=slug)
    access.require(Role.MANAGER, to="manage the project's members")
    return access


def _member(membership: Membership) -> dict[str, Any]:
    user = membership.user
    return {
        "username": user.get_username(),
        "role": membership.role,
        "since": membership.created_at,
        "is_active": user.is_active,
        "has_password": user.has_usable_password(),
        "last_login": user.last_login,
        "open_assignments": getattr(membership, "open_assignments", 0),
        "submitted_assignments": getattr(membership, "submitted_assignments", 0),
    }


def _membership(access: ProjectAccess, username: str) -> Membership:
    membership = membership_of(project=access.project, username=username)
    if membership is None:
        raise NoAccess(f"{username} is not a member of this project.")
    return membership


@router.get("/projects/{slug}/members", response=responses({200: list[MemberOut]}, forbidden=True))
def list_members(request: AuthenticatedHttpRequest, slug: Slug) -> list[dict[str, Any]]:
    """The members: managers, moderators, then reviewers, each by user name, with the
    documents assigned to them that are open and submitted."""
    access = _managing(request, slug)
    return [_member(membership) for membership in member_list(project=access.project)]


@router.post(
    "/projects/{slug}/members", response=responses({201: MemberOut}, forbidden=True, too_large=True)
)
def add_member(request: AuthenticatedHttpRequest, slug: Slug, payload: MemberIn) -> Status:
    """Add an existing account to the project with a role."""
    access = _managing(request, slug)
    member_add(
        project=access.project, username=payload.username, role=payload.role, actor=request.user
    )
    return Status(201, _member(_membership(access, payload.username.strip())))


@router.patch(
    "/projects/{slug}/members/{username}",
    response=responses({200: MemberOut}, forbidden=True, too_large=True),
)
def change_member(
    request: AuthenticatedHttpRequest, slug: Slug, username: Username, payload: MemberPatch
) -> dict[str, Any]:
    """Change a member's role. The last manager keeps theirs; a reviewer who gets another
    role is unassigned from the documents they had not started."""
    access = _managing(request, slug)
    membership = _membership(access, username)
    membership_set(
        project=access.project, user=membership.user, role=payload.role, actor=request.user
    )
    return _member(_membership(access, username))


@router.delete(
    "/projects/{slug}/members/{username}",
    response=responses({200: MemberRemovedOut}, forbidden=True),
)
def remove_member(
    request: AuthenticatedHttpRequest, slug: Slug, username: Username
) -> dict[str, Any]:
    """Take a member out of the project (not the last manager). What they submitted stays;
    the documents they had not started are unassigned, those with their work stay theirs;
    their API tokens are revoked."""
    access = _managing(request, slug)
    membership = _membership(access, username)
    release = membership_remove(project=access.project, user=membership.user, actor=request.user)
    return {
        "username": membership.user.get_username(),
        "unassigned": release.deleted if release else [],
        "kept": release.kept if release else [],
    }


@router.post(
    "/projects/{slug}/users", response=responses({201: NewUserOut}, forbidden=True, too_large=True)
)
def create_user(request: AuthenticatedHttpRequest, slug: Slug, payload: UserIn) -> Status:
    """Make an account and make it a member with ``role``. It has no password: the answer's
    ``set_password_url`` (one time, three days, shown only here) lets its owner set one."""
    access = _managing(request, slug)
    link = user_create(
        username=payload.username,
        email=payload.email,
        project=access.project,
        role=payload.role,
        actor=request.user,
    )
    return Status(
        201,
        {
            "username": link.user.get_username(),
            "role": payload.role,
            "set_password_url": request.build_absolute_uri(link.path),
        },
    )
