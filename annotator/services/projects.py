"""Writes on projects and their members, each in one transaction and in the audit log.

A project always keeps a manager: the last one can be neither removed nor given another
role. What happens to a member's open work when they leave (or stop being a reviewer) is
``services.assignments.assignments_release``: the assignments they had not started are
deleted, everything else stays.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db.models import F

from annotator.models import Membership, Project, Role
from annotator.selectors.projects import user_by_username
from annotator.services.audit import audit_record, audited
from annotator.services.taxonomy import taxonomy_version_create
from annotator.services.tokens import api_tokens_revoke_for_user

if TYPE_CHECKING:
    from annotator.services.assignments import Release

# What a project's settings are: what is created, changed and recorded.
PROJECT_FIELDS = (
    "slug",
    "name",
    "description",
    "guidelines",
    "reviewers_per_document",
    "blind_annotation",
    "anonymous_moderation",
    "auto_accept_unanimous",
)


def _settings(project: Project, names: tuple[str, ...] | list[str] = PROJECT_FIELDS) -> dict:
    return {name: getattr(project, name) for name in names}


@audited
def project_create(
    *,
    actor: User | None = None,
    slug: str,
    name: str,
    managers: tuple[User, ...] | list[User] = (),
    **fields: Any,
) -> Project:
    """Create a project with ``fields`` (any of ``PROJECT_FIELDS``; defaults otherwise),
    its taxonomy version 1 (its guidelines, no category yet) and ``managers`` as its
    managers."""
    unknown = set(fields) - set(PROJECT_FIELDS)
    if unknown:
        raise ValidationError(f"Projects have no setting {', '.join(sorted(unknown))}.")
    project = Project(slug=slug, name=name, **fields)
    project.full_clean()
    project.save()
    audit_record(
        actor=actor,
        action="project.create",
        object_type="project",
        object_id=project.pk,
        project=project,
        after=_settings(project),
    )
    taxonomy_version_create(project=project, actor=actor)
    for manager in dict.fromkeys(managers):
        membership_set(project=project, user=manager, role=Role.MANAGER, actor=actor)
    return project


@audited
def project_update(*, project: Project, actor: User | None, changes: dict[str, Any]) -> Project:
    """Change a project's settings; the audit log keeps what each was and became."""
    unknown = set(changes) - set(PROJECT_FIELDS)
    if unknown:
        raise ValidationError(f"Projects have no setting {', '.join(sorted(unknown))}.")
    current = Project.objects.select_for_update().get(pk=project.pk)
    changed = [name for name, value in changes.items() if getattr(current, name) != value]
    if not changed:
        return current
    before = _settings(current, changed)
    for name in changed:
        setattr(current, name, changes[name])
    current.full_clean()
    current.save(update_fields=changed)
    audit_record(
        actor=actor,
        action="project.update",
        object_type="project",
        object_id=current.pk,
        project=current,
        before=before,
        after=_settings(current, changed),
    )
    if "guidelines" in changed:
        taxonomy_version_create(project=current, actor=actor)
    return current


def _keep_a_manager(project: Project, user: User) -> None:
    """Refuse to take away the project's last manager (the managers' rows are locked, so
    two managers removing each other at once cannot both succeed)."""
    managers = list(
        Membership.objects.select_for_update()
        .filter(project=project, role=Role.MANAGER)
        .values_list("user_id", flat=True)
    )
    if managers == [user.pk]:
        raise ValidationError(
            {
                "role": "This is the project's last manager: make someone else a manager "
                "first, so that someone can still run the project."
            }
        )


def _release(project: Project, user: User, actor: User | None) -> Release:
    # Imported here: the assignments' services use this module's ``layers_changed``.
    from annotator.services.assignments import assignments_release

    return assignments_release(project=project, reviewer=user, actor=actor)


@audited
def membership_set(
    *, project: Project, user: User, role: Role | str, actor: User | None = None
) -> Membership:
    """Give ``user`` the ``role`` in ``project``, replacing any role they had there.

    The last manager keeps their role. A reviewer who gets another role is released from
    the documents they had not started (``assignments_release``)."""
    role = Role(role)
    existing = Membership.objects.select_for_update().filter(project=project, user=user).first()
    if existing is not None and existing.role == role:
        return existing
    if existing is not None and existing.role == Role.MANAGER:
        _keep_a_manager(project, user)
    membership, _ = Membership.objects.update_or_create(
        project=project, user=user, defaults={"role": role}
    )
    audit_record(
        actor=actor,
        action="membership.set",
        object_type="membership",
        object_id=membership.pk,
        project=project,
        before={"user": user.pk, "role": existing.role} if existing else None,
        after={"user": user.pk, "role": str(role)},
    )
    if existing is not None and existing.role == Role.REVIEWER:
        _release(project, user, actor)
    return membership


@audited
def member_add(
    *, project: Project, username: str, role: Role | str, actor: User | None
) -> Membership:
    """Add the existing account ``username`` to the project with ``role``; refused (on the
    field ``username``) for an unknown or deactivated account, or one already a member."""
    username = username.strip()
    user = user_by_username(username=username)
    if user is None:
        raise ValidationError({"username": f"There is no account with the user name {username!r}."})
    if not user.is_active:
        raise ValidationError({"username": f"The account {username!r} is deactivated."})
    if Membership.objects.filter(project=project, user=user).exists():
        raise ValidationError(
            {"username": f"{username} is already a member of this project; change their role."}
        )
    return membership_set(project=project, user=user, role=role, actor=actor)


@audited
def membership_remove(*, project: Project, user: User, actor: User | None) -> Release | None:
    """Take ``user`` out of ``project``; what they submitted stays.

    Refused for the last manager. Their API tokens are revoked (a token opens every project
    of its user), and their assignments are released (``assignments_release``): those they
    had not started are deleted, those with work in them stay. Returns what became of them
    (None if the user was not a member).
    """
    membership = Membership.objects.select_for_update().filter(project=project, user=user).first()
    if membership is None:
        return None
    if membership.role == Role.MANAGER:
        _keep_a_manager(project, user)
    # A token opens every project of its user: one taken out of a project keeps none.
    api_tokens_revoke_for_user(
        user=user, reason=f"removed from project {project.slug}", actor=actor
    )
    audit_record(
        actor=actor,
        action="membership.remove",
        object_type="membership",
        object_id=membership.pk,
        project=project,
        before={"user": user.pk, "role": membership.role},
    )
    membership.delete()
    return _release(project, user, actor)


def layers_changed(*, project_id: int) -> None:
    """Note that a submitted or gold layer of the project changed.

    Cached agreement figures computed before this are stale and will be recomputed. Call it
    inside the transaction that made the change.
    """
    Project.objects.filter(pk=project_id).update(layers_revision=F("layers_revision") + 1)
