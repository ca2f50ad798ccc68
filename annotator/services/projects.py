"""Writes on projects and their members, each in one transaction and in the audit log."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db.models import F

from annotator.models import Membership, Project, Role
from annotator.services.audit import audit_record, audited
from annotator.services.tokens import api_tokens_revoke_for_user

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
def project_create(*, actor: User | None = None, slug: str, name: str, **fields: Any) -> Project:
    """Create a project with ``fields`` (any of ``PROJECT_FIELDS``; defaults otherwise)."""
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
    return current


@audited
def membership_set(
    *, project: Project, user: User, role: Role | str, actor: User | None = None
) -> Membership:
    """Give ``user`` the ``role`` in ``project``, replacing any role they had there."""
    role = Role(role)
    existing = Membership.objects.select_for_update().filter(project=project, user=user).first()
    if existing is not None and existing.role == role:
        return existing
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
    return membership


@audited
def membership_remove(*, project: Project, user: User, actor: User | None) -> None:
    """Take ``user`` out of ``project``; what they submitted stays."""
    membership = Membership.objects.select_for_update().filter(project=project, user=user).first()
    if membership is None:
        return
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


def layers_changed(*, project_id: int) -> None:
    """Note that a submitted or gold layer of the project changed.

    Cached agreement figures computed before this are stale and will be recomputed. Call it
    inside the transaction that made the change.
    """
    Project.objects.filter(pk=project_id).update(layers_revision=F("layers_revision") + 1)
