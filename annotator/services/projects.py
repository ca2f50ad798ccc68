"""Writes on projects and their members."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F

from annotator.models import Membership, Project, Role


@transaction.atomic
def project_create(
    *,
    slug: str,
    name: str,
    description: str = "",
    guidelines: str = "",
    reviewers_per_document: int = 2,
    blind_annotation: bool = True,
) -> Project:
    project = Project(
        slug=slug,
        name=name,
        description=description,
        guidelines=guidelines,
        reviewers_per_document=reviewers_per_document,
        blind_annotation=blind_annotation,
    )
    project.full_clean()
    project.save()
    return project


@transaction.atomic
def membership_set(*, project: Project, user: AbstractBaseUser, role: Role) -> Membership:
    """Give ``user`` the ``role`` in ``project``, replacing any role they had there."""
    membership, _ = Membership.objects.update_or_create(
        project=project, user=user, defaults={"role": role}
    )
    return membership


def layers_changed(*, project_id: int) -> None:
    """Note that a submitted or gold layer of the project changed.

    Cached agreement figures computed before this are stale and will be recomputed. Call it
    inside the transaction that made the change.
    """
    Project.objects.filter(pk=project_id).update(layers_revision=F("layers_revision") + 1)
